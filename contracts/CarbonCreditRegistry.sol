// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ICarbonCreditRegistry} from "./interfaces/ICarbonCreditRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/**
 * @title CarbonCreditRegistry
 * @notice ERC-1155 carbon credits, one token id per issuance batch, 1 unit = 1 tCO2e. Administered through the city's
 * AccessManager: ISSUER registers projects, issues, cancels, freezes and sets adjustment status; VERIFIER attests;
 * GUARDIAN pauses; the administrator names the market contract.
 * @dev Gas on the transfer path is the budget that matters (target: 1.2x a plain OZ ERC-1155 transfer). Besides the
 * participant registry (one call, two one-slot reads) a transfer reads one slot of this contract, `_counters`: the
 * pause flag, the last batch id (so unknown ids are refused) and how many batches and accounts are frozen right now.
 * Only when some batch (account) is frozen does a transfer also read the batch's (sender's) own flag. Supply is not
 * tracked per transfer: the batch slot keeps issued/retired/cancelled and circulating is derived from them, so
 * ERC1155Supply's extra writes are avoided. Mints and burns only happen inside `issue`, `retire*` and `cancel`, which
 * check their own rules. A retirement record is one slot; its id is its first serial, so no counter is kept.
 */
contract CarbonCreditRegistry is ICarbonCreditRegistry, ERC1155, AccessManaged, ERC2771Context {
    /// @dev One slot: everything the transfer, retire and cancel paths need about a batch.
    struct BatchState {
        uint64 serialFirst;
        uint56 issued;
        uint56 retired;
        uint56 cancelled;
        bool frozen;
        AdjustmentStatus adjustment;
    }

    /// @dev One slot, read by every transfer: global counters and flags.
    struct Counters {
        uint40 lastBatchId;
        uint64 serialsIssued;
        uint24 frozenBatches;
        uint24 frozenAccounts;
        bool paused;
    }

    /// @dev One slot per retirement record; the record's id is its first serial.
    struct RetirementSlot {
        address holder;
        uint40 batchId;
        uint56 amount;
    }

    /// @dev Batches hold at most this many units, so issued/retired/cancelled fit one slot.
    uint256 private constant _MAX_BATCH_AMOUNT = type(uint56).max;

    IParticipantRegistry private immutable _PARTICIPANTS;

    Counters private _counters;
    address private _market;
    mapping(bytes32 projectKey => Project) private _projects;
    mapping(bytes32 attestationId => Attestation) private _attestations;
    mapping(uint256 batchId => BatchState) private _batches;
    mapping(uint256 batchId => bytes32 attestationId) private _batchAttestation;
    mapping(uint256 retirementId => RetirementSlot) private _retirements;
    mapping(address holder => mapping(uint256 batchId => uint256)) private _retiredBalances;
    mapping(address account => bool) private _frozenAccounts;

    constructor(address authority, IParticipantRegistry participantRegistry, address trustedForwarder)
        ERC1155("")
        AccessManaged(authority)
        ERC2771Context(trustedForwarder)
    {
        _PARTICIPANTS = participantRegistry;
    }

    // ---------------------------------------------------------------- projects and attestations

    /// @inheritdoc ICarbonCreditRegistry
    function registerProject(
        string calldata projectId,
        bytes32 developerOrg,
        string calldata standard,
        string calldata methodology,
        string calldata location,
        bytes32 metadataHash
    ) external restricted returns (bytes32 projectKey) {
        if (bytes(projectId).length == 0) revert CarbonCreditRegistryEmptyProjectId();
        projectKey = keccak256(bytes(projectId));
        if (_projects[projectKey].registeredAt != 0) revert CarbonCreditRegistryProjectExists(projectKey);
        if (_PARTICIPANTS.organization(developerOrg).status != IParticipantRegistry.OrgStatus.Active) {
            revert CarbonCreditRegistryInactiveDeveloper(developerOrg);
        }
        _projects[projectKey] = Project({
            developerOrg: developerOrg,
            metadataHash: metadataHash,
            registeredAt: uint64(block.timestamp),
            attestedUntil: 0
        });
        emit ProjectRegistered(projectKey, developerOrg, projectId, standard, methodology, location, metadataHash);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function attest(
        bytes32 projectKey,
        uint64 periodStart,
        uint64 periodEnd,
        uint256 amount,
        bytes32 reportHash
    ) external restricted returns (bytes32 attestationId) {
        // The AccessManager role says who may attest; the participant registry says the verifier is accredited now.
        (IParticipantRegistry.OrgKind kind, bool active) = _PARTICIPANTS.activeKind(_msgSender());
        if (kind != IParticipantRegistry.OrgKind.Verifier || !active) revert CarbonCreditRegistryNotVerifier(_msgSender());
        Project storage record = _projects[projectKey];
        if (record.registeredAt == 0) revert CarbonCreditRegistryUnknownProject(projectKey);
        if (periodStart >= periodEnd || periodEnd > block.timestamp) {
            revert CarbonCreditRegistryInvalidPeriod(periodStart, periodEnd);
        }
        // Periods include both ends and are attested in order, so one slot decides overlap with every earlier one;
        // the same (project, period, report) twice overlaps too, so no attestation id is ever attested twice.
        uint64 attestedUntil = record.attestedUntil;
        if (periodStart <= attestedUntil) {
            revert CarbonCreditRegistryPeriodOverlaps(projectKey, periodStart, attestedUntil);
        }
        _requireAmount(amount);
        if (reportHash == bytes32(0)) revert CarbonCreditRegistryZeroReportHash();
        record.attestedUntil = periodEnd;
        attestationId = _attestationId(projectKey, periodStart, periodEnd, reportHash);
        _attestations[attestationId] = Attestation({
            projectKey: projectKey,
            reportHash: reportHash,
            periodStart: periodStart,
            periodEnd: periodEnd,
            amount: uint64(amount),
            batchId: 0,
            verifier: _msgSender(),
            attestedAt: uint64(block.timestamp)
        });
        emit Attested(attestationId, projectKey, _msgSender(), periodStart, periodEnd, amount, reportHash);
    }

    // ---------------------------------------------------------------- issuance

    /// @inheritdoc ICarbonCreditRegistry
    function issue(bytes32 attestationId, address to, uint256 amount) external restricted returns (uint256 batchId) {
        Attestation storage att = _attestations[attestationId];
        if (att.attestedAt == 0) revert CarbonCreditRegistryUnknownAttestation(attestationId);
        if (att.batchId != 0) revert CarbonCreditRegistryAlreadyIssued(attestationId, att.batchId);
        if (amount == 0) revert CarbonCreditRegistryZeroAmount();
        if (amount > att.amount) revert CarbonCreditRegistryExceedsAttested(attestationId, amount, att.amount);
        if (!_PARTICIPANTS.isActive(to)) revert CarbonCreditRegistryInactiveParticipant(to);
        Counters storage counters = _counters;
        if (counters.paused) revert CarbonCreditRegistryPaused();

        uint40 newBatchId = counters.lastBatchId + 1;
        uint64 serialFirst = counters.serialsIssued + 1;
        counters.lastBatchId = newBatchId;
        counters.serialsIssued = serialFirst - 1 + uint64(amount);
        batchId = newBatchId;
        att.batchId = newBatchId;
        // amount <= attested amount <= _MAX_BATCH_AMOUNT, so the narrowing casts are exact.
        _batches[batchId] = BatchState({
            serialFirst: serialFirst,
            issued: uint56(amount),
            retired: 0,
            cancelled: 0,
            frozen: false,
            adjustment: AdjustmentStatus.Unspecified
        });
        _batchAttestation[batchId] = attestationId;
        emit BatchIssued(batchId, att.projectKey, attestationId, to, amount, serialFirst, serialFirst + amount - 1);
        _mint(to, batchId, amount, "");
    }

    // ---------------------------------------------------------------- retirement and cancellation

    /// @inheritdoc ICarbonCreditRegistry
    function retire(
        uint256 batchId,
        uint256 amount,
        RetirementClaim calldata claim
    ) external returns (uint256 retirementId) {
        if (!_PARTICIPANTS.isActive(_msgSender())) revert CarbonCreditRegistryInactiveParticipant(_msgSender());
        return _retire(_msgSender(), _msgSender(), batchId, amount, claim);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function retireOnBehalf(
        address holder,
        uint256 batchId,
        uint256 amount,
        RetirementClaim calldata claim
    ) external returns (uint256 retirementId) {
        if (_msgSender() != _market) revert CarbonCreditRegistryNotMarket(_msgSender());
        (bool marketActive, bool holderActive) = _PARTICIPANTS.isActivePair(_msgSender(), holder);
        if (!marketActive) revert CarbonCreditRegistryInactiveParticipant(_msgSender());
        if (!holderActive) revert CarbonCreditRegistryInactiveParticipant(holder);
        if (_counters.frozenAccounts != 0 && _frozenAccounts[holder]) revert CarbonCreditRegistryAccountFrozen(holder);
        return _retire(_msgSender(), holder, batchId, amount, claim);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function cancel(uint256 batchId, address holder, uint256 amount, string calldata reason) external restricted {
        if (holder == _market && holder != address(0)) revert CarbonCreditRegistryEscrowNotCancellable(holder);
        _cancel(batchId, holder, amount, reason);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function cancelFromEscrow(uint256 batchId, uint256 amount, string calldata reason) external {
        if (_msgSender() != _market) revert CarbonCreditRegistryNotMarket(_msgSender());
        _cancel(batchId, _market, amount, reason);
    }

    /// @dev Cancellation works on frozen batches and accounts: it is what the issuer does once a freeze is confirmed.
    function _cancel(uint256 batchId, address holder, uint256 amount, string calldata reason) private {
        if (bytes(reason).length == 0) revert CarbonCreditRegistryEmptyReason();
        if (amount == 0) revert CarbonCreditRegistryZeroAmount();
        if (_counters.paused) revert CarbonCreditRegistryPaused();
        BatchState storage state = _existingBatch(batchId);
        uint256 serialFirst = _nextSerial(state);
        // The burn reverts on an insufficient balance, so the counter below cannot pass `issued`.
        _burn(holder, batchId, amount);
        state.cancelled += uint56(amount);
        emit Cancelled(batchId, holder, amount, serialFirst, serialFirst + amount - 1, reason);
    }

    // ---------------------------------------------------------------- freezes, adjustments, administration

    /// @inheritdoc ICarbonCreditRegistry
    function freezeBatch(uint256 batchId, string calldata reason) external restricted {
        BatchState storage state = _existingBatch(batchId);
        if (state.frozen) revert CarbonCreditRegistryBatchFrozen(batchId);
        state.frozen = true;
        _counters.frozenBatches += 1;
        emit BatchFrozen(batchId, reason);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function unfreezeBatch(uint256 batchId, string calldata reason) external restricted {
        BatchState storage state = _existingBatch(batchId);
        if (!state.frozen) revert CarbonCreditRegistryBatchNotFrozen(batchId);
        state.frozen = false;
        _counters.frozenBatches -= 1;
        emit BatchUnfrozen(batchId, reason);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function freezeAccount(address account, string calldata reason) external restricted {
        if (_frozenAccounts[account]) revert CarbonCreditRegistryAccountFrozen(account);
        _frozenAccounts[account] = true;
        _counters.frozenAccounts += 1;
        emit AccountFrozen(account, reason);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function unfreezeAccount(address account, string calldata reason) external restricted {
        if (!_frozenAccounts[account]) revert CarbonCreditRegistryAccountNotFrozen(account);
        _frozenAccounts[account] = false;
        _counters.frozenAccounts -= 1;
        emit AccountUnfrozen(account, reason);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function setCorrespondingAdjustment(
        uint256 batchId,
        AdjustmentStatus status,
        bytes32 evidenceHash
    ) external restricted {
        BatchState storage state = _existingBatch(batchId);
        AdjustmentStatus previous = state.adjustment;
        if (previous == status) revert CarbonCreditRegistryAdjustmentUnchanged(batchId, status);
        state.adjustment = status;
        emit CorrespondingAdjustmentChanged(batchId, previous, status, evidenceHash);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function setMarket(address newMarket) external restricted {
        address previous = _market;
        _market = newMarket;
        emit MarketChanged(previous, newMarket);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function setURI(string calldata baseURI) external restricted {
        _setURI(baseURI);
        emit BaseURIChanged(baseURI);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function pause() external restricted {
        if (_counters.paused) revert CarbonCreditRegistryPaused();
        _counters.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc ICarbonCreditRegistry
    function unpause() external restricted {
        if (!_counters.paused) revert CarbonCreditRegistryNotPaused();
        _counters.paused = false;
        emit Unpaused(_msgSender());
    }

    // ---------------------------------------------------------------- views

    /// @notice A batch's metadata URL: the base URI, the batch id in decimal (as the API writes batch ids), then
    /// `.json`; e.g. `https://ledger.city.example/metadata/credits/12.json`. A concrete URL rather than ERC-1155's
    /// `{id}` template, which clients may but need not substitute.
    /// @param batchId the batch
    /// @return the URI, empty while no base URI is set
    function uri(uint256 batchId) public view override returns (string memory) {
        _existingBatch(batchId);
        string memory base = super.uri(batchId);
        return bytes(base).length == 0 ? "" : string.concat(base, Strings.toString(batchId), ".json");
    }

    /// @inheritdoc ICarbonCreditRegistry
    function projectKeyOf(string calldata projectId) external pure returns (bytes32 projectKey) {
        return keccak256(bytes(projectId));
    }

    /// @inheritdoc ICarbonCreditRegistry
    function attestationIdOf(
        bytes32 projectKey,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32 reportHash
    ) external pure returns (bytes32 attestationId) {
        return _attestationId(projectKey, periodStart, periodEnd, reportHash);
    }

    /// @inheritdoc ICarbonCreditRegistry
    function project(bytes32 projectKey) external view returns (Project memory record) {
        return _projects[projectKey];
    }

    /// @inheritdoc ICarbonCreditRegistry
    function attestation(bytes32 attestationId) external view returns (Attestation memory record) {
        return _attestations[attestationId];
    }

    /// @inheritdoc ICarbonCreditRegistry
    function batch(uint256 batchId) external view returns (BatchInfo memory info) {
        BatchState memory state = _existingBatch(batchId);
        bytes32 attestationId = _batchAttestation[batchId];
        Attestation storage att = _attestations[attestationId];
        info = BatchInfo({
            projectKey: att.projectKey,
            attestationId: attestationId,
            periodStart: att.periodStart,
            periodEnd: att.periodEnd,
            serialFirst: state.serialFirst,
            serialLast: state.serialFirst + state.issued - 1,
            issued: state.issued,
            circulating: uint256(state.issued) - state.retired - state.cancelled,
            retired: state.retired,
            cancelled: state.cancelled,
            frozen: state.frozen,
            adjustment: state.adjustment
        });
    }

    /// @inheritdoc ICarbonCreditRegistry
    function retirement(uint256 retirementId) external view returns (Retirement memory record) {
        RetirementSlot memory entry = _retirements[retirementId];
        if (entry.holder == address(0)) revert CarbonCreditRegistryUnknownRetirement(retirementId);
        record = Retirement({
            holder: entry.holder,
            batchId: entry.batchId,
            amount: entry.amount,
            serialFirst: retirementId,
            serialLast: retirementId + entry.amount - 1
        });
    }

    /// @inheritdoc ICarbonCreditRegistry
    function retiredBalanceOf(address holder, uint256 batchId) external view returns (uint256 amount) {
        return _retiredBalances[holder][batchId];
    }

    /// @inheritdoc ICarbonCreditRegistry
    function totalSupply(uint256 batchId) external view returns (uint256 supply) {
        BatchState storage state = _batches[batchId];
        return uint256(state.issued) - state.retired - state.cancelled;
    }

    /// @inheritdoc ICarbonCreditRegistry
    function isAccountFrozen(address account) external view returns (bool frozen) {
        return _frozenAccounts[account];
    }

    /// @inheritdoc ICarbonCreditRegistry
    function lastBatchId() external view returns (uint256 count) {
        return _counters.lastBatchId;
    }

    /// @inheritdoc ICarbonCreditRegistry
    function paused() external view returns (bool isPaused) {
        return _counters.paused;
    }

    /// @inheritdoc ICarbonCreditRegistry
    function market() external view returns (address account) {
        return _market;
    }

    /// @inheritdoc ICarbonCreditRegistry
    function participants() external view returns (address registry) {
        return address(_PARTICIPANTS);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Every ERC-1155 movement ends here. Transfers (neither side zero) are checked; mints and burns are only
    /// reachable from functions that have already checked their own rules.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) {
            (bool fromActive, bool toActive) = _activePair(from, to);
            if (!fromActive) revert CarbonCreditRegistryInactiveParticipant(from);
            if (!toActive) revert CarbonCreditRegistryInactiveParticipant(to);
            Counters memory counters = _counters;
            if (counters.paused) revert CarbonCreditRegistryPaused();
            // Only the sender's freeze matters: a frozen account's credits cannot move, while whether an account
            // may receive is decided by its participant status.
            if (counters.frozenAccounts != 0 && _frozenAccounts[from]) revert CarbonCreditRegistryAccountFrozen(from);
            for (uint256 i = 0; i < ids.length; ++i) {
                uint256 id = ids[i];
                if (id == 0 || id > counters.lastBatchId) revert CarbonCreditRegistryUnknownBatch(id);
                if (counters.frozenBatches != 0 && _batches[id].frozen) revert CarbonCreditRegistryBatchFrozen(id);
            }
        }
        super._update(from, to, ids, values);
    }

    /// @dev `_PARTICIPANTS.isActivePair(from, to)` without the ABI helpers Solidity wraps around an external call; on
    /// the transfer path this saves a few hundred gas (measured in Carbon.gas.test.ts). The call is in scratch space.
    function _activePair(address from, address to) private view returns (bool fromActive, bool toActive) {
        address registry = address(_PARTICIPANTS);
        bytes4 selector = IParticipantRegistry.isActivePair.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), from)
            mstore(add(ptr, 0x24), to)
            if iszero(staticcall(gas(), registry, ptr, 0x44, 0x00, 0x40)) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
            // A registry answering anything shorter than two words counts as "not active".
            if lt(returndatasize(), 0x40) {
                mstore(0x00, 0)
                mstore(0x20, 0)
            }
            fromActive := iszero(iszero(mload(0x00)))
            toActive := iszero(iszero(mload(0x20)))
        }
    }

    /// @dev Burns `amount` of `batchId` from `owner` and records the retirement against `holder`.
    function _retire(
        address owner,
        address holder,
        uint256 batchId,
        uint256 amount,
        RetirementClaim calldata claim
    ) private returns (uint256 retirementId) {
        if (amount == 0) revert CarbonCreditRegistryZeroAmount();
        if (bytes(claim.beneficiaryName).length == 0) revert CarbonCreditRegistryEmptyBeneficiary();
        if (bytes(claim.reason).length == 0) revert CarbonCreditRegistryEmptyReason();
        if (claim.consumptionStart > claim.consumptionEnd) {
            revert CarbonCreditRegistryInvalidPeriod(claim.consumptionStart, claim.consumptionEnd);
        }
        Counters memory counters = _counters;
        if (counters.paused) revert CarbonCreditRegistryPaused();
        if (counters.frozenAccounts != 0 && _frozenAccounts[owner]) revert CarbonCreditRegistryAccountFrozen(owner);
        BatchState storage state = _existingBatch(batchId);
        if (state.frozen) revert CarbonCreditRegistryBatchFrozen(batchId);

        retirementId = _nextSerial(state);
        // The burn reverts on an insufficient balance, so retired + cancelled never passes issued, and the narrowing
        // casts below are exact (batch ids fit 40 bits, amounts 56).
        _burn(owner, batchId, amount);
        state.retired += uint56(amount);
        _retiredBalances[holder][batchId] += amount;
        _retirements[retirementId] = RetirementSlot({holder: holder, batchId: uint40(batchId), amount: uint56(amount)});
        emit Retired(retirementId, batchId, holder, amount, retirementId, retirementId + amount - 1, claim);
    }

    /// @dev Retirements and cancellations consume the block from its front, in order.
    function _nextSerial(BatchState storage state) private view returns (uint64) {
        return state.serialFirst + state.retired + state.cancelled;
    }

    function _existingBatch(uint256 batchId) private view returns (BatchState storage state) {
        state = _batches[batchId];
        if (state.issued == 0) revert CarbonCreditRegistryUnknownBatch(batchId);
    }

    function _requireAmount(uint256 amount) private pure {
        if (amount == 0) revert CarbonCreditRegistryZeroAmount();
        if (amount > _MAX_BATCH_AMOUNT) revert CarbonCreditRegistryAmountTooLarge(amount, _MAX_BATCH_AMOUNT);
    }

    function _attestationId(
        bytes32 projectKey,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32 reportHash
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(projectKey, periodStart, periodEnd, reportHash));
    }

    // ------------------------------------------------------------------ ERC-2771: the signer of a relayed request is the caller

    /// @dev The signer of a request relayed by the trusted forwarder, otherwise the direct caller: ERC2771Context's
    /// answer without its calldata slice (see ForwardedSender), written out here because the credit transfer sits right
    /// at its gas target (1.2x a plain ERC-1155 transfer) and the optimizer compiles the library call about 120 gas
    /// dearer on that path (measured in Carbon.gas.test.ts).
    function _msgSender() internal view override(Context, ERC2771Context) returns (address sender) {
        if (msg.sender == trustedForwarder() && msg.data.length >= 20) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                sender := shr(96, calldataload(sub(calldatasize(), 20)))
            }
        } else {
            sender = msg.sender;
        }
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
