// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";

/**
 * @title ParticipantRegistry
 * @notice Organisations, their accounts and their status. Administered through the city's AccessManager
 * (role GOVERNOR). Trusts the system's Forwarder (ERC-2771) like the other contracts, so a governor with its own
 * key administers participants by a request it signs itself: `restricted` checks the signer's role, not the relayer.
 * @dev `isActive` sits on the hot path of every transfer in the system, so each account carries a copy of its
 * organisation's kind, status and expiry in one storage slot. Changing an organisation rewrites the copies of its
 * accounts; the number of accounts per organisation is bounded so that loop stays cheap.
 */
contract ParticipantRegistry is IParticipantRegistry, AccessManaged, ERC2771Context {
    /// @notice The most accounts one organisation may have.
    uint256 public constant MAX_ACCOUNTS_PER_ORG = 16;

    /// @dev One slot: what `isActive` needs about an account, copied from its organisation. A removed account keeps
    /// its kind, has status Revoked and `removed` set, and is no longer rewritten by `_syncAccounts`.
    struct AccountState {
        OrgKind kind;
        OrgStatus status;
        uint64 validUntil;
        bool removed;
    }

    mapping(bytes32 orgId => Organization) private _organizations;
    mapping(bytes32 orgId => address[]) private _accounts;
    mapping(address account => bytes32 orgId) private _orgOfAccount;
    mapping(address account => AccountState) private _accountStates;

    constructor(address authority, address trustedForwarder) AccessManaged(authority) ERC2771Context(trustedForwarder) {}

    /// @inheritdoc IParticipantRegistry
    function registerOrganization(
        bytes32 orgId,
        OrgKind kind,
        uint64 validUntil,
        bytes32 metadataHash,
        string calldata name
    ) external restricted {
        if (orgId == bytes32(0)) revert ParticipantRegistryZeroOrgId();
        if (kind == OrgKind.None) revert ParticipantRegistryInvalidKind(kind);
        if (_organizations[orgId].status != OrgStatus.None) revert ParticipantRegistryOrganizationExists(orgId);
        _organizations[orgId] = Organization({
            kind: kind,
            status: OrgStatus.Active,
            validUntil: validUntil,
            accountCount: 0,
            metadataHash: metadataHash
        });
        emit OrganizationRegistered(orgId, kind, validUntil, metadataHash, name);
    }

    /// @inheritdoc IParticipantRegistry
    function updateOrganization(bytes32 orgId, uint64 validUntil, bytes32 metadataHash) external restricted {
        Organization storage org = _requireChangeable(orgId);
        org.validUntil = validUntil;
        org.metadataHash = metadataHash;
        _syncAccounts(orgId, org);
        emit OrganizationUpdated(orgId, validUntil, metadataHash);
    }

    /// @inheritdoc IParticipantRegistry
    function addAccount(bytes32 orgId, address account) external restricted {
        Organization storage org = _requireChangeable(orgId);
        if (account == address(0)) revert ParticipantRegistryZeroAccount();
        bytes32 current = _orgOfAccount[account];
        if (current != bytes32(0)) revert ParticipantRegistryAccountTaken(account, current);
        if (org.accountCount >= MAX_ACCOUNTS_PER_ORG) {
            revert ParticipantRegistryTooManyAccounts(orgId, MAX_ACCOUNTS_PER_ORG);
        }
        org.accountCount += 1;
        _accounts[orgId].push(account);
        _orgOfAccount[account] = orgId;
        _accountStates[account] = AccountState({
            kind: org.kind,
            status: org.status,
            validUntil: org.validUntil,
            removed: false
        });
        emit AccountAdded(orgId, account);
    }

    /// @inheritdoc IParticipantRegistry
    function removeAccount(address account) external restricted {
        bytes32 orgId = _orgOfAccount[account];
        if (orgId == bytes32(0)) revert ParticipantRegistryUnknownAccount(account);
        AccountState storage state = _accountStates[account];
        if (state.removed) revert ParticipantRegistryAccountRemoved(account, orgId);
        address[] storage accounts = _accounts[orgId];
        uint256 last = accounts.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (accounts[i] == account) {
                accounts[i] = accounts[last];
                accounts.pop();
                break;
            }
        }
        _organizations[orgId].accountCount -= 1;
        // The binding stays (see IParticipantRegistry.removeAccount): inactive for good, never unbound.
        state.status = OrgStatus.Revoked;
        state.removed = true;
        emit AccountRemoved(orgId, account);
    }

    /// @inheritdoc IParticipantRegistry
    function suspend(bytes32 orgId, string calldata reason) external restricted {
        _changeStatus(orgId, OrgStatus.Active, OrgStatus.Suspended, reason);
    }

    /// @inheritdoc IParticipantRegistry
    function reinstate(bytes32 orgId, string calldata reason) external restricted {
        _changeStatus(orgId, OrgStatus.Suspended, OrgStatus.Active, reason);
    }

    /// @inheritdoc IParticipantRegistry
    function revoke(bytes32 orgId, string calldata reason) external restricted {
        Organization storage org = _requireChangeable(orgId);
        OrgStatus previous = org.status;
        org.status = OrgStatus.Revoked;
        _syncAccounts(orgId, org);
        emit OrganizationStatusChanged(orgId, previous, OrgStatus.Revoked, reason);
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account) external view returns (bool active) {
        return _isActive(_accountStates[account]);
    }

    /// @inheritdoc IParticipantRegistry
    function mayExercisePowers(address account) external view returns (bool allowed) {
        AccountState storage state = _accountStates[account];
        return state.kind == OrgKind.None || _isActive(state);
    }

    /// @inheritdoc IParticipantRegistry
    function isActivePair(address from, address to) external view returns (bool fromActive, bool toActive) {
        return (_isActive(_accountStates[from]), _isActive(_accountStates[to]));
    }

    /// @inheritdoc IParticipantRegistry
    function activeKind(address account) external view returns (OrgKind kind, bool active) {
        AccountState storage state = _accountStates[account];
        return (state.kind, _isActive(state));
    }

    /// @inheritdoc IParticipantRegistry
    function orgOf(address account) external view returns (bytes32 orgId) {
        return _orgOfAccount[account];
    }

    /// @inheritdoc IParticipantRegistry
    function organization(bytes32 orgId) external view returns (Organization memory org) {
        return _organizations[orgId];
    }

    /// @inheritdoc IParticipantRegistry
    function accountsOf(bytes32 orgId) external view returns (address[] memory accounts) {
        return _accounts[orgId];
    }

    function _changeStatus(bytes32 orgId, OrgStatus from, OrgStatus to, string calldata reason) private {
        Organization storage org = _requireChangeable(orgId);
        if (org.status != from) revert ParticipantRegistryInvalidStatusTransition(orgId, org.status, to);
        org.status = to;
        _syncAccounts(orgId, org);
        emit OrganizationStatusChanged(orgId, from, to, reason);
    }

    function _requireChangeable(bytes32 orgId) private view returns (Organization storage org) {
        org = _organizations[orgId];
        if (org.status == OrgStatus.None) revert ParticipantRegistryUnknownOrganization(orgId);
        if (org.status == OrgStatus.Revoked) revert ParticipantRegistryOrganizationRevoked(orgId);
    }

    function _syncAccounts(bytes32 orgId, Organization storage org) private {
        AccountState memory state = AccountState({
            kind: org.kind,
            status: org.status,
            validUntil: org.validUntil,
            removed: false
        });
        address[] storage accounts = _accounts[orgId];
        uint256 count = accounts.length;
        for (uint256 i = 0; i < count; ++i) {
            _accountStates[accounts[i]] = state;
        }
    }

    /// @dev Reads only the two fields it needs from storage: copying the struct to memory first costs about 400 gas
    /// more per account (measured on the credit-transfer path), which every token transfer in the system pays twice.
    function _isActive(AccountState storage state) private view returns (bool) {
        OrgStatus status = state.status;
        uint64 validUntil = state.validUntil;
        return status == OrgStatus.Active && (validUntil == 0 || block.timestamp <= validUntil);
    }

    /// @dev The signer of a request relayed by the trusted forwarder, otherwise the direct caller (ERC2771Context's
    /// answer, computed by ForwardedSender without a calldata slice). Only `restricted` asks: the hot-path views never do.
    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ForwardedSender.from(trustedForwarder());
    }

    /// @dev See `_msgSender`: `restricted` reads the selector from here, with the signer's suffix removed.
    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    /// @dev See `_msgSender`.
    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
