// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title IERC5192
 * @notice Minimal soulbound NFTs (https://eips.ethereum.org/EIPS/eip-5192). Interface id 0xb45a3c0e.
 * @dev OpenZeppelin Contracts 5 ships no copy of this interface, hence this one.
 */
interface IERC5192 {
    /**
     * @notice The token became non-transferable (or was minted so).
     * @param tokenId the token
     */
    event Locked(uint256 tokenId);

    /**
     * @notice The token became transferable.
     * @param tokenId the token
     */
    event Unlocked(uint256 tokenId);

    /**
     * @notice Whether the token is non-transferable. Reverts for a token that does not exist.
     * @param tokenId the token
     * @return true if the token cannot be transferred by its holder
     */
    function locked(uint256 tokenId) external view returns (bool);
}
