// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataAssetRegistry} from "./interfaces/IDataAssetRegistry.sol";
import {IDataExchange} from "./interfaces/IDataExchange.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";

/**
 * @title DataExchange
 * @notice Licence offers on datasets, paid in the VND settlement token; the licence is granted through the
 * DataAssetRegistry in the same transaction as the payment. MARKET_OPERATOR sets the fee; GUARDIAN pauses.
 * Participants' calls may come through the system's ERC-2771 forwarder (own-key organisations sign, the gateway
 * relays), so every rule is applied to `_msgSender()`.
 * @dev An offer is four slots: offerer, counts and flags | price and times | dataset | terms hash. `sold` shares the
 * offerer's slot so counting a sale rewrites a slot that is already non-zero. The allow-list is a mapping written at
 * offer time and read only for restricted offers.
 */
contract DataExchange is IDataExchange, AccessManaged, ERC2771Context, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The highest fee rate governance may set: 10%.
    uint16 public constant MAX_FEE_BPS = 1_000;

    /// @notice The longest licence duration an offer may give: 100 years.
    uint64 public constant MAX_TERM = 36_500 days;

    /// @notice The longest allow-list of one offer.
    uint256 public constant MAX_ALLOWED = 50;

    struct Offer {
        address offerer;
        uint32 sold;
        uint32 maxLicences;
        bool cancelled;
        bool restricted;
        bool cityOnly;
        uint96 price;
        uint40 term;
        uint40 licenceEnd;
        uint40 expiry;
        uint256 datasetId;
        bytes32 termsHash;
    }

    struct Config {
        uint64 lastOfferId;
        uint16 feeBps;
        address feeRecipient;
        bool paused;
    }

    uint256 private constant _BPS = 10_000;

    IDataAssetRegistry private immutable _REGISTRY;
    IERC20 private immutable _SETTLEMENT;
    IParticipantRegistry private immutable _PARTICIPANTS;

    Config private _config;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 offerId => mapping(bytes32 orgId => bool)) private _allowed;

    constructor(
        address authority,
        IDataAssetRegistry dataRegistry,
        IERC20 settlement,
        address trustedForwarder
    ) AccessManaged(authority) ERC2771Context(trustedForwarder) {
        _REGISTRY = dataRegistry;
        _SETTLEMENT = settlement;
        _PARTICIPANTS = dataRegistry.participants();
    }

    /// @inheritdoc IDataExchange
    function offer(OfferTerms calldata terms) external nonReentrant returns (uint256 offerId) {
        if (_config.paused) revert DataExchangePaused();
        address offerer = _msgSender();
        if (!_PARTICIPANTS.isActive(offerer)) revert DataExchangeInactiveParticipant(offerer);
        IDataAssetRegistry.Asset memory asset = _REGISTRY.assetOf(terms.datasetId);
        if (offerer != asset.holder && offerer != asset.custodian) {
            revert DataExchangeNotHolder(terms.datasetId, offerer);
        }
        if (asset.status != IDataAssetRegistry.AssetStatus.Active) {
            revert DataExchangeDatasetNotActive(terms.datasetId, asset.status);
        }
        _checkTerms(terms);
        bool cityOnly = asset.classification >= IDataAssetRegistry.Classification.Important;
        uint256 count = terms.allowed.length;
        if (cityOnly && count == 0) revert DataExchangeAllowListRequired(terms.datasetId, asset.classification);

        offerId = ++_config.lastOfferId;
        _writeAllowList(offerId, terms.allowed, cityOnly);
        // The checks above bound every narrowing cast below.
        _offers[offerId] = Offer({
            offerer: offerer,
            sold: 0,
            maxLicences: terms.maxLicences,
            cancelled: false,
            restricted: count != 0,
            cityOnly: cityOnly,
            price: uint96(terms.price),
            term: uint40(terms.term),
            licenceEnd: uint40(terms.licenceEnd),
            expiry: uint40(terms.expiry),
            datasetId: terms.datasetId,
            termsHash: terms.termsHash
        });
        emit OfferCreated(
            offerId,
            terms.datasetId,
            offerer,
            terms.price,
            terms.term,
            terms.licenceEnd,
            terms.termsHash,
            terms.maxLicences,
            terms.expiry,
            terms.allowed
        );
    }

    /// @inheritdoc IDataExchange
    function purchase(uint256 offerId, uint256 maxPrice) external nonReentrant returns (uint64 expiresAt) {
        Config memory config = _config;
        if (config.paused) revert DataExchangePaused();
        address buyer = _msgSender();
        (Offer storage entry, bytes32 orgId) = _takeLicence(offerId, maxPrice, buyer);
        IDataAssetRegistry.PurchaseGrant memory grant = _grant(offerId, entry, orgId, buyer);
        expiresAt = grant.expiresAt;
        _settle(offerId, entry, buyer, orgId, grant, config);
    }

    /// @inheritdoc IDataExchange
    function cancel(uint256 offerId) external nonReentrant {
        Offer storage entry = _offers[offerId];
        address offerer = entry.offerer;
        if (offerer == address(0)) revert DataExchangeUnknownOffer(offerId);
        if (entry.cancelled) revert DataExchangeOfferClosed(offerId);
        // Withdrawing an offer harms no one, so it stays open to a suspended offerer and during a pause.
        if (_msgSender() != offerer) revert DataExchangeNotOfferer(offerId, _msgSender());
        entry.cancelled = true;
        emit OfferCancelled(offerId, entry.datasetId, offerer);
    }

    /// @inheritdoc IDataExchange
    function setFee(uint16 newFeeBps, address recipient) external restricted {
        if (newFeeBps > MAX_FEE_BPS) revert DataExchangeFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        if (newFeeBps != 0 && !_PARTICIPANTS.isActive(recipient)) revert DataExchangeInvalidFeeRecipient(recipient);
        uint16 previous = _config.feeBps;
        _config.feeBps = newFeeBps;
        _config.feeRecipient = recipient;
        emit FeeChanged(previous, newFeeBps, recipient);
    }

    /// @inheritdoc IDataExchange
    function pause() external restricted {
        if (_config.paused) revert DataExchangePaused();
        _config.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc IDataExchange
    function unpause() external restricted {
        if (!_config.paused) revert DataExchangeNotPaused();
        _config.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IDataExchange
    function offerOf(uint256 offerId) external view returns (OfferInfo memory info) {
        Offer memory entry = _offers[offerId];
        if (entry.offerer == address(0)) revert DataExchangeUnknownOffer(offerId);
        info = OfferInfo({
            offerer: entry.offerer,
            datasetId: entry.datasetId,
            price: entry.price,
            term: entry.term,
            licenceEnd: entry.licenceEnd,
            termsHash: entry.termsHash,
            maxLicences: entry.maxLicences,
            sold: entry.sold,
            expiry: entry.expiry,
            restricted: entry.restricted,
            cancelled: entry.cancelled
        });
    }

    /// @inheritdoc IDataExchange
    function isAllowed(uint256 offerId, bytes32 orgId) external view returns (bool allowed) {
        return _allowed[offerId][orgId];
    }

    /// @inheritdoc IDataExchange
    function quote(uint256 offerId) external view returns (uint256 price, uint256 fee) {
        Offer storage entry = _offers[offerId];
        if (entry.offerer == address(0)) revert DataExchangeUnknownOffer(offerId);
        price = entry.price;
        fee = (price * _config.feeBps) / _BPS;
    }

    /// @inheritdoc IDataExchange
    function feeBps() external view returns (uint16 rate) {
        return _config.feeBps;
    }

    /// @inheritdoc IDataExchange
    function feeRecipient() external view returns (address recipient) {
        return _config.feeRecipient;
    }

    /// @inheritdoc IDataExchange
    function lastOfferId() external view returns (uint256 count) {
        return _config.lastOfferId;
    }

    /// @inheritdoc IDataExchange
    function paused() external view returns (bool isPaused) {
        return _config.paused;
    }

    /// @inheritdoc IDataExchange
    function registry() external view returns (address dataRegistry) {
        return address(_REGISTRY);
    }

    /// @inheritdoc IDataExchange
    function settlementToken() external view returns (address token) {
        return address(_SETTLEMENT);
    }

    /// @dev Checks that the offer sells to this buyer now at no more than `maxPrice`, and counts the sale.
    function _takeLicence(
        uint256 offerId,
        uint256 maxPrice,
        address buyer
    ) private returns (Offer storage entry, bytes32 orgId) {
        entry = _offers[offerId];
        if (entry.offerer == address(0)) revert DataExchangeUnknownOffer(offerId);
        if (entry.cancelled) revert DataExchangeOfferClosed(offerId);
        uint64 expiry = entry.expiry;
        // Like the market, a purchase in the offer's last second is accepted.
        if (expiry != 0 && block.timestamp > expiry) revert DataExchangeOfferExpired(offerId, expiry);
        uint64 licenceEnd = entry.licenceEnd;
        // A licence ending now or earlier would be void at once.
        if (licenceEnd != 0 && block.timestamp >= licenceEnd) revert DataExchangeOfferExpired(offerId, licenceEnd);
        uint32 sold = entry.sold;
        uint32 maxLicences = entry.maxLicences;
        if (maxLicences != 0 && sold >= maxLicences) revert DataExchangeSoldOut(offerId, maxLicences);
        uint256 price = entry.price;
        if (price > maxPrice) revert DataExchangePriceAboveMax(price, maxPrice);
        (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(buyer);
        if (!active) revert DataExchangeInactiveParticipant(buyer);
        orgId = _PARTICIPANTS.orgOf(buyer);
        if (entry.restricted && !_allowed[offerId][orgId]) revert DataExchangeNotAllowed(offerId, orgId);
        // Core and Important offers list city agencies only; checked again here because it is the rule that matters.
        if (entry.cityOnly && kind != IParticipantRegistry.OrgKind.CityAgency) {
            revert DataExchangeNotAllowed(offerId, orgId);
        }
        entry.sold = sold + 1;
    }

    /// @dev Grants (or extends) the licence; the registry's report of the dataset can still refuse the sale.
    function _grant(
        uint256 offerId,
        Offer storage entry,
        bytes32 orgId,
        address buyer
    ) private returns (IDataAssetRegistry.PurchaseGrant memory grant) {
        uint256 datasetId = entry.datasetId;
        // Offer ids never pass `lastOfferId`, a uint64.
        grant = _REGISTRY.grantPurchasedLicense(
            datasetId,
            orgId,
            uint64(offerId),
            entry.term,
            entry.licenceEnd,
            entry.termsHash
        );
        if (grant.status != IDataAssetRegistry.AssetStatus.Active) {
            revert DataExchangeDatasetNotActive(datasetId, grant.status);
        }
        address offerer = entry.offerer;
        // An offer made by a former holder or custodian no longer speaks for the dataset.
        if (offerer != grant.holder && offerer != grant.custodian) revert DataExchangeOfferClosed(offerId);
        if (buyer == grant.holder || buyer == offerer) revert DataExchangeSelfPurchase(buyer);
    }

    /// @dev Records the sale and pays the holder (and the fee recipient) from the buyer's allowance.
    function _settle(
        uint256 offerId,
        Offer storage entry,
        address buyer,
        bytes32 orgId,
        IDataAssetRegistry.PurchaseGrant memory grant,
        Config memory config
    ) private {
        uint256 fee = (uint256(entry.price) * config.feeBps) / _BPS;
        emit LicensePurchased(
            offerId,
            entry.datasetId,
            buyer,
            orgId,
            grant.holder,
            entry.price,
            fee,
            grant.previousExpiresAt,
            grant.expiresAt
        );
        _SETTLEMENT.safeTransferFrom(buyer, grant.holder, entry.price - fee);
        if (fee != 0) _SETTLEMENT.safeTransferFrom(buyer, config.feeRecipient, fee);
    }

    /// @dev Registered organisations only, and city agencies only when the data is Core or Important.
    function _writeAllowList(uint256 offerId, bytes32[] calldata allowed, bool cityOnly) private {
        for (uint256 i = 0; i < allowed.length; ++i) {
            bytes32 orgId = allowed[i];
            IParticipantRegistry.OrgKind kind = _PARTICIPANTS.organization(orgId).kind;
            if (kind == IParticipantRegistry.OrgKind.None || (cityOnly && kind != IParticipantRegistry.OrgKind.CityAgency)) {
                revert DataExchangeOrganizationNotEligible(orgId, kind);
            }
            _allowed[offerId][orgId] = true;
        }
    }

    function _checkTerms(OfferTerms calldata terms) private view {
        if (terms.price == 0) revert DataExchangeZeroPrice();
        if (terms.price > type(uint96).max) revert DataExchangePriceTooLarge(terms.price, type(uint96).max);
        uint64 term = terms.term;
        uint64 licenceEnd = terms.licenceEnd;
        if (
            (term == 0) == (licenceEnd == 0) ||
            term > MAX_TERM ||
            (licenceEnd != 0 && (licenceEnd <= block.timestamp || licenceEnd > type(uint40).max))
        ) revert DataExchangeInvalidTerm(term, licenceEnd);
        if (terms.termsHash == bytes32(0)) revert DataExchangeZeroTermsHash();
        uint64 expiry = terms.expiry;
        if (expiry != 0 && (expiry <= block.timestamp || expiry > type(uint40).max)) {
            revert DataExchangeInvalidExpiry(expiry);
        }
        if (terms.allowed.length > MAX_ALLOWED) revert DataExchangeTooManyAllowed(terms.allowed.length, MAX_ALLOWED);
    }

    /// @dev The signer of a request relayed by the trusted forwarder, otherwise the direct caller (ERC2771Context's
    /// answer, computed by ForwardedSender without a calldata slice).
    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ForwardedSender.from(trustedForwarder());
    }

    /// @dev See `_msgSender`.
    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    /// @dev See `_msgSender`.
    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
