// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ForwardedSender} from "./libraries/ForwardedSender.sol";

/**
 * @title CityAccessManager
 * @notice The one authority for every City Asset Ledger contract: roles, which role may call which function,
 * execution delays on dangerous actions, and the emergency close of a contract (`setTargetClosed`).
 * @dev Trusts the system's forwarder (ERC-2771), so administrators and role holders with their own keys can schedule,
 * execute and cancel operations through signed requests. OpenZeppelin's Multicall (inherited through AccessManager)
 * appends the forwarded sender to each delegated call when relayed, so a relayed multicall cannot name another sender
 * inside its calls (OpenZeppelin's ERC-2771 + Multicall advisory; tested in CityForwarder.test.ts).
 */
contract CityAccessManager is AccessManager, ERC2771Context {
    constructor(address initialAdmin, address trustedForwarder)
        AccessManager(initialAdmin)
        ERC2771Context(trustedForwarder)
    {}

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
