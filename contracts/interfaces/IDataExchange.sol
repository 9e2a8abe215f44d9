// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IDataAssetRegistry} from "./IDataAssetRegistry.sol";
import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/**
 * @title IDataExchange
 * @notice Usage licences of datasets sold for VND: a dataset's holder or custodian offers licences at a price, for a
 * term (a duration or a fixed end date), under a terms document (the hash of a machine-readable policy), optionally
 * only to listed organisations and up to a number of licences. A purchase moves the buyer's VND to the holder (less
 * the fee, if governance sets one) and grants the licence through the DataAssetRegistry in one transaction.
 * @dev The exchange holds no VND: payment goes straight from the buyer to the holder with the buyer's allowance. It
 * is the registry's exchange (`setExchange`, once), the only account that may call
 * `DataAssetRegistry.grantPurchasedLicense`, so no paid licence exists without its sale. Core and Important datasets are offered to CityAgency organisations only.
 */
interface IDataExchange {
    /// @notice What an offerer supplies.
    struct OfferTerms {
        uint256 datasetId;
        uint256 price;
        uint64 term;
        uint64 licenceEnd;
        bytes32 termsHash;
        uint32 maxLicences;
        uint64 expiry;
        bytes32[] allowed;
    }

    /// @notice An offer as the gateway and auditors see it.
    struct OfferInfo {
        address offerer;
        uint256 datasetId;
        uint256 price;
        uint64 term;
        uint64 licenceEnd;
        bytes32 termsHash;
        uint32 maxLicences;
        uint32 sold;
        uint64 expiry;
        bool restricted;
        bool cancelled;
    }

    /**
     * @notice A dataset's licences were offered.
     * @param offerId the offer
     * @param datasetId the dataset
     * @param offerer its holder or custodian
     * @param price VND per licence
     * @param term licence duration in seconds, 0 when the licence has a fixed end
     * @param licenceEnd fixed end of every licence sold (unix seconds), 0 when it runs for `term`
     * @param termsHash canonical hash of the policy document
     * @param maxLicences most licences sold, 0 for no limit
     * @param expiry last second a purchase is accepted, 0 for none
     * @param allowed the only organisations allowed to buy, empty for every active participant
     */
    event OfferCreated(
        uint256 indexed offerId,
        uint256 indexed datasetId,
        address indexed offerer,
        uint256 price,
        uint64 term,
        uint64 licenceEnd,
        bytes32 termsHash,
        uint32 maxLicences,
        uint64 expiry,
        bytes32[] allowed
    );

    /**
     * @notice A licence was bought: VND paid and the licence granted (or extended) in the same transaction.
     * @param offerId the offer
     * @param datasetId the dataset
     * @param buyer the buying account
     * @param buyerOrg the licensed organisation
     * @param holder the dataset's holder, who received `price - fee`
     * @param price VND paid by the buyer
     * @param fee VND of the price paid to the fee recipient
     * @param previousExpiresAt the organisation's licence expiry before (0 when it held none)
     * @param expiresAt the licence's expiry now
     */
    event LicensePurchased(
        uint256 indexed offerId,
        uint256 indexed datasetId,
        address indexed buyer,
        bytes32 buyerOrg,
        address holder,
        uint256 price,
        uint256 fee,
        uint64 previousExpiresAt,
        uint64 expiresAt
    );

    /**
     * @notice The offerer withdrew an offer.
     * @param offerId the offer
     * @param datasetId the dataset
     * @param offerer who cancelled
     */
    event OfferCancelled(uint256 indexed offerId, uint256 indexed datasetId, address indexed offerer);

    /**
     * @notice The fee changed.
     * @param previousBps the rate before, in basis points
     * @param feeBps the rate now, in basis points
     * @param recipient who receives fees now
     */
    event FeeChanged(uint16 previousBps, uint16 feeBps, address recipient);

    /**
     * @notice Offering and buying were paused.
     * @param account who paused
     */
    event Paused(address account);

    /**
     * @notice Offering and buying were resumed.
     * @param account who unpaused
     */
    event Unpaused(address account);

    /// @notice Offering and buying are paused.
    error DataExchangePaused();

    /// @notice Offering and buying are not paused.
    error DataExchangeNotPaused();

    /**
     * @notice The account is not an account of an active organisation.
     * @param account the account
     */
    error DataExchangeInactiveParticipant(address account);

    /**
     * @notice Only the dataset's holder or custodian may offer its licences.
     * @param datasetId the dataset
     * @param account the caller
     */
    error DataExchangeNotHolder(uint256 datasetId, address account);

    /**
     * @notice The dataset is Deprecated or Revoked: its licences are not for sale.
     * @param datasetId the dataset
     * @param status its status
     */
    error DataExchangeDatasetNotActive(uint256 datasetId, IDataAssetRegistry.AssetStatus status);

    /// @notice A licence costs at least 1 VND.
    error DataExchangeZeroPrice();

    /**
     * @notice The price is too large.
     * @param price the price
     * @param max the largest allowed
     */
    error DataExchangePriceTooLarge(uint256 price, uint256 max);

    /**
     * @notice Exactly one of a duration and a fixed end must be given; the duration at most `MAX_TERM`, the end in
     * the future.
     * @param term the duration given
     * @param licenceEnd the end given
     */
    error DataExchangeInvalidTerm(uint64 term, uint64 licenceEnd);

    /// @notice The terms hash cannot be zero.
    error DataExchangeZeroTermsHash();

    /**
     * @notice The offer's expiry is not in the future (or beyond the supported range).
     * @param expiry the expiry
     */
    error DataExchangeInvalidExpiry(uint64 expiry);

    /**
     * @notice The allow-list is longer than `MAX_ALLOWED`.
     * @param count its length
     * @param max the longest allowed
     */
    error DataExchangeTooManyAllowed(uint256 count, uint256 max);

    /**
     * @notice An organisation on the allow-list is not registered, or (for Core and Important data) not a city agency.
     * @param orgId the organisation
     * @param kind its kind
     */
    error DataExchangeOrganizationNotEligible(bytes32 orgId, IParticipantRegistry.OrgKind kind);

    /**
     * @notice Core and Important data are offered only to listed city agencies, so the allow-list cannot be empty.
     * @param datasetId the dataset
     * @param classification its class
     */
    error DataExchangeAllowListRequired(uint256 datasetId, IDataAssetRegistry.Classification classification);

    /**
     * @notice No offer with this id.
     * @param offerId the id
     */
    error DataExchangeUnknownOffer(uint256 offerId);

    /**
     * @notice The offer was cancelled, or its offerer no longer holds or keeps the dataset.
     * @param offerId the offer
     */
    error DataExchangeOfferClosed(uint256 offerId);

    /**
     * @notice The offer has expired (its expiry, or the fixed end of its licences, has passed).
     * @param offerId the offer
     * @param expiry the time that passed
     */
    error DataExchangeOfferExpired(uint256 offerId, uint64 expiry);

    /**
     * @notice Every licence of the offer has been sold.
     * @param offerId the offer
     * @param maxLicences its maximum
     */
    error DataExchangeSoldOut(uint256 offerId, uint32 maxLicences);

    /**
     * @notice The buyer's organisation is not on the offer's allow-list (or, for Core and Important data, not a city
     * agency).
     * @param offerId the offer
     * @param orgId the buyer's organisation
     */
    error DataExchangeNotAllowed(uint256 offerId, bytes32 orgId);

    /**
     * @notice The holder or offerer cannot buy a licence of its own dataset.
     * @param account the buyer
     */
    error DataExchangeSelfPurchase(address account);

    /**
     * @notice The price is above the buyer's limit.
     * @param price the price
     * @param maxPrice the buyer's limit
     */
    error DataExchangePriceAboveMax(uint256 price, uint256 maxPrice);

    /**
     * @notice Only the offerer may cancel an offer.
     * @param offerId the offer
     * @param account the caller
     */
    error DataExchangeNotOfferer(uint256 offerId, address account);

    /**
     * @notice The fee rate is above the cap.
     * @param feeBps the rate asked for
     * @param max the cap
     */
    error DataExchangeFeeTooHigh(uint16 feeBps, uint16 max);

    /**
     * @notice A non-zero fee needs a recipient that is an active participant.
     * @param recipient the recipient given
     */
    error DataExchangeInvalidFeeRecipient(address recipient);

    /**
     * @notice Offers usage licences of a dataset. The caller is its holder or custodian and an active participant.
     * @param terms the price (1 VND or more), exactly one of a duration and a fixed end, the terms hash, the maximum
     * number of licences (0 for none), the offer's expiry (0 for none) and the allow-list (empty for anyone; required
     * and CityAgency only for Core and Important data)
     * @return offerId the new offer's id
     */
    function offer(OfferTerms calldata terms) external returns (uint256 offerId);

    /**
     * @notice Buys a licence for the caller's organisation: the caller pays the price (it must have approved the
     * exchange on the settlement token), the holder receives it less the fee, and the licence is granted, or an
     * unexpired one extended by the term.
     * @param offerId the offer
     * @param maxPrice the most VND the caller will pay
     * @return expiresAt the licence's expiry
     */
    function purchase(uint256 offerId, uint256 maxPrice) external returns (uint64 expiresAt);

    /**
     * @notice The offerer withdraws an offer; licences already sold stay.
     * @param offerId the offer
     */
    function cancel(uint256 offerId) external;

    /**
     * @notice Sets the fee, charged on the price and paid by the buyer to the recipient out of the holder's proceeds.
     * @param feeBps rate in basis points, at most `MAX_FEE_BPS`
     * @param recipient who receives fees; an active participant when the rate is not zero
     */
    function setFee(uint16 feeBps, address recipient) external;

    /// @notice Pauses offering and buying (cancelling stays open).
    function pause() external;

    /// @notice Resumes offering and buying.
    function unpause() external;

    /**
     * @notice An offer. Reverts for an unknown id.
     * @param offerId the offer
     * @return info the offer
     */
    function offerOf(uint256 offerId) external view returns (OfferInfo memory info);

    /**
     * @notice Whether an organisation is on an offer's allow-list (always false for an offer without one).
     * @param offerId the offer
     * @param orgId the organisation
     * @return allowed true if listed
     */
    function isAllowed(uint256 offerId, bytes32 orgId) external view returns (bool allowed);

    /**
     * @notice What a purchase would cost now.
     * @param offerId the offer
     * @return price VND the buyer pays
     * @return fee VND of it that goes to the fee recipient
     */
    function quote(uint256 offerId) external view returns (uint256 price, uint256 fee);

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
     * @notice The number of offers so far; ids run from 1 to this.
     * @return count the last offer id
     */
    function lastOfferId() external view returns (uint256 count);

    /**
     * @notice Whether offering and buying are paused.
     * @return isPaused true if paused
     */
    function paused() external view returns (bool isPaused);

    /**
     * @notice The dataset registry whose licences are sold.
     * @return dataRegistry its address
     */
    function registry() external view returns (address dataRegistry);

    /**
     * @notice The settlement token paid with.
     * @return token its address
     */
    function settlementToken() external view returns (address token);
}
