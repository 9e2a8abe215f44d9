// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title ICarbonCreditRegistry
 * @notice The city's carbon-credit registry: projects, verifiers' attestations, issuance in batches (one ERC-1155 id
 * per batch, 1 unit = 1 tCO2e), transfers between active participants, retirement with a certificate, cancellation,
 * freezes and the corresponding-adjustment status of each batch.
 * @dev Every batch owns a block of serial numbers `[serialFirst, serialFirst + issued - 1]`, taken from one global
 * counter so no two batches share a serial. Serials are derived, never stored per unit: retirements and cancellations
 * draw their sub-ranges from the front of the block in order, so the next serial consumed is always
 * `serialFirst + retired + cancelled`, and no two sub-ranges overlap. For every batch, always:
 * `issued = circulating + retired + cancelled`, where circulating is `totalSupply(batchId)`.
 * A retirement's id (its certificate number) is the first serial it retired: unique, because sub-ranges never overlap
 * and every retirement consumes at least one serial.
 */
interface ICarbonCreditRegistry {
    /// @notice Paris Agreement Art. 6 corresponding-adjustment status of a batch.
    enum AdjustmentStatus {
        Unspecified,
        NotRequired,
        Pending,
        Applied
    }

    /**
     * @notice A registered project. Its id string, standard, methodology and location are in `ProjectRegistered`.
     * `attestedUntil` is the end of the latest attested monitoring period (0 before the first): periods include both
     * ends, so the next attestation's period must start after it (one issuance per monitoring period).
     */
    struct Project {
        bytes32 developerOrg;
        bytes32 metadataHash;
        uint64 registeredAt;
        uint64 attestedUntil;
    }

    /**
     * @notice A verifier's attestation of a monitoring report. Its id is
     * `keccak256(abi.encode(projectKey, periodStart, periodEnd, reportHash))`, so one (project, period, report) has
     * exactly one attestation and can back at most one batch.
     */
    struct Attestation {
        bytes32 projectKey;
        bytes32 reportHash;
        uint64 periodStart;
        uint64 periodEnd;
        uint64 amount;
        uint64 batchId;
        address verifier;
        uint64 attestedAt;
    }

    /// @notice Everything about a batch that the gateway and an auditor need, assembled by `batch`.
    struct BatchInfo {
        bytes32 projectKey;
        bytes32 attestationId;
        uint64 periodStart;
        uint64 periodEnd;
        uint64 serialFirst;
        uint64 serialLast;
        uint256 issued;
        uint256 circulating;
        uint256 retired;
        uint256 cancelled;
        bool frozen;
        AdjustmentStatus adjustment;
    }

    /// @notice What a retirement claims; strings are kept in the `Retired` event only.
    struct RetirementClaim {
        string beneficiaryName;
        bytes32 beneficiaryOrg;
        string reason;
        uint64 consumptionStart;
        uint64 consumptionEnd;
    }

    /**
     * @notice A retirement record: the certificate. `holder` is whose credits were retired (the buyer, for a
     * retirement on purchase). Beneficiary, reason and consumption period are in its `Retired` event.
     */
    struct Retirement {
        address holder;
        uint256 batchId;
        uint256 amount;
        uint256 serialFirst;
        uint256 serialLast;
    }

    /**
     * @notice A project was registered.
     * @param projectKey keccak256 of the project id string, the key used everywhere else
     * @param developerOrg the developer organisation
     * @param projectId the registry's project id, e.g. `VN-DN-0001`
     * @param standard the crediting standard (VCS, GS, JCM, Domestic…)
     * @param methodology the methodology reference
     * @param location where the project is
     * @param metadataHash hash of the project document
     */
    event ProjectRegistered(
        bytes32 indexed projectKey,
        bytes32 indexed developerOrg,
        string projectId,
        string standard,
        string methodology,
        string location,
        bytes32 metadataHash
    );

    /**
     * @notice A verifier attested a monitoring report.
     * @param attestationId the attestation's id
     * @param projectKey the project
     * @param verifier the verifier's account
     * @param periodStart start of the monitoring period (unix seconds)
     * @param periodEnd end of the monitoring period (unix seconds)
     * @param amount reductions attested, in tCO2e
     * @param reportHash hash of the monitoring report
     */
    event Attested(
        bytes32 indexed attestationId,
        bytes32 indexed projectKey,
        address indexed verifier,
        uint64 periodStart,
        uint64 periodEnd,
        uint256 amount,
        bytes32 reportHash
    );

    /**
     * @notice A batch was issued.
     * @param batchId the new token id
     * @param projectKey the project
     * @param attestationId the attestation it was issued against
     * @param to the first holder
     * @param amount units issued
     * @param serialFirst first serial of the batch's block
     * @param serialLast last serial of the batch's block
     */
    event BatchIssued(
        uint256 indexed batchId,
        bytes32 indexed projectKey,
        bytes32 indexed attestationId,
        address to,
        uint256 amount,
        uint256 serialFirst,
        uint256 serialLast
    );

    /**
     * @notice Credits were retired; `retirementId` is the certificate.
     * @param retirementId the retirement record's id, equal to `serialFirst`
     * @param batchId the batch
     * @param holder whose credits were retired (the buyer, for a retirement on purchase)
     * @param amount units retired
     * @param serialFirst first serial retired
     * @param serialLast last serial retired
     * @param claim beneficiary, reason and consumption period
     */
    event Retired(
        uint256 indexed retirementId,
        uint256 indexed batchId,
        address indexed holder,
        uint256 amount,
        uint256 serialFirst,
        uint256 serialLast,
        RetirementClaim claim
    );

    /**
     * @notice The issuer invalidated credits.
     * @param batchId the batch
     * @param holder whose credits were cancelled
     * @param amount units cancelled
     * @param serialFirst first serial cancelled
     * @param serialLast last serial cancelled
     * @param reason why, in words
     */
    event Cancelled(
        uint256 indexed batchId,
        address indexed holder,
        uint256 amount,
        uint256 serialFirst,
        uint256 serialLast,
        string reason
    );

    /**
     * @notice A batch was frozen: none of its credits can move, be retired or be listed.
     * @param batchId the batch
     * @param reason why, in words
     */
    event BatchFrozen(uint256 indexed batchId, string reason);

    /**
     * @notice A batch was unfrozen.
     * @param batchId the batch
     * @param reason why, in words
     */
    event BatchUnfrozen(uint256 indexed batchId, string reason);

    /**
     * @notice An account was frozen: it can neither send nor retire credits (it can still receive).
     * @param account the account
     * @param reason why, in words
     */
    event AccountFrozen(address indexed account, string reason);

    /**
     * @notice An account was unfrozen.
     * @param account the account
     * @param reason why, in words
     */
    event AccountUnfrozen(address indexed account, string reason);

    /**
     * @notice A batch's corresponding-adjustment status changed.
     * @param batchId the batch
     * @param previous the status before
     * @param status the status after
     * @param evidenceHash hash of the supporting document (e.g. the national authority's letter)
     */
    event CorrespondingAdjustmentChanged(
        uint256 indexed batchId,
        AdjustmentStatus previous,
        AdjustmentStatus status,
        bytes32 evidenceHash
    );

    /**
     * @notice The market contract allowed to retire from its escrow on a buyer's behalf changed.
     * @param previous the market before
     * @param market the market now
     */
    event MarketChanged(address previous, address market);

    /**
     * @notice The base of every batch's metadata URI changed.
     * @param baseURI the new base
     */
    event BaseURIChanged(string baseURI);

    /**
     * @notice Every movement of credits was paused.
     * @param account who paused
     */
    event Paused(address account);

    /**
     * @notice Movements of credits were resumed.
     * @param account who unpaused
     */
    event Unpaused(address account);

    /// @notice A project id must not be empty.
    error CarbonCreditRegistryEmptyProjectId();

    /**
     * @notice A project with this id is already registered.
     * @param projectKey the project's key
     */
    error CarbonCreditRegistryProjectExists(bytes32 projectKey);

    /**
     * @notice No project with this key is registered.
     * @param projectKey the key
     */
    error CarbonCreditRegistryUnknownProject(bytes32 projectKey);

    /**
     * @notice The developer organisation is not an active participant.
     * @param orgId the organisation
     */
    error CarbonCreditRegistryInactiveDeveloper(bytes32 orgId);

    /**
     * @notice Attestations come only from accounts of active Verifier organisations.
     * @param account the caller
     */
    error CarbonCreditRegistryNotVerifier(address account);

    /**
     * @notice The monitoring period is empty, reversed or not over yet.
     * @param periodStart its start
     * @param periodEnd its end
     */
    error CarbonCreditRegistryInvalidPeriod(uint64 periodStart, uint64 periodEnd);

    /// @notice An amount must be at least one unit.
    error CarbonCreditRegistryZeroAmount();

    /**
     * @notice An amount is larger than a batch can hold.
     * @param amount the amount given
     * @param max the largest allowed
     */
    error CarbonCreditRegistryAmountTooLarge(uint256 amount, uint256 max);

    /// @notice A report hash must not be zero.
    error CarbonCreditRegistryZeroReportHash();

    /**
     * @notice No attestation with this id.
     * @param attestationId the id
     */
    error CarbonCreditRegistryUnknownAttestation(bytes32 attestationId);

    /**
     * @notice The attestation already backs a batch: no double issuance.
     * @param attestationId the attestation
     * @param batchId the batch it backs
     */
    error CarbonCreditRegistryAlreadyIssued(bytes32 attestationId, uint256 batchId);

    /**
     * @notice More was asked for than the verifier attested.
     * @param attestationId the attestation
     * @param amount the amount asked for
     * @param attested the amount attested
     */
    error CarbonCreditRegistryExceedsAttested(bytes32 attestationId, uint256 amount, uint256 attested);

    /**
     * @notice The account is not an active participant, so it may not send, receive or retire.
     * @param account the account
     */
    error CarbonCreditRegistryInactiveParticipant(address account);

    /**
     * @notice No batch with this id.
     * @param batchId the id
     */
    error CarbonCreditRegistryUnknownBatch(uint256 batchId);

    /**
     * @notice The batch is frozen.
     * @param batchId the batch
     */
    error CarbonCreditRegistryBatchFrozen(uint256 batchId);

    /**
     * @notice The batch is not frozen.
     * @param batchId the batch
     */
    error CarbonCreditRegistryBatchNotFrozen(uint256 batchId);

    /**
     * @notice The account is frozen.
     * @param account the account
     */
    error CarbonCreditRegistryAccountFrozen(address account);

    /**
     * @notice The account is not frozen.
     * @param account the account
     */
    error CarbonCreditRegistryAccountNotFrozen(address account);

    /// @notice A retirement must name its beneficiary.
    error CarbonCreditRegistryEmptyBeneficiary();

    /// @notice A retirement or cancellation must give a reason.
    error CarbonCreditRegistryEmptyReason();

    /**
     * @notice No retirement record with this id.
     * @param retirementId the id
     */
    error CarbonCreditRegistryUnknownRetirement(uint256 retirementId);

    /**
     * @notice Only the market contract may retire on a buyer's behalf.
     * @param caller the caller
     */
    error CarbonCreditRegistryNotMarket(address caller);

    /**
     * @notice The monitoring period overlaps one already attested for the project: it must start after the end of
     * the latest attested period, whatever the report.
     * @param projectKey the project
     * @param periodStart the refused period's start
     * @param attestedUntil the end of the latest attested period
     */
    error CarbonCreditRegistryPeriodOverlaps(bytes32 projectKey, uint64 periodStart, uint64 attestedUntil);

    /**
     * @notice Credits in the market's escrow belong to open listings: the issuer cancels them through the market's
     * `cancelEscrowed`, which reduces the listing.
     * @param market the market account
     */
    error CarbonCreditRegistryEscrowNotCancellable(address market);

    /**
     * @notice The batch already has this corresponding-adjustment status.
     * @param batchId the batch
     * @param status the status
     */
    error CarbonCreditRegistryAdjustmentUnchanged(uint256 batchId, AdjustmentStatus status);

    /// @notice Movements of credits are paused.
    error CarbonCreditRegistryPaused();

    /// @notice Movements of credits are not paused.
    error CarbonCreditRegistryNotPaused();

    /**
     * @notice Registers a project.
     * @param projectId the registry's id string (e.g. `VN-DN-0001`), not empty, not registered before
     * @param developerOrg the developer organisation, an active participant
     * @param standard the crediting standard, emitted only
     * @param methodology the methodology, emitted only
     * @param location where the project is, emitted only
     * @param metadataHash hash of the project document
     * @return projectKey keccak256 of `projectId`
     */
    function registerProject(
        string calldata projectId,
        bytes32 developerOrg,
        string calldata standard,
        string calldata methodology,
        string calldata location,
        bytes32 metadataHash
    ) external returns (bytes32 projectKey);

    /**
     * @notice Attests a monitoring report; the caller must act for an active Verifier organisation.
     * @param projectKey the project
     * @param periodStart start of the monitoring period
     * @param periodEnd end of the monitoring period, not after now
     * @param amount reductions attested, in tCO2e
     * @param reportHash hash of the monitoring report, not zero
     * @return attestationId the attestation's id
     */
    function attest(
        bytes32 projectKey,
        uint64 periodStart,
        uint64 periodEnd,
        uint256 amount,
        bytes32 reportHash
    ) external returns (bytes32 attestationId);

    /**
     * @notice Issues a batch against an attestation, once, to an active participant.
     * @param attestationId the attestation
     * @param to the first holder
     * @param amount units to issue, at most the amount attested
     * @return batchId the new token id
     */
    function issue(bytes32 attestationId, address to, uint256 amount) external returns (uint256 batchId);

    /**
     * @notice Retires the caller's credits for a beneficiary and records a certificate.
     * @param batchId the batch
     * @param amount units to retire
     * @param claim beneficiary, reason and consumption period
     * @return retirementId the certificate's id (the first serial retired)
     */
    function retire(
        uint256 batchId,
        uint256 amount,
        RetirementClaim calldata claim
    ) external returns (uint256 retirementId);

    /**
     * @notice Retires credits held in the market's escrow on behalf of the buyer, who is named as holder.
     * @dev Only the market set with `setMarket`; used for retire-on-purchase.
     * @param holder the buyer
     * @param batchId the batch
     * @param amount units to retire
     * @param claim beneficiary, reason and consumption period
     * @return retirementId the certificate's id (the first serial retired)
     */
    function retireOnBehalf(
        address holder,
        uint256 batchId,
        uint256 amount,
        RetirementClaim calldata claim
    ) external returns (uint256 retirementId);

    /**
     * @notice Invalidates a holder's credits (distinct from retirement). Works on frozen batches and accounts.
     * @param batchId the batch
     * @param holder whose credits, not the market's escrow
     * @param amount units to cancel
     * @param reason why, not empty
     */
    function cancel(uint256 batchId, address holder, uint256 amount, string calldata reason) external;

    /**
     * @notice Cancels credits held in the market's escrow, as `cancel` does for a holder; the market is the holder
     * named in `Cancelled`.
     * @dev Only the market set with `setMarket`, from its ISSUER-restricted `cancelEscrowed`, after reducing the
     * listing the credits were escrowed for.
     * @param batchId the batch
     * @param amount units to cancel
     * @param reason why, not empty
     */
    function cancelFromEscrow(uint256 batchId, uint256 amount, string calldata reason) external;

    /**
     * @notice Freezes a batch.
     * @param batchId the batch
     * @param reason why
     */
    function freezeBatch(uint256 batchId, string calldata reason) external;

    /**
     * @notice Unfreezes a batch.
     * @param batchId the batch
     * @param reason why
     */
    function unfreezeBatch(uint256 batchId, string calldata reason) external;

    /**
     * @notice Freezes an account.
     * @param account the account
     * @param reason why
     */
    function freezeAccount(address account, string calldata reason) external;

    /**
     * @notice Unfreezes an account.
     * @param account the account
     * @param reason why
     */
    function unfreezeAccount(address account, string calldata reason) external;

    /**
     * @notice Sets a batch's corresponding-adjustment status.
     * @param batchId the batch
     * @param status the new status, different from the current one
     * @param evidenceHash hash of the supporting document
     */
    function setCorrespondingAdjustment(uint256 batchId, AdjustmentStatus status, bytes32 evidenceHash) external;

    /**
     * @notice Sets the market contract allowed to call `retireOnBehalf`.
     * @param market the market (zero to allow none)
     */
    function setMarket(address market) external;

    /**
     * @notice Sets the base of every batch's metadata URI (the gateway's credit metadata endpoint, e.g.
     * `https://ledger.city.example/metadata/credits/`). Role ADMIN: scheduled with the administrator's execution delay.
     * @param baseURI the base; `uri(batchId)` is baseURI, the batch id in decimal, then `.json`
     */
    function setURI(string calldata baseURI) external;

    /// @notice Pauses every movement of credits (transfers, issuance, retirement, cancellation).
    function pause() external;

    /// @notice Resumes movements of credits.
    function unpause() external;

    /**
     * @notice The key of a project id string.
     * @param projectId the id string
     * @return projectKey keccak256 of its bytes
     */
    function projectKeyOf(string calldata projectId) external pure returns (bytes32 projectKey);

    /**
     * @notice The id of the attestation of a (project, period, report).
     * @param projectKey the project
     * @param periodStart start of the monitoring period
     * @param periodEnd end of the monitoring period
     * @param reportHash the report's hash
     * @return attestationId the id
     */
    function attestationIdOf(
        bytes32 projectKey,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32 reportHash
    ) external pure returns (bytes32 attestationId);

    /**
     * @notice A project's record.
     * @param projectKey the project
     * @return record the record; `registeredAt` 0 if unknown
     */
    function project(bytes32 projectKey) external view returns (Project memory record);

    /**
     * @notice An attestation.
     * @param attestationId the attestation
     * @return record the record; `attestedAt` 0 if unknown
     */
    function attestation(bytes32 attestationId) external view returns (Attestation memory record);

    /**
     * @notice A batch, with its serial block and supply split. Reverts for an unknown batch.
     * @param batchId the batch
     * @return info the batch
     */
    function batch(uint256 batchId) external view returns (BatchInfo memory info);

    /**
     * @notice A retirement record (certificate). Reverts for an unknown id.
     * @param retirementId the id (the first serial retired)
     * @return record the record
     */
    function retirement(uint256 retirementId) external view returns (Retirement memory record);

    /**
     * @notice Units of a batch retired by (or on behalf of) a holder.
     * @param holder the holder
     * @param batchId the batch
     * @return amount units retired
     */
    function retiredBalanceOf(address holder, uint256 batchId) external view returns (uint256 amount);

    /**
     * @notice Circulating units of a batch: issued minus retired minus cancelled.
     * @param batchId the batch
     * @return supply circulating units
     */
    function totalSupply(uint256 batchId) external view returns (uint256 supply);

    /**
     * @notice Whether an account is frozen.
     * @param account the account
     * @return frozen true if frozen
     */
    function isAccountFrozen(address account) external view returns (bool frozen);

    /**
     * @notice The number of batches issued so far; batch ids run from 1 to this.
     * @return count the last batch id
     */
    function lastBatchId() external view returns (uint256 count);

    /**
     * @notice Whether movements are paused.
     * @return isPaused true if paused
     */
    function paused() external view returns (bool isPaused);

    /**
     * @notice The market allowed to retire on a buyer's behalf.
     * @return account the market, zero if none
     */
    function market() external view returns (address account);

    /**
     * @notice The participant registry consulted on every movement.
     * @return registry its address
     */
    function participants() external view returns (address registry);
}
