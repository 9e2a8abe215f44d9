// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title ForwardedSender
 * @notice ERC2771Context's `_msgSender()` answer, computed without its calldata slice.
 * @dev The hot paths (a credit transfer asks three times, a market fill several more through the two tokens) pay
 * about 150 gas per call for OZ's slice and conversion; this reads the last 20 bytes of calldata directly. Contracts
 * still inherit OZ's ERC2771Context (constructor, `trustedForwarder`, `isTrustedForwarder`, `_msgData`) and use this
 * only in their `_msgSender` override.
 */
library ForwardedSender {
    /// @notice The signer appended by `forwarder` when it is the caller and the calldata can carry one, otherwise
    /// `msg.sender`.
    /// @param forwarder the trusted forwarder
    /// @return sender who the call is from
    function from(address forwarder) internal view returns (address sender) {
        if (msg.sender == forwarder && msg.data.length >= 20) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                sender := shr(96, calldataload(sub(calldatasize(), 20)))
            }
        } else {
            sender = msg.sender;
        }
    }
}
