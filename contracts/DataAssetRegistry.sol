// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IDataAssetRegistry} from "./interfaces/IDataAssetRegistry.sol";
import {IDataExchange} from "./interfaces/IDataExchange.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";

/**
 * @title DataAssetRegistry
 * @notice The city's datasets as ERC-721 tokens (with ERC-4906 metadata updates and ERC-5192 soulbound tokens),
 * administered through the city's AccessManager: REGISTRAR (the data office) registers and manages datasets,
 * RECOVERY forces transfers (granted with an execution delay), GUARDIAN pauses, ADMIN sets the base URI.
 * @dev Storage is kept lean because registration is the hot path: the token id is the content hash, so the
 * duplicate check is the ERC-721 owner slot and the hash needs no slot of its own; custodian, classification,
 * status and transferability share one slot; the metadata hash is in the registration and update events only; the
 * parent link is written for versions only.
 */
contract DataAssetRegistry is IDataAssetRegistry, ERC721, AccessManaged, Pausable, ERC2771Context {
    /// @notice The most registrations one `registerBatch` call may carry (about 80k gas each).
    uint256 public constant MAX_BATCH = 200;

    /// @notice The `terms` of the LicenseGranted event of every licence sold on the data exchange.
    string public constant PURCHASED_TERMS = "purchased";

    /// @dev ERC-4906 has no functions, so its id is fixed by the standard rather than computed.
    bytes4 private constant _ERC4906_INTERFACE_ID = 0x49064906;

    /// @dev One slot per dataset, all zero for the commonest case (Open, Active, transferable, kept by its holder),
    /// so registering such a dataset skips the write. Hence `locked` rather than `transferable`.
    struct AssetRecord {
        address custodian;
        Classification classification;
        AssetStatus status;
        bool locked;
    }

    /// @dev One slot per licence, so a licence sold on the exchange is one fresh slot. A sold licence keeps its offer
    /// id instead of its terms hash (the offer's, immutable, read back by `licenseOf`); a licence granted by the data
    /// office (`offerId` 0) keeps its terms hash in `_licenseTerms`.
    struct LicenseRecord {
        uint64 expiresAt;
        uint64 offerId;
        bool held;
    }

    IParticipantRegistry private immutable _PARTICIPANTS;

    mapping(uint256 id => AssetRecord) private _records;
    mapping(uint256 id => uint256 parentId) private _parents;
    mapping(uint256 id => mapping(bytes32 orgId => LicenseRecord)) private _licenses;
    mapping(uint256 id => mapping(bytes32 orgId => bytes32 termsHash)) private _licenseTerms;
    string private _baseTokenURI;
    address private _exchange;

    constructor(address authority, IParticipantRegistry participantRegistry, address trustedForwarder)
        ERC721("City Data Asset", "CDA")
        AccessManaged(authority)
        ERC2771Context(trustedForwarder)
    {
        _PARTICIPANTS = participantRegistry;
    }

    // ------------------------------------------------------------------ registration

    /// @inheritdoc IDataAssetRegistry
    function register(Registration calldata r) external restricted whenNotPaused returns (uint256 id) {
        (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(r.to);
        _requireMayKeep(r.to, kind, active, r.classification);
        return _register(r);
    }

    /// @inheritdoc IDataAssetRegistry
    function registerBatch(Registration[] calldata registrations)
        external
        restricted
        whenNotPaused
        returns (uint256[] memory ids)
    {
        uint256 count = registrations.length;
        if (count == 0) revert DataAssetRegistryEmptyBatch();
        if (count > MAX_BATCH) revert DataAssetRegistryBatchTooLarge(count, MAX_BATCH);
        ids = new uint256[](count);
        // A catalogue usually goes to one holder: ask the participant registry again only when the holder changes.
        address holder;
        IParticipantRegistry.OrgKind kind;
        bool active;
        for (uint256 i = 0; i < count; ++i) {
            Registration calldata r = registrations[i];
            if (i == 0 || r.to != holder) {
                holder = r.to;
                (kind, active) = _PARTICIPANTS.activeKind(holder);
            }
            _requireMayKeep(holder, kind, active, r.classification);
            ids[i] = _register(r);
        }
    }

    /// @inheritdoc IDataAssetRegistry
    function registerVersion(uint256 parentId, Registration calldata r)
        external
        restricted
        whenNotPaused
        returns (uint256 id)
    {
        _requireOwned(parentId);
        AssetRecord storage parent = _records[parentId];
        AssetStatus parentStatus = parent.status;
        if (parentStatus != AssetStatus.Active) revert DataAssetRegistryParentNotActive(parentId, parentStatus);
        Classification parentClassification = parent.classification;
        if (r.classification < parentClassification) {
            revert DataAssetRegistryClassificationLowered(parentId, parentClassification, r.classification);
        }
        (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(r.to);
        _requireMayKeep(r.to, kind, active, r.classification);
        id = _register(r);
        _parents[id] = parentId;
        emit DatasetVersioned(id, parentId);
        parent.status = AssetStatus.Deprecated;
        emit DatasetStatusChanged(parentId, AssetStatus.Active, AssetStatus.Deprecated, "superseded");
        emit MetadataUpdate(parentId);
    }

    // ------------------------------------------------------------------ data office administration

    /// @inheritdoc IDataAssetRegistry
    function setStatus(uint256 id, AssetStatus status, string calldata reason) external restricted {
        _requireOwned(id);
        AssetRecord storage record = _records[id];
        AssetStatus current = record.status;
        if (current == status || current == AssetStatus.Revoked) {
            revert DataAssetRegistryInvalidStatusTransition(id, current, status);
        }
        record.status = status;
        emit DatasetStatusChanged(id, current, status, reason);
        emit MetadataUpdate(id);
    }

    /// @inheritdoc IDataAssetRegistry
    function updateMetadata(uint256 id, bytes32 metadataHash, string calldata title, string calldata uri)
        external
        restricted
    {
        _requireChangeable(id);
        if (metadataHash == bytes32(0)) revert DataAssetRegistryZeroMetadataHash();
        emit DatasetMetadataChanged(id, metadataHash, title, uri);
        emit MetadataUpdate(id);
    }

    /// @inheritdoc IDataAssetRegistry
    function setCustodian(uint256 id, address custodian) external restricted {
        AssetRecord storage record = _requireChangeable(id);
        address previous = record.custodian;
        if (previous == custodian) revert DataAssetRegistryCustodianUnchanged(id, custodian);
        if (custodian != address(0)) {
            (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(custodian);
            _requireMayKeep(custodian, kind, active, record.classification);
        }
        record.custodian = custodian;
        emit CustodianChanged(id, previous, custodian);
        emit MetadataUpdate(id);
    }

    /// @inheritdoc IDataAssetRegistry
    function setTransferable(uint256 id, bool transferable) external restricted {
        AssetRecord storage record = _requireChangeable(id);
        if (record.locked != transferable) revert DataAssetRegistryTransferabilityUnchanged(id, transferable);
        record.locked = !transferable;
        if (transferable) emit Unlocked(id);
        else emit Locked(id);
    }

    /// @inheritdoc IDataAssetRegistry
    function grantLicense(uint256 id, bytes32 orgId, uint64 expiresAt, bytes32 termsHash, string calldata terms)
        external
        restricted
    {
        _requireChangeable(id);
        if (termsHash == bytes32(0)) revert DataAssetRegistryZeroTermsHash();
        if (expiresAt != 0 && expiresAt <= block.timestamp) revert DataAssetRegistryLicenseExpiryPassed(expiresAt);
        IParticipantRegistry.OrgStatus orgStatus = _PARTICIPANTS.organization(orgId).status;
        if (orgStatus != IParticipantRegistry.OrgStatus.Active) {
            revert DataAssetRegistryOrganizationNotActive(orgId, orgStatus);
        }
        _licenses[id][orgId] = LicenseRecord({expiresAt: expiresAt, offerId: 0, held: true});
        _licenseTerms[id][orgId] = termsHash;
        emit LicenseGranted(id, orgId, expiresAt, termsHash, terms);
    }

    /// @inheritdoc IDataAssetRegistry
    function grantPurchasedLicense(
        uint256 id,
        bytes32 orgId,
        uint64 offerId,
        uint64 term,
        uint64 endsAt,
        bytes32 termsHash
    )
        external
        whenNotPaused
        returns (PurchaseGrant memory grant)
    {
        // The exchange calls directly, never through the forwarder, so msg.sender is the caller to check.
        if (msg.sender != _exchange) revert DataAssetRegistryNotExchange(msg.sender);
        if (termsHash == bytes32(0)) revert DataAssetRegistryZeroTermsHash();
        address holder = _requireOwned(id);
        AssetRecord memory record = _records[id];
        LicenseRecord memory before = _licenses[id][orgId];
        // 0 when none is held: revocation deletes the record.
        uint64 previous = before.expiresAt;
        uint64 expiresAt = _purchasedExpiry(id, orgId, before, term, endsAt);
        _licenses[id][orgId] = LicenseRecord({expiresAt: expiresAt, offerId: offerId, held: true});
        // A licence the data office granted leaves its terms behind: cleared, as the offer's now apply.
        if (before.held && before.offerId == 0) delete _licenseTerms[id][orgId];
        // The marker tells auditors this licence was sold: each such grant must have its sale in the same transaction.
        emit LicenseGranted(id, orgId, expiresAt, termsHash, PURCHASED_TERMS);
        grant = PurchaseGrant({
            holder: holder,
            custodian: record.custodian,
            classification: record.classification,
            status: record.status,
            previousExpiresAt: previous,
            expiresAt: expiresAt
        });
    }

    /// @inheritdoc IDataAssetRegistry
    function revokeLicense(uint256 id, bytes32 orgId, string calldata reason) external restricted {
        // Allowed on a revoked dataset too: licences of a revoked dataset are void anyway, cleaning up is harmless.
        if (!_licenses[id][orgId].held) revert DataAssetRegistryNoLicense(id, orgId);
        delete _licenses[id][orgId];
        delete _licenseTerms[id][orgId];
        emit LicenseRevoked(id, orgId, reason);
    }

    /// @inheritdoc IDataAssetRegistry
    function recordValuation(
        uint256 id,
        uint256 amountVnd,
        uint64 valuationDate,
        string calldata method,
        string calldata appraiser,
        bytes32 reportHash
    ) external restricted {
        _requireChangeable(id);
        if (amountVnd == 0) revert DataAssetRegistryZeroValuation();
        if (valuationDate == 0 || valuationDate > block.timestamp) {
            revert DataAssetRegistryInvalidValuationDate(valuationDate);
        }
        emit ValuationRecorded(id, amountVnd, valuationDate, method, appraiser, reportHash);
    }

    /// @inheritdoc IDataAssetRegistry
    function setBaseURI(string calldata baseURI) external restricted {
        _baseTokenURI = baseURI;
        emit BaseURIChanged(baseURI);
        emit BatchMetadataUpdate(0, type(uint256).max);
    }

    /// @dev The expiry of a licence sold now: a licence held before must get longer.
    function _purchasedExpiry(
        uint256 id,
        bytes32 orgId,
        LicenseRecord memory before,
        uint64 term,
        uint64 endsAt
    ) private view returns (uint64 expiresAt) {
        uint64 previous = before.expiresAt;
        bool held = before.held;
        // A licence without expiry cannot get longer; selling it again would take money for nothing.
        if (held && previous == 0) revert DataAssetRegistryLicenseNotExtended(id, orgId, 0);
        if (term != 0) {
            // An unexpired licence runs on from its expiry, so renewing early loses nothing of what was paid.
            uint64 start = held && previous > block.timestamp ? previous : uint64(block.timestamp);
            expiresAt = start + term;
        } else {
            if (held && previous >= endsAt) revert DataAssetRegistryLicenseNotExtended(id, orgId, previous);
            expiresAt = endsAt;
        }
        if (expiresAt <= block.timestamp) revert DataAssetRegistryLicenseExpiryPassed(expiresAt);
    }

    /// @inheritdoc IDataAssetRegistry
    function setExchange(address newExchange) external restricted {
        if (newExchange == address(0)) revert DataAssetRegistryZeroExchange();
        address current = _exchange;
        // Once: sold licences refer to the exchange's offers for their terms.
        if (current != address(0)) revert DataAssetRegistryExchangeAlreadySet(current);
        _exchange = newExchange;
        emit ExchangeSet(newExchange);
    }

    // ------------------------------------------------------------------ recovery and emergency

    /// @inheritdoc IDataAssetRegistry
    function recover(uint256 id, address to, string calldata reason) external restricted {
        address from = _requireOwned(id);
        if (to == from) revert DataAssetRegistrySameHolder(id, to);
        AssetRecord storage record = _records[id];
        // Revoked is final: not even recovery moves a revoked dataset.
        if (record.status == AssetStatus.Revoked) revert DataAssetRegistryAssetRevoked(id);
        (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(to);
        _requireMayKeep(to, kind, active, record.classification);
        // The base implementation, not this contract's override: recovery bypasses the holder's consent, the lock
        // and the pause on purpose.
        ERC721._update(to, id, address(0));
        emit DatasetRecovered(id, from, to, reason);
    }

    /// @inheritdoc IDataAssetRegistry
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IDataAssetRegistry
    function unpause() external restricted {
        _unpause();
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDataAssetRegistry
    function assetOf(uint256 id) external view returns (Asset memory asset) {
        address holder = _requireOwned(id);
        AssetRecord memory record = _records[id];
        return
            Asset({
                holder: holder,
                custodian: record.custodian,
                classification: record.classification,
                status: record.status,
                transferable: !record.locked,
                contentHash: bytes32(id),
                parentId: _parents[id]
            });
    }

    /// @inheritdoc IDataAssetRegistry
    function isRegistered(bytes32 contentHash) external view returns (bool) {
        return _ownerOf(uint256(contentHash)) != address(0);
    }

    /// @inheritdoc IDataAssetRegistry
    function custodianOf(uint256 id) external view returns (address custodian) {
        address holder = _requireOwned(id);
        custodian = _records[id].custodian;
        return custodian == address(0) ? holder : custodian;
    }

    /// @inheritdoc IDataAssetRegistry
    function licenseOf(uint256 id, bytes32 orgId) external view returns (License memory license) {
        LicenseRecord memory record = _licenses[id][orgId];
        if (!record.held) return license;
        license.expiresAt = record.expiresAt;
        license.termsHash = record.offerId == 0
            ? _licenseTerms[id][orgId]
            : IDataExchange(_exchange).offerOf(record.offerId).termsHash;
    }

    /// @inheritdoc IDataAssetRegistry
    function hasAccess(uint256 id, address account) external view returns (bool) {
        address holder = _requireOwned(id);
        AssetRecord memory record = _records[id];
        if (record.status == AssetStatus.Revoked) return false;
        // Open data is public: anyone may use it, participant or not, without a licence.
        if (record.classification == Classification.Open) return true;
        // Holding or keeping a dataset gives access only while the account's organisation is active.
        if (!_PARTICIPANTS.isActive(account)) return false;
        if (account == holder || (account == record.custodian && account != address(0))) return true;
        bytes32 orgId = _PARTICIPANTS.orgOf(account);
        if (orgId == _PARTICIPANTS.orgOf(holder)) return true;
        if (record.custodian != address(0) && orgId == _PARTICIPANTS.orgOf(record.custodian)) return true;
        LicenseRecord memory license = _licenses[id][orgId];
        return license.held && (license.expiresAt == 0 || block.timestamp <= license.expiresAt);
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return _records[tokenId].locked;
    }

    /// @inheritdoc IDataAssetRegistry
    function participants() external view returns (IParticipantRegistry) {
        return _PARTICIPANTS;
    }

    /// @inheritdoc IDataAssetRegistry
    function exchange() external view returns (address account) {
        return _exchange;
    }

    /// @notice The token's metadata URL: the base URI, the id as 0x-prefixed 64-digit lowercase hex (the content hash,
    /// as the API writes dataset ids), then `.json`; e.g. `https://ledger.city.example/metadata/datasets/0x3f…9a.json`.
    /// @param tokenId the dataset
    /// @return the URI, empty while no base URI is set
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        string memory base = _baseTokenURI;
        return bytes(base).length == 0 ? "" : string.concat(base, Strings.toHexString(tokenId, 32), ".json");
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return
            interfaceId == _ERC4906_INTERFACE_ID ||
            interfaceId == type(IERC5192).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Every holder transfer (transferFrom, safeTransferFrom) passes here; mints and recoveries call the base
    /// implementation directly because they check their own rules.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        // Nonexistent token: let the base report it.
        if (from == address(0)) return super._update(to, tokenId, auth);
        // Authorisation first, so a stranger is told he is not approved rather than why the move would fail.
        if (auth != address(0)) _checkAuthorized(from, auth, tokenId);
        _requireNotPaused();
        AssetRecord memory record = _records[tokenId];
        if (record.locked) revert DataAssetRegistryLockedAsset(tokenId);
        if (record.status == AssetStatus.Revoked) revert DataAssetRegistryAssetRevoked(tokenId);
        (bool fromActive, bool toActive) = _PARTICIPANTS.isActivePair(from, to);
        if (!fromActive) revert DataAssetRegistryInactiveParticipant(from);
        if (!toActive) revert DataAssetRegistryInactiveParticipant(to);
        if (record.classification >= Classification.Important) {
            (IParticipantRegistry.OrgKind kind, ) = _PARTICIPANTS.activeKind(to);
            if (kind != IParticipantRegistry.OrgKind.CityAgency) {
                revert DataAssetRegistryClassificationRestricted(record.classification, to);
            }
        }
        return super._update(to, tokenId, address(0));
    }

    /// @dev Mints one dataset; the caller has checked that `r.to` may hold it.
    function _register(Registration calldata r) private returns (uint256 id) {
        bytes32 contentHash = r.contentHash;
        if (contentHash == bytes32(0)) revert DataAssetRegistryZeroContentHash();
        if (r.metadataHash == bytes32(0)) revert DataAssetRegistryZeroMetadataHash();
        address custodian = r.custodian;
        Classification classification = r.classification;
        if (custodian != address(0) && custodian != r.to) {
            (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(custodian);
            _requireMayKeep(custodian, kind, active, classification);
        }
        id = uint256(contentHash);
        // The owner slot doubles as the duplicate check: the base _update returns the previous owner.
        if (ERC721._update(r.to, id, address(0)) != address(0)) revert DataAssetRegistryDuplicateContent(contentHash);
        _writeRecord(_records[id], custodian, classification, !r.transferable);
        // The metadata hash lives in the event only (DESIGN.md allows it; a slot would cost 20k per registration).
        emit DatasetRegistered(id, r.metadataHash, classification, r.transferable, custodian, r.title, r.uri);
        if (!r.transferable) emit Locked(id);
    }

    /// @dev Writes a new dataset's record (status Active) with at most one SSTORE: assigning the struct would read
    /// and mask each member (about 700 gas more), and an all-zero record needs no write at all (22k less). The layout
    /// is Solidity's for AssetRecord: first member in the lowest-order bytes; status Active is 0.
    function _writeRecord(AssetRecord storage record, address custodian, Classification classification, bool isLocked)
        private
    {
        uint256 word = uint256(uint160(custodian)) |
            (uint256(classification) << 160) |
            (isLocked ? uint256(1) << 176 : 0);
        if (word != 0) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                sstore(record.slot, word)
            }
        }
    }

    function _requireChangeable(uint256 id) private view returns (AssetRecord storage record) {
        _requireOwned(id);
        record = _records[id];
        if (record.status == AssetStatus.Revoked) revert DataAssetRegistryAssetRevoked(id);
    }

    /// @dev Holders and custodians must be active; Important and Core data stay with CityAgency accounts.
    function _requireMayKeep(
        address account,
        IParticipantRegistry.OrgKind kind,
        bool active,
        Classification classification
    ) private pure {
        if (!active) revert DataAssetRegistryInactiveParticipant(account);
        if (classification >= Classification.Important && kind != IParticipantRegistry.OrgKind.CityAgency) {
            revert DataAssetRegistryClassificationRestricted(classification, account);
        }
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
