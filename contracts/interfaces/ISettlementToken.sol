// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title ISettlementToken
 * @notice The VND settlement token: a permissioned ERC-20 with 0 decimals (1 unit = 1 đồng), minted by the treasury
 * against deposits and burned against withdrawals. Only active participants hold or receive it.
 */
interface ISettlementToken {
    /**
     * @notice The treasury minted VND against a deposit.
     * @param to who received it
     * @param amount VND minted
     * @param ref the treasury's reference for the deposit
     */
    event Minted(address indexed to, uint256 amount, bytes32 indexed ref);

    /**
     * @notice The treasury burned VND against a withdrawal.
     * @param from whose balance was debited
     * @param amount VND burned
     * @param ref the treasury's reference for the withdrawal
     */
    event Burned(address indexed from, uint256 amount, bytes32 indexed ref);

    /**
     * @notice The account is not an active participant, so it may neither send nor receive VND.
     * @param account the account
     */
    error SettlementTokenInactiveParticipant(address account);

    /// @notice Mints and burns must move at least one đồng.
    error SettlementTokenZeroAmount();

    /**
     * @notice The treasury burns only VND handed in to its own account, never a holder's balance at will.
     * @param from the account named, which is not the calling treasury account
     */
    error SettlementTokenBurnNotHandedIn(address from);

    /**
     * @notice Mints VND to an active participant.
     * @param to the receiver
     * @param amount VND, at least 1
     * @param ref the treasury's deposit reference
     */
    function mint(address to, uint256 amount, bytes32 ref) external;

    /**
     * @notice Burns VND the treasury holds (a withdrawal settled by the treasury). The holder hands the VND in by
     * transferring it to the treasury account first, so no one's balance shrinks without their own transfer.
     * @dev Reverts with SettlementTokenBurnNotHandedIn unless `from` is the calling treasury account.
     * @param from the account debited: the calling treasury account itself
     * @param amount VND, at least 1
     * @param ref the treasury's withdrawal reference
     */
    function burn(address from, uint256 amount, bytes32 ref) external;

    /// @notice Pauses every movement of VND.
    function pause() external;

    /// @notice Resumes movements of VND.
    function unpause() external;

    /**
     * @notice The participant registry consulted on every movement.
     * @return registry its address
     */
    function participants() external view returns (address registry);
}
