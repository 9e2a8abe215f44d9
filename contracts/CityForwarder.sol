// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/**
 * @title CityForwarder
 * @notice The system's ERC-2771 forwarder: relays EIP-712 `ForwardRequest`s that participants sign with their own keys
 * (EIP-712 domain name `CityAssetLedger`, version `1`, this contract's address and the chain id). Every contract
 * participants call trusts it through `ERC2771Context`, so `_msgSender()` there is the signer, whoever relayed it.
 * @dev OpenZeppelin's forwarder unchanged; only the domain name is fixed here (OZ sets the version to "1").
 */
contract CityForwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("CityAssetLedger") {}
}
