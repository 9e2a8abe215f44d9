// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @notice Unpermissioned OpenZeppelin ERC-1155: the gas baseline for credit transfers. Test use only.
contract PlainERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }
}
