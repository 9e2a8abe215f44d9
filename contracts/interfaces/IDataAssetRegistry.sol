// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC5192} from "./IERC5192.sol";
import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/**
 * @title IDataAssetRegistry
 * @notice The city's datasets as ERC-721 tokens, one token per dataset version. The token id is the dataset's
 * content hash (sha256 of its distribution) read as a uint256, so a content hash registers once and
 * `ownerOf(uint256(contentHash))` answers "who registered these bytes".
 * @dev Holder: the account that owns the token (an organisation's account). Custodian: the account of the agency
 * that keeps and serves the data on the holder's behalf, set by the data office; address(0) means the holder keeps
 * it itself, so self-custody follows the token when it moves. Long strings (title, URI, licence text, valuation
 * method) live in events only.
 */
interface IDataAssetRegistry is IERC4906, IERC5192 {
    /// @notice Data classes of the Law on Data (2024). Important and Core data stay with CityAgency holders.
    enum Classification {
        Open,
        Other,
        Important,
        Core
    }

    /// @notice Lifecycle of a dataset version. Revoked is final and freezes the asset.
    enum AssetStatus {
        Active,
        Deprecated,
        Revoked
    }

    /// @notice What the data office supplies to register one dataset (or one version of it).
    struct Registration {
        bytes32 contentHash;
        bytes32 metadataHash;
        address to;
        address custodian;
        Classification classification;
        bool transferable;
        string title;
        string uri;
    }

    /// @notice Everything stored about one dataset version. The metadata hash is not stored (it cost a registration
    /// 20k gas): the latest `DatasetRegistered` or `DatasetMetadataChanged` event of the dataset carries it.
    struct Asset {
        address holder;
        address custodian;
        Classification classification;
        AssetStatus status;
        bool transferable;
        bytes32 contentHash;
        uint256 parentId;
    }

    /// @notice A usage licence of one dataset to one organisation. `expiresAt` 0 means no expiry.
    struct License {
        bytes32 termsHash;
        uint64 expiresAt;
    }

    /**
     * @notice What a purchased licence grant reports to the exchange, which checks the sale against it (and reverts
     * the whole purchase if it must).
     */
    struct PurchaseGrant {
        address holder;
        address custodian;
        Classification classification;
        AssetStatus status;
        uint64 previousExpiresAt;
        uint64 expiresAt;
    }

    /**
     * @notice A dataset (version) was registered. The ERC-721 `Transfer` from address(0) in the same transaction
     * names the holder; `DatasetVersioned` follows for a new version.
     * @param id the token id, equal to uint256(contentHash)
     * @param metadataHash hash of the metadata document
     * @param classification its data class
     * @param transferable false if soulbound
     * @param custodian the custodian account, address(0) if the holder keeps it
     * @param title the dataset's title
     * @param uri where the distribution or its metadata can be found
     */
    event DatasetRegistered(
        uint256 indexed id,
        bytes32 metadataHash,
        Classification classification,
        bool transferable,
        address custodian,
        string title,
        string uri
    );

    /**
     * @notice A dataset was registered as the new version of another, which became Deprecated.
     * @param id the new version
     * @param parentId the previous version
     */
    event DatasetVersioned(uint256 indexed id, uint256 indexed parentId);

    /**
     * @notice A dataset's status changed (a new version deprecates its parent with reason "superseded").
     * @param id the dataset
     * @param previousStatus the status before
     * @param newStatus the status after
     * @param reason why, in words
     */
    event DatasetStatusChanged(uint256 indexed id, AssetStatus previousStatus, AssetStatus newStatus, string reason);

    /**
     * @notice A dataset's metadata document changed (its content, and so its id, cannot).
     * @param id the dataset
     * @param metadataHash the new metadata hash
     * @param title the title now
     * @param uri the URI now
     */
    event DatasetMetadataChanged(uint256 indexed id, bytes32 metadataHash, string title, string uri);

    /**
     * @notice The data office moved custody of a dataset.
     * @param id the dataset
     * @param previousCustodian the custodian before, address(0) for the holder
     * @param newCustodian the custodian now, address(0) for the holder
     */
    event CustodianChanged(uint256 indexed id, address indexed previousCustodian, address indexed newCustodian);

    /**
     * @notice A usage licence was granted or renewed (a renewal replaces the previous terms and expiry).
     * @param id the dataset
     * @param orgId the licensed organisation
     * @param expiresAt end of the licence (unix seconds), 0 for none
     * @param termsHash hash of the licence terms
     * @param terms the licence text or a link to it
     */
    event LicenseGranted(uint256 indexed id, bytes32 indexed orgId, uint64 expiresAt, bytes32 termsHash, string terms);

    /**
     * @notice A usage licence was revoked before its expiry.
     * @param id the dataset
     * @param orgId the organisation that held it
     * @param reason why, in words
     */
    event LicenseRevoked(uint256 indexed id, bytes32 indexed orgId, string reason);

    /**
     * @notice An appraisal of a dataset was recorded; the history of these events is the valuation record.
     * @param id the dataset
     * @param amountVnd appraised value in whole VND
     * @param valuationDate the appraisal's date (unix seconds)
     * @param method the valuation method (e.g. "cost", "income", "market")
     * @param appraiser who appraised it
     * @param reportHash hash of the appraisal report
     */
    event ValuationRecorded(
        uint256 indexed id,
        uint256 amountVnd,
        uint64 valuationDate,
        string method,
        string appraiser,
        bytes32 reportHash
    );

    /**
     * @notice A dataset was moved by the recovery role, bypassing the holder (lost key, dissolved agency).
     * @param id the dataset
     * @param from the holder before
     * @param to the holder now
     * @param reason why, in words
     */
    event DatasetRecovered(uint256 indexed id, address indexed from, address indexed to, string reason);

    /**
     * @notice The base of every token URI changed.
     * @param baseURI the new base
     */
    event BaseURIChanged(string baseURI);

    /**
     * @notice The data exchange allowed to grant paid licences was set (once).
     * @param exchange the exchange
     */
    event ExchangeSet(address exchange);

    /// @notice A content hash of zero cannot identify a dataset.
    error DataAssetRegistryZeroContentHash();

    /// @notice Every dataset needs a metadata document, so its hash cannot be zero.
    error DataAssetRegistryZeroMetadataHash();

    /**
     * @notice These bytes are already registered.
     * @param contentHash the content hash
     */
    error DataAssetRegistryDuplicateContent(bytes32 contentHash);

    /**
     * @notice The account is not an active participant (unknown, suspended, revoked or expired).
     * @param account the account
     */
    error DataAssetRegistryInactiveParticipant(address account);

    /**
     * @notice Important and Core data may only be held or kept by CityAgency accounts.
     * @param classification the dataset's class
     * @param account the account that is not a CityAgency's
     */
    error DataAssetRegistryClassificationRestricted(Classification classification, address account);

    /**
     * @notice The dataset is revoked; it is frozen.
     * @param id the dataset
     */
    error DataAssetRegistryAssetRevoked(uint256 id);

    /**
     * @notice Only the current (Active) version of a dataset can get a successor.
     * @param parentId the dataset asked to be versioned
     * @param status its status
     */
    error DataAssetRegistryParentNotActive(uint256 parentId, AssetStatus status);

    /**
     * @notice A new version may not be classified lower than its parent: relabelling Core data as Open in a new
     * version would hand it to holders the parent's class forbids.
     * @param parentId the parent
     * @param parentClassification the parent's class
     * @param classification the class asked for
     */
    error DataAssetRegistryClassificationLowered(
        uint256 parentId,
        Classification parentClassification,
        Classification classification
    );

    /**
     * @notice The dataset cannot move from its status to the one asked for.
     * @param id the dataset
     * @param current its status now
     * @param requested the status asked for
     */
    error DataAssetRegistryInvalidStatusTransition(uint256 id, AssetStatus current, AssetStatus requested);

    /**
     * @notice The dataset is soulbound (ERC-5192): its holder cannot transfer it.
     * @param id the dataset
     */
    error DataAssetRegistryLockedAsset(uint256 id);

    /**
     * @notice The dataset is already (non-)transferable.
     * @param id the dataset
     * @param transferable its current setting
     */
    error DataAssetRegistryTransferabilityUnchanged(uint256 id, bool transferable);

    /**
     * @notice The dataset already has this custodian.
     * @param id the dataset
     * @param custodian the custodian
     */
    error DataAssetRegistryCustodianUnchanged(uint256 id, address custodian);

    /**
     * @notice The recovery target already holds the dataset.
     * @param id the dataset
     * @param holder its holder
     */
    error DataAssetRegistrySameHolder(uint256 id, address holder);

    /**
     * @notice Licences go to Active organisations only.
     * @param orgId the organisation
     * @param status its status (None if unknown)
     */
    error DataAssetRegistryOrganizationNotActive(bytes32 orgId, IParticipantRegistry.OrgStatus status);

    /// @notice A licence needs terms, so their hash cannot be zero.
    error DataAssetRegistryZeroTermsHash();

    /**
     * @notice A licence cannot be granted with an expiry already past.
     * @param expiresAt the expiry given
     */
    error DataAssetRegistryLicenseExpiryPassed(uint64 expiresAt);

    /**
     * @notice The organisation holds no licence for the dataset.
     * @param id the dataset
     * @param orgId the organisation
     */
    error DataAssetRegistryNoLicense(uint256 id, bytes32 orgId);

    /**
     * @notice Only the exchange set with `setExchange` grants paid licences.
     * @param caller the caller
     */
    error DataAssetRegistryNotExchange(address caller);

    /**
     * @notice The exchange is set once and for good: sold licences refer to its offers for their terms.
     * @param current the exchange already set
     */
    error DataAssetRegistryExchangeAlreadySet(address current);

    /// @notice The exchange cannot be the zero address.
    error DataAssetRegistryZeroExchange();

    /**
     * @notice A purchase would not lengthen the organisation's licence (it has no expiry, or already runs to the
     * offer's fixed end or beyond).
     * @param id the dataset
     * @param orgId the organisation
     * @param expiresAt its licence's expiry, 0 for none
     */
    error DataAssetRegistryLicenseNotExtended(uint256 id, bytes32 orgId, uint64 expiresAt);

    /// @notice An appraised value of zero is refused (a mistake more often than a finding).
    error DataAssetRegistryZeroValuation();

    /**
     * @notice The valuation date is zero or in the future.
     * @param valuationDate the date given
     */
    error DataAssetRegistryInvalidValuationDate(uint64 valuationDate);

    /// @notice A batch needs at least one registration.
    error DataAssetRegistryEmptyBatch();

    /**
     * @notice The batch is larger than one transaction may carry.
     * @param size the number of registrations given
     * @param max the most allowed
     */
    error DataAssetRegistryBatchTooLarge(uint256 size, uint256 max);

    /**
     * @notice Registers one dataset, minting its token to `r.to`. Role REGISTRAR.
     * @dev `r.to` (and `r.custodian` if set) must be active participants; Important and Core data CityAgency ones.
     * Emits `Locked` when `r.transferable` is false.
     * @param r the registration
     * @return id the token id, uint256(r.contentHash)
     */
    function register(Registration calldata r) external returns (uint256 id);

    /**
     * @notice Registers up to MAX_BATCH datasets in one transaction, all or none. Role REGISTRAR.
     * @param registrations the registrations
     * @return ids the token ids, in order
     */
    function registerBatch(Registration[] calldata registrations) external returns (uint256[] memory ids);

    /**
     * @notice Registers a new version of an Active dataset, classified at least as high as the parent; the parent
     * becomes Deprecated. Role REGISTRAR.
     * @param parentId the current version
     * @param r the new version's registration
     * @return id the new version's token id
     */
    function registerVersion(uint256 parentId, Registration calldata r) external returns (uint256 id);

    /**
     * @notice Changes a dataset's status. Active ↔ Deprecated, either → Revoked; Revoked is final. Role REGISTRAR.
     * @param id the dataset
     * @param status the new status
     * @param reason why, in words
     */
    function setStatus(uint256 id, AssetStatus status, string calldata reason) external;

    /**
     * @notice Replaces a dataset's metadata document. Role REGISTRAR.
     * @param id the dataset
     * @param metadataHash the new metadata hash, not zero
     * @param title the title now
     * @param uri the URI now
     */
    function updateMetadata(uint256 id, bytes32 metadataHash, string calldata title, string calldata uri) external;

    /**
     * @notice Moves custody of a dataset; address(0) hands it back to the holder. Role REGISTRAR.
     * @param id the dataset
     * @param custodian an active participant (CityAgency for Important and Core data), or address(0)
     */
    function setCustodian(uint256 id, address custodian) external;

    /**
     * @notice Makes a dataset transferable or soulbound; emits ERC-5192 `Unlocked` or `Locked`. Role REGISTRAR.
     * @param id the dataset
     * @param transferable the new setting
     */
    function setTransferable(uint256 id, bool transferable) external;

    /**
     * @notice Grants or renews a usage licence of a dataset to an organisation. Role REGISTRAR.
     * @param id the dataset, not Revoked
     * @param orgId an Active organisation
     * @param expiresAt end of the licence, in the future, or 0 for none
     * @param termsHash hash of the terms, not zero
     * @param terms the licence text or a link to it, emitted only
     */
    function grantLicense(uint256 id, bytes32 orgId, uint64 expiresAt, bytes32 termsHash, string calldata terms)
        external;

    /**
     * @notice Grants or extends a licence that was paid for on the data exchange. Only the exchange set with
     * `setExchange` (so every licence granted here has its sale in the same transaction); the exchange has checked
     * that the buyer's organisation `orgId` is active, so it is not asked again here.
     * @dev With a duration, an unexpired licence runs on from its expiry; with a fixed end, the licence runs to it.
     * Either way the licence must get longer. The caller checks status, class and holder from the returned record.
     * @param id the dataset, not Revoked
     * @param orgId the buyer's organisation, Active (checked by the exchange)
     * @param offerId the offer sold (kept as the licence's reference to its terms, so the licence is one slot)
     * @param term licence duration in seconds, or 0 when `endsAt` is given
     * @param endsAt fixed end of the licence, when `term` is 0
     * @param termsHash hash of the terms, not zero
     * @return grant the dataset's holder, custodian, class and status, and the licence's expiry before and now
     */
    function grantPurchasedLicense(
        uint256 id,
        bytes32 orgId,
        uint64 offerId,
        uint64 term,
        uint64 endsAt,
        bytes32 termsHash
    )
        external
        returns (PurchaseGrant memory grant);

    /**
     * @notice Revokes an organisation's usage licence of a dataset. Role REGISTRAR.
     * @param id the dataset
     * @param orgId the organisation
     * @param reason why, in words
     */
    function revokeLicense(uint256 id, bytes32 orgId, string calldata reason) external;

    /**
     * @notice Records an appraisal of a dataset (kept as events). Role REGISTRAR.
     * @param id the dataset, not Revoked
     * @param amountVnd appraised value in whole VND, not zero
     * @param valuationDate the appraisal's date, not zero and not in the future
     * @param method the valuation method
     * @param appraiser who appraised it
     * @param reportHash hash of the appraisal report
     */
    function recordValuation(
        uint256 id,
        uint256 amountVnd,
        uint64 valuationDate,
        string calldata method,
        string calldata appraiser,
        bytes32 reportHash
    ) external;

    /**
     * @notice Forced transfer by the recovery role (granted with an execution delay, so it goes through
     * AccessManager.schedule and execute). Ignores the lock, the pause and the old holder's status; the new holder
     * must be active (CityAgency for Important and Core data). A Revoked dataset never moves, not even by recovery.
     * @param id the dataset
     * @param to the new holder
     * @param reason why, in words
     */
    function recover(uint256 id, address to, string calldata reason) external;

    /**
     * @notice Sets the base of every token URI (the gateway's dataset metadata endpoint, e.g.
     * `https://ledger.city.example/metadata/datasets/`). Role ADMIN: scheduled with the administrator's execution delay.
     * @param baseURI the base; `tokenURI(id)` is baseURI, the id as 0x-prefixed 64-digit lowercase hex, then `.json`
     */
    function setBaseURI(string calldata baseURI) external;

    /**
     * @notice Sets the data exchange allowed to call `grantPurchasedLicense`, once. Role ADMIN: scheduled with the
     * administrator's execution delay. A plain address check rather than an AccessManager role keeps the purchase
     * path free of the manager's call (and of its participant-registry lookup).
     * @param exchange the exchange, not zero
     */
    function setExchange(address exchange) external;

    /// @notice Stops every holder transfer in an emergency. Role GUARDIAN.
    function pause() external;

    /// @notice Lets holder transfers resume. Role GUARDIAN.
    function unpause() external;

    /**
     * @notice Everything stored about a dataset. Reverts if it does not exist.
     * @param id the dataset
     * @return asset the record
     */
    function assetOf(uint256 id) external view returns (Asset memory asset);

    /**
     * @notice Whether these bytes are registered.
     * @param contentHash the content hash
     * @return true if a token with id uint256(contentHash) exists
     */
    function isRegistered(bytes32 contentHash) external view returns (bool);

    /**
     * @notice Who keeps a dataset: its custodian, or its holder when none is set. Reverts if it does not exist.
     * @param id the dataset
     * @return custodian the account
     */
    function custodianOf(uint256 id) external view returns (address custodian);

    /**
     * @notice An organisation's licence of a dataset (termsHash 0 if none). A licence sold on the exchange has the
     * terms hash of the offer sold last (read from the exchange).
     * @param id the dataset
     * @param orgId the organisation
     * @return license the licence
     */
    function licenseOf(uint256 id, bytes32 orgId) external view returns (License memory license);

    /**
     * @notice Whether an account may use a dataset. Reverts if the dataset does not exist.
     * @dev False for everyone once the dataset is Revoked. Otherwise true for anyone (participant or not) if it is
     * Open data; and for other data true only for an active account that is the holder or the custodian, or whose
     * organisation is the holder's or the custodian's, or holds an unexpired licence: a suspended, revoked or
     * expired holder has no access to its own non-Open datasets.
     * @param id the dataset
     * @param account the account
     * @return true if the account may use the data
     */
    function hasAccess(uint256 id, address account) external view returns (bool);

    /**
     * @notice The participant registry consulted on every mint and transfer.
     * @return the ParticipantRegistry
     */
    function participants() external view returns (IParticipantRegistry);

    /**
     * @notice The data exchange set with `setExchange`, zero if none.
     * @return account the exchange
     */
    function exchange() external view returns (address account);
}
