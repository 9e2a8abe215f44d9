// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title Roles
 * @notice The AccessManager role ids of the City Asset Ledger, defined once. `scripts/lib/roles.ts` mirrors them
 * for TypeScript and a test keeps the two in step.
 * @dev Role 0 is OpenZeppelin's ADMIN_ROLE (the city administrator); PUBLIC_ROLE is type(uint64).max.
 */
library Roles {
    /// @notice Admits, suspends, reinstates and revokes participants and their accounts.
    uint64 internal constant GOVERNOR = 1;
    /// @notice The city data office: registers datasets, versions, statuses, licences and valuations.
    uint64 internal constant REGISTRAR = 2;
    /// @notice The carbon registry authority: projects, issuance, cancellation, freezes, adjustments.
    uint64 internal constant ISSUER = 3;
    /// @notice Accredited verifiers (VVB): attest monitoring reports.
    uint64 internal constant VERIFIER = 4;
    /// @notice The settlement bank: mints and burns the VND settlement token.
    uint64 internal constant TREASURY = 5;
    /// @notice Runs the trading floor: fee rate and fee recipient.
    uint64 internal constant MARKET_OPERATOR = 6;
    /// @notice Pauses every transfer in an emergency.
    uint64 internal constant GUARDIAN = 7;
    /// @notice Forced transfers for recovery; granted with an execution delay.
    uint64 internal constant RECOVERY = 8;
    /// @notice The gateway's anchoring key: writes Merkle roots of its action log.
    uint64 internal constant ANCHORER = 9;
    /// @notice Formerly the data exchange contract's; no function since DataAssetRegistry checks the exchange's address
    /// (`setExchange`). Kept so the id is never reused.
    uint64 internal constant DATA_EXCHANGE = 10;
}
