// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICarbonCreditRegistry} from "../interfaces/ICarbonCreditRegistry.sol";
import {ICarbonMarket} from "../interfaces/ICarbonMarket.sol";

/// @notice Reads the whole carbon state in one eth_call, so the property test can check every invariant after
/// every step without hundreds of round trips. Test use only; it computes nothing, it only gathers.
contract CarbonStateReader {
    struct State {
        ICarbonCreditRegistry.BatchInfo[] batches;
        uint256[][] balances; // [batch][account]
        uint256[][] retiredBalances; // [batch][account]
        uint256[] supplies; // totalSupply per batch
        ICarbonMarket.ListingInfo[] listings;
        uint256[] vndBalances; // [account]
        uint256 vndSupply;
    }

    function read(
        ICarbonCreditRegistry registry,
        ICarbonMarket market,
        IERC20 vnd,
        address[] calldata accounts
    ) external view returns (State memory state) {
        uint256 batchCount = registry.lastBatchId();
        uint256 listingCount = market.lastListingId();
        state.batches = new ICarbonCreditRegistry.BatchInfo[](batchCount);
        state.balances = new uint256[][](batchCount);
        state.retiredBalances = new uint256[][](batchCount);
        state.supplies = new uint256[](batchCount);
        for (uint256 b = 0; b < batchCount; ++b) {
            uint256 id = b + 1;
            state.batches[b] = registry.batch(id);
            state.supplies[b] = registry.totalSupply(id);
            state.balances[b] = new uint256[](accounts.length);
            state.retiredBalances[b] = new uint256[](accounts.length);
            for (uint256 a = 0; a < accounts.length; ++a) {
                state.balances[b][a] = IERC1155(address(registry)).balanceOf(accounts[a], id);
                state.retiredBalances[b][a] = registry.retiredBalanceOf(accounts[a], id);
            }
        }
        state.listings = new ICarbonMarket.ListingInfo[](listingCount);
        for (uint256 l = 0; l < listingCount; ++l) {
            state.listings[l] = market.listing(l + 1);
        }
        state.vndBalances = new uint256[](accounts.length);
        for (uint256 a = 0; a < accounts.length; ++a) {
            state.vndBalances[a] = vnd.balanceOf(accounts[a]);
        }
        state.vndSupply = vnd.totalSupply();
    }
}
