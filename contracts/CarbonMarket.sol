// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICarbonCreditRegistry} from "./interfaces/ICarbonCreditRegistry.sol";
import {ICarbonMarket} from "./interfaces/ICarbonMarket.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";

/**
 * @title CarbonMarket
 * @notice Listings with escrow and atomic delivery-versus-payment in the VND settlement token. MARKET_OPERATOR sets
 * the fee; GUARDIAN pauses; ISSUER cancels credits held in escrow (`cancelEscrowed`).
 * @dev A listing is two storage slots (seller, remainder, expiry | batch, price, minimum fill, private flag); the
 * private buyer lives in a third slot only when there is one. Fee, fee recipient, listing counter and pause flag
 * share one slot that both `list` and `fill` read anyway. Payment uses `transferFrom` with the buyer's allowance:
 * the market holds no power over anyone's VND beyond what the buyer approved.
 */
contract CarbonMarket is ICarbonMarket, IERC1155Receiver, AccessManaged, ReentrancyGuardTransient, ERC2771Context {
    using SafeERC20 for IERC20;

    /// @notice The highest fee rate the operator may set: 10%.
    uint16 public constant MAX_FEE_BPS = 1_000;

    struct Listing {
        address seller;
        uint56 remaining;
        uint40 expiry;
        uint64 batchId;
        uint128 unitPrice;
        uint56 minFill;
        bool hasBuyer;
    }

    struct Config {
        uint64 lastListingId;
        uint16 feeBps;
        address feeRecipient;
        bool paused;
    }

    uint256 private constant _BPS = 10_000;

    ICarbonCreditRegistry private immutable _REGISTRY;
    IERC20 private immutable _SETTLEMENT;
    IParticipantRegistry private immutable _PARTICIPANTS;

    Config private _config;
    mapping(uint256 listingId => Listing) private _listings;
    mapping(uint256 listingId => address buyer) private _privateBuyers;

    constructor(
        address authority,
        ICarbonCreditRegistry creditRegistry,
        IERC20 settlement,
        address trustedForwarder
    ) AccessManaged(authority) ERC2771Context(trustedForwarder) {
        _REGISTRY = creditRegistry;
        _SETTLEMENT = settlement;
        _PARTICIPANTS = IParticipantRegistry(creditRegistry.participants());
    }

    /// @inheritdoc ICarbonMarket
    function list(
        uint256 batchId,
        uint256 amount,
        uint256 unitPrice,
        uint256 minFill,
        uint64 expiry,
        address buyer
    ) external nonReentrant returns (uint256 listingId) {
        address seller = _msgSender();
        Config memory config = _config;
        if (config.paused) revert CarbonMarketPaused();
        if (amount == 0) revert CarbonMarketZeroAmount();
        if (amount > type(uint56).max) revert CarbonMarketAmountTooLarge(amount, type(uint56).max);
        if (unitPrice == 0) revert CarbonMarketZeroPrice();
        if (unitPrice > type(uint128).max) revert CarbonMarketPriceTooLarge(unitPrice, type(uint128).max);
        if (minFill > amount) revert CarbonMarketInvalidMinFill(minFill, amount);
        if (expiry != 0 && (expiry <= block.timestamp || expiry > type(uint40).max)) {
            revert CarbonMarketInvalidExpiry(expiry);
        }
        if (buyer == seller) revert CarbonMarketSelfTrade(buyer);

        listingId = config.lastListingId + 1;
        _config.lastListingId = uint64(listingId);
        // Batch ids come from the registry's 64-bit counter; a larger id is unknown there and the escrow transfer
        // below reverts, so the narrowing cast cannot store a wrong id.
        _listings[listingId] = Listing({
            seller: seller,
            remaining: uint56(amount),
            expiry: uint40(expiry),
            batchId: uint64(batchId),
            unitPrice: uint128(unitPrice),
            minFill: uint56(minFill),
            hasBuyer: buyer != address(0)
        });
        if (buyer != address(0)) _privateBuyers[listingId] = buyer;
        emit Listed(listingId, seller, batchId, amount, unitPrice, minFill, expiry, buyer);
        IERC1155(address(_REGISTRY)).safeTransferFrom(seller, address(this), batchId, amount, "");
    }

    /// @inheritdoc ICarbonMarket
    function fill(uint256 listingId, uint256 amount, uint256 maxCost) external nonReentrant returns (uint256 cost) {
        uint256 batchId;
        (batchId, cost) = _buy(listingId, amount, maxCost);
        IERC1155(address(_REGISTRY)).safeTransferFrom(address(this), _msgSender(), batchId, amount, "");
    }

    /// @inheritdoc ICarbonMarket
    function fillAndRetire(
        uint256 listingId,
        uint256 amount,
        uint256 maxCost,
        ICarbonCreditRegistry.RetirementClaim calldata claim
    ) external nonReentrant returns (uint256 cost, uint256 retirementId) {
        uint256 batchId;
        (batchId, cost) = _buy(listingId, amount, maxCost);
        // The credits never leave escrow: the registry burns them here and names the buyer as holder.
        retirementId = _REGISTRY.retireOnBehalf(_msgSender(), batchId, amount, claim);
    }

    /// @inheritdoc ICarbonMarket
    function cancelListing(uint256 listingId) external nonReentrant {
        if (_config.paused) revert CarbonMarketPaused();
        Listing storage entry = _openListing(listingId);
        address seller = entry.seller;
        if (_msgSender() != seller) revert CarbonMarketNotSeller(listingId, _msgSender());
        _requireSellerNotFrozen(listingId, seller);
        uint256 remaining = entry.remaining;
        entry.remaining = 0;
        emit ListingCancelled(listingId, seller, remaining);
        IERC1155(address(_REGISTRY)).safeTransferFrom(address(this), seller, entry.batchId, remaining, "");
    }

    /// @inheritdoc ICarbonMarket
    function cancelEscrowed(uint256 listingId, uint256 amount, string calldata reason) external restricted nonReentrant {
        Listing storage entry = _openListing(listingId);
        uint256 remaining = entry.remaining;
        if (amount == 0) revert CarbonMarketZeroAmount();
        if (amount > remaining) revert CarbonMarketInsufficientRemaining(listingId, amount, remaining);
        remaining -= amount;
        entry.remaining = uint56(remaining);
        emit ListingReduced(listingId, entry.seller, amount, remaining);
        _REGISTRY.cancelFromEscrow(entry.batchId, amount, reason);
    }

    /// @inheritdoc ICarbonMarket
    function reclaimExpired(uint256 listingId) external nonReentrant {
        if (_config.paused) revert CarbonMarketPaused();
        Listing storage entry = _openListing(listingId);
        uint64 expiry = entry.expiry;
        if (expiry == 0 || block.timestamp <= expiry) revert CarbonMarketListingNotExpired(listingId, expiry);
        address seller = entry.seller;
        _requireSellerNotFrozen(listingId, seller);
        uint256 remaining = entry.remaining;
        entry.remaining = 0;
        emit ListingReclaimed(listingId, seller, _msgSender(), remaining);
        IERC1155(address(_REGISTRY)).safeTransferFrom(address(this), seller, entry.batchId, remaining, "");
    }

    /// @inheritdoc ICarbonMarket
    function setFee(uint16 newFeeBps, address recipient) external restricted {
        if (newFeeBps > MAX_FEE_BPS) revert CarbonMarketFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        if (newFeeBps != 0 && !_PARTICIPANTS.isActive(recipient)) revert CarbonMarketInvalidFeeRecipient(recipient);
        uint16 previous = _config.feeBps;
        _config.feeBps = newFeeBps;
        _config.feeRecipient = recipient;
        emit FeeChanged(previous, newFeeBps, recipient);
    }

    /// @inheritdoc ICarbonMarket
    function pause() external restricted {
        if (_config.paused) revert CarbonMarketPaused();
        _config.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc ICarbonMarket
    function unpause() external restricted {
        if (!_config.paused) revert CarbonMarketNotPaused();
        _config.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @notice Accepts credits only when the market itself moves them in (a listing's escrow); anything else would
    /// sit in escrow without a listing.
    function onERC1155Received(
        address operator,
        address,
        uint256,
        uint256,
        bytes calldata
    ) external view returns (bytes4) {
        if (operator != address(this) || msg.sender != address(_REGISTRY)) {
            revert CarbonMarketUnsolicitedTransfer(operator);
        }
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @notice Never accepts batch transfers: listings escrow one batch at a time.
    function onERC1155BatchReceived(
        address operator,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external pure returns (bytes4) {
        revert CarbonMarketUnsolicitedTransfer(operator);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    /// @inheritdoc ICarbonMarket
    function listing(uint256 listingId) external view returns (ListingInfo memory info) {
        Listing memory entry = _listings[listingId];
        if (entry.seller == address(0)) revert CarbonMarketUnknownListing(listingId);
        info = ListingInfo({
            seller: entry.seller,
            batchId: entry.batchId,
            remaining: entry.remaining,
            unitPrice: entry.unitPrice,
            minFill: entry.minFill,
            expiry: entry.expiry,
            buyer: _privateBuyers[listingId]
        });
    }

    /// @inheritdoc ICarbonMarket
    function quote(uint256 listingId, uint256 amount) external view returns (uint256 cost, uint256 fee) {
        Listing storage entry = _listings[listingId];
        if (entry.seller == address(0)) revert CarbonMarketUnknownListing(listingId);
        cost = amount * entry.unitPrice;
        fee = (cost * _config.feeBps) / _BPS;
    }

    /// @inheritdoc ICarbonMarket
    function feeBps() external view returns (uint16 rate) {
        return _config.feeBps;
    }

    /// @inheritdoc ICarbonMarket
    function feeRecipient() external view returns (address recipient) {
        return _config.feeRecipient;
    }

    /// @inheritdoc ICarbonMarket
    function lastListingId() external view returns (uint256 count) {
        return _config.lastListingId;
    }

    /// @inheritdoc ICarbonMarket
    function paused() external view returns (bool isPaused) {
        return _config.paused;
    }

    /// @inheritdoc ICarbonMarket
    function registry() external view returns (address creditRegistry) {
        return address(_REGISTRY);
    }

    /// @inheritdoc ICarbonMarket
    function settlementToken() external view returns (address token) {
        return address(_SETTLEMENT);
    }

    /// @dev Checks a fill, takes it off the listing, collects the VND and emits the trade. The caller delivers.
    function _buy(uint256 listingId, uint256 amount, uint256 maxCost) private returns (uint256 batchId, uint256 cost) {
        Config memory config = _config;
        address buyer = _msgSender();
        if (config.paused) revert CarbonMarketPaused();
        Listing storage entry = _openListing(listingId);
        address seller = entry.seller;
        {
            uint64 expiry = entry.expiry;
            if (expiry != 0 && block.timestamp > expiry) revert CarbonMarketListingExpired(listingId, expiry);
        }
        if (buyer == seller) revert CarbonMarketSelfTrade(seller);
        _requireSellerNotFrozen(listingId, seller);
        if (entry.hasBuyer && _privateBuyers[listingId] != buyer) {
            revert CarbonMarketNotPrivateBuyer(listingId, buyer);
        }
        uint256 remaining = entry.remaining;
        if (amount == 0) revert CarbonMarketZeroAmount();
        if (amount > remaining) revert CarbonMarketInsufficientRemaining(listingId, amount, remaining);
        // A remainder smaller than the minimum can still be taken whole, or it could never be sold.
        if (amount < entry.minFill && amount != remaining) {
            revert CarbonMarketBelowMinFill(listingId, amount, entry.minFill);
        }
        uint256 unitPrice = entry.unitPrice;
        cost = amount * unitPrice;
        if (cost > maxCost) revert CarbonMarketMaxCostExceeded(cost, maxCost);
        batchId = entry.batchId;
        uint256 fee = (cost * config.feeBps) / _BPS;

        entry.remaining = uint56(remaining - amount);
        emit Traded(listingId, seller, buyer, batchId, amount, unitPrice, fee);
        _SETTLEMENT.safeTransferFrom(buyer, seller, cost - fee);
        if (fee != 0) _SETTLEMENT.safeTransferFrom(buyer, config.feeRecipient, fee);
    }

    /// @dev The registry refuses moves out of escrow only for a frozen batch (escrow is the sender), so the seller's
    /// own freeze is checked here: otherwise a frozen account could still sell or take back credits it listed.
    function _requireSellerNotFrozen(uint256 listingId, address seller) private view {
        if (_REGISTRY.isAccountFrozen(seller)) revert CarbonMarketSellerFrozen(listingId, seller);
    }

    function _openListing(uint256 listingId) private view returns (Listing storage entry) {
        entry = _listings[listingId];
        if (entry.seller == address(0)) revert CarbonMarketUnknownListing(listingId);
        if (entry.remaining == 0) revert CarbonMarketListingClosed(listingId);
    }

    // ------------------------------------------------------------------ ERC-2771: the signer of a relayed request is the caller

    /// @dev The signer of a request relayed by the trusted forwarder, otherwise the direct caller (ERC2771Context's
    /// answer, computed by ForwardedSender without a calldata slice: see there for the gas).
    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ForwardedSender.from(trustedForwarder());
    }

    /// @dev The call data without the forwarder's 20-byte suffix.
    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    /// @dev 20 bytes: the forwarder appends the signer's address.
    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
