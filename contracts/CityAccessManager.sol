// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

/**
 * @title CityAccessManager
 * @notice The one authority for every City Asset Ledger contract: roles, which role may call which function,
 * execution delays on dangerous actions, and the emergency close of a contract (`setTargetClosed`).
 */
contract CityAccessManager is AccessManager {
    constructor(address initialAdmin) AccessManager(initialAdmin) {}
}
