// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {ISettlementToken} from "./interfaces/ISettlementToken.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";

/**
 * @title SettlementToken
 * @notice VND for delivery-versus-payment on the carbon market. TREASURY mints and burns; GUARDIAN pauses.
 * @dev Approvals are unrestricted (approving moves nothing); every movement checks the participant registry.
 */
contract SettlementToken is ISettlementToken, ERC20Pausable, AccessManaged, ERC2771Context {
    IParticipantRegistry private immutable _PARTICIPANTS;

    constructor(
        address authority,
        IParticipantRegistry participantRegistry,
        address trustedForwarder
    ) ERC20("Vietnamese dong (settlement)", "VND") AccessManaged(authority) ERC2771Context(trustedForwarder) {
        _PARTICIPANTS = participantRegistry;
    }

    /// @inheritdoc ISettlementToken
    function mint(address to, uint256 amount, bytes32 ref) external restricted {
        if (amount == 0) revert SettlementTokenZeroAmount();
        _mint(to, amount);
        emit Minted(to, amount, ref);
    }

    /// @inheritdoc ISettlementToken
    function burn(address from, uint256 amount, bytes32 ref) external restricted {
        if (from != _msgSender()) revert SettlementTokenBurnNotHandedIn(from);
        if (amount == 0) revert SettlementTokenZeroAmount();
        _burn(from, amount);
        emit Burned(from, amount, ref);
    }

    /// @inheritdoc ISettlementToken
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc ISettlementToken
    function unpause() external restricted {
        _unpause();
    }

    /// @inheritdoc ISettlementToken
    function participants() external view returns (address registry) {
        return address(_PARTICIPANTS);
    }

    /// @notice Whole đồng: the smallest unit of VND in circulation.
    function decimals() public pure override returns (uint8) {
        return 0;
    }

    /// @dev Receivers of mints and both sides of transfers must be active; a burn debits only the treasury's own
    /// balance (VND handed in), which needs no participant check.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0)) {
            if (!_PARTICIPANTS.isActive(to)) revert SettlementTokenInactiveParticipant(to);
        } else if (to != address(0)) {
            (bool fromActive, bool toActive) = _PARTICIPANTS.isActivePair(from, to);
            if (!fromActive) revert SettlementTokenInactiveParticipant(from);
            if (!toActive) revert SettlementTokenInactiveParticipant(to);
        }
        super._update(from, to, value);
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
