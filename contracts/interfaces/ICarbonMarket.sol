// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ICarbonCreditRegistry} from "./ICarbonCreditRegistry.sol";

/**
 * @title ICarbonMarket
 * @notice The city's carbon trading floor: sellers list credits of a batch at a unit price in VND and the credits move
 * into the market's escrow; buyers fill all or part of a listing, paying in the settlement token, and credits and VND
 * swap in one transaction (delivery versus payment), optionally retiring the credits on purchase.
 * @dev The market's own account must be an active participant (an account of an Operator organisation) so that
 * credits can move into and out of escrow. For every batch, the market's balance equals the sum of the remainders of
 * its open listings of that batch.
 */
interface ICarbonMarket {
    /// @notice A listing as the gateway and auditors see it. `remaining` 0 means closed (filled, cancelled, reclaimed).
    struct ListingInfo {
        address seller;
        uint256 batchId;
        uint256 remaining;
        uint256 unitPrice;
        uint256 minFill;
        uint64 expiry;
        address buyer;
    }

    /**
     * @notice Credits were listed and moved into escrow.
     * @param listingId the listing
     * @param seller the seller
     * @param batchId the batch
     * @param amount units listed
     * @param unitPrice VND per unit
     * @param minFill smallest fill accepted, unless a fill takes the whole remainder (0 for none)
     * @param expiry last second a fill is accepted (unix seconds), 0 for none
     * @param buyer the only buyer allowed, zero for anyone
     */
    event Listed(
        uint256 indexed listingId,
        address indexed seller,
        uint256 indexed batchId,
        uint256 amount,
        uint256 unitPrice,
        uint256 minFill,
        uint64 expiry,
        address buyer
    );

    /**
     * @notice A fill: credits and VND swapped. Emitted once per fill.
     * @param listingId the listing
     * @param seller the seller
     * @param buyer the buyer
     * @param batchId the batch
     * @param amount units bought
     * @param unitPrice VND per unit
     * @param fee VND of the price paid to the fee recipient (the seller received the rest)
     */
    event Traded(
        uint256 indexed listingId,
        address indexed seller,
        address indexed buyer,
        uint256 batchId,
        uint256 amount,
        uint256 unitPrice,
        uint256 fee
    );

    /**
     * @notice The seller cancelled a listing and got its remainder back.
     * @param listingId the listing
     * @param seller the seller
     * @param remaining units returned
     */
    event ListingCancelled(uint256 indexed listingId, address indexed seller, uint256 remaining);

    /**
     * @notice The issuer cancelled credits held in escrow for a listing (the registry records the cancellation and its
     * serials in `Cancelled`, with the market as holder).
     * @param listingId the listing
     * @param seller the seller
     * @param amount units cancelled
     * @param remaining units left for sale; 0 closes the listing
     */
    event ListingReduced(uint256 indexed listingId, address indexed seller, uint256 amount, uint256 remaining);

    /**
     * @notice The remainder of an expired listing went back to its seller.
     * @param listingId the listing
     * @param seller the seller
     * @param by who asked for it
     * @param remaining units returned
     */
    event ListingReclaimed(uint256 indexed listingId, address indexed seller, address by, uint256 remaining);

    /**
     * @notice The fee changed.
     * @param previousBps the rate before, in basis points
     * @param feeBps the rate now, in basis points
     * @param recipient who receives fees now
     */
    event FeeChanged(uint16 previousBps, uint16 feeBps, address recipient);

    /**
     * @notice Listing and filling were paused.
     * @param account who paused
     */
    event Paused(address account);

    /**
     * @notice Listing and filling were resumed.
     * @param account who unpaused
     */
    event Unpaused(address account);

    /// @notice An amount must be at least one unit.
    error CarbonMarketZeroAmount();

    /**
     * @notice An amount is larger than any batch can hold.
     * @param amount the amount
     * @param max the largest allowed
     */
    error CarbonMarketAmountTooLarge(uint256 amount, uint256 max);

    /// @notice A unit price must be at least 1 VND.
    error CarbonMarketZeroPrice();

    /**
     * @notice A unit price is too large.
     * @param unitPrice the price
     * @param max the largest allowed
     */
    error CarbonMarketPriceTooLarge(uint256 unitPrice, uint256 max);

    /**
     * @notice The minimum fill is larger than the amount listed.
     * @param minFill the minimum fill
     * @param amount the amount listed
     */
    error CarbonMarketInvalidMinFill(uint256 minFill, uint256 amount);

    /**
     * @notice The expiry is not in the future (or beyond the supported range).
     * @param expiry the expiry
     */
    error CarbonMarketInvalidExpiry(uint64 expiry);

    /**
     * @notice Buyer and seller are the same account.
     * @param account the account
     */
    error CarbonMarketSelfTrade(address account);

    /**
     * @notice No listing with this id.
     * @param listingId the id
     */
    error CarbonMarketUnknownListing(uint256 listingId);

    /**
     * @notice The listing is closed (filled, cancelled or reclaimed).
     * @param listingId the listing
     */
    error CarbonMarketListingClosed(uint256 listingId);

    /**
     * @notice The listing has expired.
     * @param listingId the listing
     * @param expiry its expiry
     */
    error CarbonMarketListingExpired(uint256 listingId, uint64 expiry);

    /**
     * @notice The listing has not expired (or never expires).
     * @param listingId the listing
     * @param expiry its expiry, 0 for none
     */
    error CarbonMarketListingNotExpired(uint256 listingId, uint64 expiry);

    /**
     * @notice The seller's account is frozen in the credit registry, so its listing can neither be filled nor
     * cancelled nor reclaimed: the credits in escrow stay put until the account is unfrozen. (A frozen batch is
     * refused by the registry itself when escrow moves its credits: CarbonCreditRegistryBatchFrozen.)
     * @param listingId the listing
     * @param seller its seller
     */
    error CarbonMarketSellerFrozen(uint256 listingId, address seller);

    /**
     * @notice Only the seller may cancel a listing.
     * @param listingId the listing
     * @param caller the caller
     */
    error CarbonMarketNotSeller(uint256 listingId, address caller);

    /**
     * @notice The listing is reserved for another buyer.
     * @param listingId the listing
     * @param buyer the caller
     */
    error CarbonMarketNotPrivateBuyer(uint256 listingId, address buyer);

    /**
     * @notice The fill asks for more than the listing has left.
     * @param listingId the listing
     * @param amount the amount asked for
     * @param remaining what is left
     */
    error CarbonMarketInsufficientRemaining(uint256 listingId, uint256 amount, uint256 remaining);

    /**
     * @notice The fill is smaller than the listing's minimum and does not take the whole remainder.
     * @param listingId the listing
     * @param amount the amount asked for
     * @param minFill the minimum fill
     */
    error CarbonMarketBelowMinFill(uint256 listingId, uint256 amount, uint256 minFill);

    /**
     * @notice The fill would cost more than the buyer's limit.
     * @param cost the cost in VND
     * @param maxCost the buyer's limit
     */
    error CarbonMarketMaxCostExceeded(uint256 cost, uint256 maxCost);

    /**
     * @notice The fee rate is above the cap.
     * @param feeBps the rate asked for
     * @param max the cap
     */
    error CarbonMarketFeeTooHigh(uint16 feeBps, uint16 max);

    /**
     * @notice A non-zero fee needs a recipient that is an active participant.
     * @param recipient the recipient given
     */
    error CarbonMarketInvalidFeeRecipient(address recipient);

    /**
     * @notice The market accepts credits only through its own listings.
     * @param operator who tried to send them
     */
    error CarbonMarketUnsolicitedTransfer(address operator);

    /// @notice Listing and filling are paused.
    error CarbonMarketPaused();

    /// @notice Listing and filling are not paused.
    error CarbonMarketNotPaused();

    /**
     * @notice Lists credits; they move into escrow, so the caller must have approved the market on the registry.
     * @param batchId the batch
     * @param amount units to list
     * @param unitPrice VND per unit, at least 1
     * @param minFill smallest fill accepted, at most `amount` (0 for none)
     * @param expiry last second a fill is accepted, in the future, or 0 for none
     * @param buyer the only buyer allowed, zero for anyone; never the seller
     * @return listingId the new listing's id
     */
    function list(
        uint256 batchId,
        uint256 amount,
        uint256 unitPrice,
        uint256 minFill,
        uint64 expiry,
        address buyer
    ) external returns (uint256 listingId);

    /**
     * @notice Buys from a listing: the caller pays `amount * unitPrice` VND (it must have approved the market on the
     * settlement token) and receives the credits.
     * @param listingId the listing
     * @param amount units to buy
     * @param maxCost the most VND the caller will pay
     * @return cost VND paid
     */
    function fill(uint256 listingId, uint256 amount, uint256 maxCost) external returns (uint256 cost);

    /**
     * @notice Buys from a listing and retires the credits at once; the retirement names the caller as holder.
     * @param listingId the listing
     * @param amount units to buy and retire
     * @param maxCost the most VND the caller will pay
     * @param claim beneficiary, reason and consumption period of the retirement
     * @return cost VND paid
     * @return retirementId the certificate's id
     */
    function fillAndRetire(
        uint256 listingId,
        uint256 amount,
        uint256 maxCost,
        ICarbonCreditRegistry.RetirementClaim calldata claim
    ) external returns (uint256 cost, uint256 retirementId);

    /**
     * @notice The seller closes a listing and gets its remainder back.
     * @param listingId the listing
     */
    function cancelListing(uint256 listingId) external;

    /**
     * @notice The issuer cancels credits held in escrow for an open listing (frozen batch or seller included): the
     * listing shrinks by `amount`, and closes when nothing is left, so listing credits does not shield them from
     * cancellation.
     * @dev Restricted by the AccessManager to the ISSUER role; the registry burns the credits from escrow.
     * @param listingId the listing
     * @param amount units to cancel, at most the listing's remainder
     * @param reason why, not empty
     */
    function cancelEscrowed(uint256 listingId, uint256 amount, string calldata reason) external;

    /**
     * @notice Returns the remainder of an expired listing to its seller; anyone may call it.
     * @param listingId the listing
     */
    function reclaimExpired(uint256 listingId) external;

    /**
     * @notice Sets the fee, charged on the price and paid by the buyer to the recipient out of the seller's proceeds.
     * @param feeBps rate in basis points, at most `MAX_FEE_BPS`
     * @param recipient who receives fees; an active participant when the rate is not zero
     */
    function setFee(uint16 feeBps, address recipient) external;

    /// @notice The emergency brake (GUARDIAN): stops listing, filling, cancelling and reclaiming, so nothing enters or
    /// leaves escrow until `unpause`.
    function pause() external;

    /// @notice Resumes listing, filling, cancelling and reclaiming.
    function unpause() external;

    /**
     * @notice A listing. Reverts for an unknown id.
     * @param listingId the listing
     * @return info the listing
     */
    function listing(uint256 listingId) external view returns (ListingInfo memory info);

    /**
     * @notice What a fill would cost now.
     * @param listingId the listing
     * @param amount units
     * @return cost VND the buyer pays
     * @return fee VND of it that goes to the fee recipient
     */
    function quote(uint256 listingId, uint256 amount) external view returns (uint256 cost, uint256 fee);

    /**
     * @notice The fee rate.
     * @return rate basis points
     */
    function feeBps() external view returns (uint16 rate);

    /**
     * @notice Who receives fees.
     * @return recipient the account
     */
    function feeRecipient() external view returns (address recipient);

    /**
     * @notice The number of listings so far; ids run from 1 to this.
     * @return count the last listing id
     */
    function lastListingId() external view returns (uint256 count);

    /**
     * @notice Whether the market is paused (no listing, filling, cancelling or reclaiming).
     * @return isPaused true if paused
     */
    function paused() external view returns (bool isPaused);

    /**
     * @notice The credit registry traded on.
     * @return creditRegistry its address
     */
    function registry() external view returns (address creditRegistry);

    /**
     * @notice The settlement token paid with.
     * @return token its address
     */
    function settlementToken() external view returns (address token);
}
