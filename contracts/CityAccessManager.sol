// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {Roles} from "./libraries/Roles.sol";

/**
 * @title CityAccessManager
 * @notice The one authority for every City Asset Ledger contract: roles, which role may call which function,
 * execution delays on dangerous actions, and the emergency close of a contract (`setTargetClosed`).
 *
 * Powers end with the organisation: once the participant registry is wired in (`setParticipantRegistry`, once), an
 * account bound to an organisation holds no role but ADMIN and PUBLIC while that organisation is suspended, revoked
 * or expired, or after the account was removed from it (`hasRole` answers false). Every check goes through
 * `hasRole`: `restricted` functions of the managed contracts (through `canCall`), scheduling and executing operations,
 * this manager's own role-gated functions and the guardian's cancel. Accounts never bound to an organisation (the
 * operational keys of the guardian, the anchorer, the governor) keep their roles; a binding is for good, so a removed
 * account never becomes one.
 *
 * `setTargetClosed(target, true)` makes every `restricted` function of the target refuse every caller, ADMIN members
 * and scheduled operations included (this manager's own functions, and `updateAuthority`, stay with ADMIN). It does not
 * stop the unrestricted functions participants call (transfers of datasets, credits and VND, retirements, market
 * listings, fills, cancellations): those stop with each contract's own `pause()` (GUARDIAN).
 * @dev Trusts the system's forwarder (ERC-2771), so administrators and role holders with their own keys can schedule,
 * execute and cancel operations through signed requests. OpenZeppelin's Multicall (inherited through AccessManager)
 * appends the forwarded sender to each delegated call when relayed, so a relayed multicall cannot name another sender
 * inside its calls (OpenZeppelin's ERC-2771 + Multicall advisory; tested in CityForwarder.test.ts).
 */
contract CityAccessManager is AccessManager, ERC2771Context {
    IParticipantRegistry private _participants;

    /**
     * @notice The participant registry whose organisations' status bounds their accounts' roles was wired in.
     * @param registry the registry
     */
    event ParticipantRegistrySet(address registry);

    /**
     * @notice The participant registry is wired in once and for good.
     * @param current the registry already set
     */
    error CityAccessManagerParticipantRegistryAlreadySet(address current);

    /// @notice The participant registry cannot be the zero address.
    error CityAccessManagerZeroParticipantRegistry();

    constructor(address initialAdmin, address trustedForwarder)
        AccessManager(initialAdmin)
        ERC2771Context(trustedForwarder)
    {}

    /**
     * @notice Wires in the participant registry, once (ADMIN). From then on roles follow their holders' organisations.
     * @param registry the system's participant registry
     */
    function setParticipantRegistry(IParticipantRegistry registry) external onlyAuthorized {
        if (address(registry) == address(0)) revert CityAccessManagerZeroParticipantRegistry();
        address current = address(_participants);
        if (current != address(0)) revert CityAccessManagerParticipantRegistryAlreadySet(current);
        _participants = registry;
        emit ParticipantRegistrySet(address(registry));
    }

    /**
     * @notice The participant registry wired in with `setParticipantRegistry`, zero until then.
     * @return registry the registry
     */
    function participantRegistry() external view returns (IParticipantRegistry registry) {
        return _participants;
    }

    /**
     * @notice Whether `account` holds `roleId` now, and its execution delay. False for every role but ADMIN and PUBLIC
     * when the account's organisation is inactive or the account was removed from it (see the contract's notice).
     * @param roleId the role
     * @param account the account
     * @return isMember whether the account may use the role now
     * @return executionDelay the account's execution delay for the role
     */
    function hasRole(uint64 roleId, address account) public view override returns (bool isMember, uint32 executionDelay) {
        (isMember, executionDelay) = super.hasRole(roleId, account);
        if (!isMember || roleId == ADMIN_ROLE || roleId == PUBLIC_ROLE) return (isMember, executionDelay);
        IParticipantRegistry registry = _participants;
        if (address(registry) != address(0) && !registry.mayExercisePowers(account)) return (false, 0);
    }

    /// @dev GUARDIAN members may also cancel any scheduled operation, the administrator's included (OZ lets only the
    /// guardian of the target function's role cancel, and ADMIN, the role of this manager's own functions, can have
    /// no guardian): whatever an administrator schedules stays visible for its delay and vetoable by the guardian.
    function _canCancel(address caller, address target, bytes calldata data) internal view override returns (bool) {
        if (super._canCancel(caller, target, data)) return true;
        (bool isGuardian, ) = hasRole(Roles.GUARDIAN, _msgSender());
        return isGuardian;
    }

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
