// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title IParticipantRegistry
 * @notice The permission layer of the City Asset Ledger: which organisations take part, of which kind, in which
 * status, and which accounts act for them. Every token contract asks it before a mint or a transfer.
 */
interface IParticipantRegistry {
    /// @notice What an organisation is; decides what it may hold (Core and Important data stay with CityAgency).
    enum OrgKind {
        None,
        CityAgency,
        Business,
        Verifier,
        Auditor,
        Treasury,
        Operator
    }

    /// @notice Lifecycle of an organisation. Revoked is final.
    enum OrgStatus {
        None,
        Active,
        Suspended,
        Revoked
    }

    /// @notice An organisation's record. `validUntil` 0 means no expiry.
    struct Organization {
        OrgKind kind;
        OrgStatus status;
        uint64 validUntil;
        uint32 accountCount;
        bytes32 metadataHash;
    }

    /**
     * @notice A new organisation was admitted.
     * @param orgId the organisation's id (e.g. the keccak256 or bytes32 of its registry code)
     * @param kind what the organisation is
     * @param validUntil end of its admission (unix seconds), 0 for none
     * @param metadataHash hash of the off-chain metadata document
     * @param name the organisation's display name (kept in the event only)
     */
    event OrganizationRegistered(
        bytes32 indexed orgId,
        OrgKind kind,
        uint64 validUntil,
        bytes32 metadataHash,
        string name
    );

    /**
     * @notice An organisation's admission period or metadata changed.
     * @param orgId the organisation
     * @param validUntil the new end of admission, 0 for none
     * @param metadataHash the new metadata hash
     */
    event OrganizationUpdated(bytes32 indexed orgId, uint64 validUntil, bytes32 metadataHash);

    /**
     * @notice An organisation was suspended, reinstated or revoked.
     * @param orgId the organisation
     * @param previousStatus the status before
     * @param newStatus the status after
     * @param reason why, in words
     */
    event OrganizationStatusChanged(
        bytes32 indexed orgId,
        OrgStatus previousStatus,
        OrgStatus newStatus,
        string reason
    );

    /**
     * @notice An account now acts for an organisation.
     * @param orgId the organisation
     * @param account the account
     */
    event AccountAdded(bytes32 indexed orgId, address indexed account);

    /**
     * @notice An account no longer acts for an organisation.
     * @param orgId the organisation
     * @param account the account
     */
    event AccountRemoved(bytes32 indexed orgId, address indexed account);

    /// @notice The organisation id 0 is reserved for "none".
    error ParticipantRegistryZeroOrgId();

    /**
     * @notice The kind given is not a kind an organisation can have.
     * @param kind the kind given
     */
    error ParticipantRegistryInvalidKind(OrgKind kind);

    /**
     * @notice An organisation with this id is already registered.
     * @param orgId the id
     */
    error ParticipantRegistryOrganizationExists(bytes32 orgId);

    /**
     * @notice No organisation with this id is registered.
     * @param orgId the id
     */
    error ParticipantRegistryUnknownOrganization(bytes32 orgId);

    /**
     * @notice The organisation cannot move from its status to the one asked for.
     * @param orgId the organisation
     * @param current its status now
     * @param requested the status asked for
     */
    error ParticipantRegistryInvalidStatusTransition(bytes32 orgId, OrgStatus current, OrgStatus requested);

    /**
     * @notice The organisation is revoked; nothing about it can change any more.
     * @param orgId the organisation
     */
    error ParticipantRegistryOrganizationRevoked(bytes32 orgId);

    /// @notice The zero address cannot act for an organisation.
    error ParticipantRegistryZeroAccount();

    /**
     * @notice The account already acts for an organisation.
     * @param account the account
     * @param orgId the organisation it acts for
     */
    error ParticipantRegistryAccountTaken(address account, bytes32 orgId);

    /**
     * @notice The account acts for no organisation.
     * @param account the account
     */
    error ParticipantRegistryUnknownAccount(address account);

    /**
     * @notice The account was removed from its organisation already; it stays bound to it, inactive, for good.
     * @param account the account
     * @param orgId the organisation it was bound to
     */
    error ParticipantRegistryAccountRemoved(address account, bytes32 orgId);

    /**
     * @notice The organisation already has the most accounts allowed.
     * @param orgId the organisation
     * @param max the most accounts an organisation may have
     */
    error ParticipantRegistryTooManyAccounts(bytes32 orgId, uint256 max);

    /**
     * @notice Admits an organisation in status Active.
     * @param orgId its id, not zero
     * @param kind what it is, not None
     * @param validUntil end of admission (unix seconds), 0 for none
     * @param metadataHash hash of its metadata document
     * @param name display name, emitted only
     */
    function registerOrganization(
        bytes32 orgId,
        OrgKind kind,
        uint64 validUntil,
        bytes32 metadataHash,
        string calldata name
    ) external;

    /**
     * @notice Changes an organisation's admission period and metadata hash.
     * @param orgId the organisation
     * @param validUntil the new end of admission, 0 for none
     * @param metadataHash the new metadata hash
     */
    function updateOrganization(bytes32 orgId, uint64 validUntil, bytes32 metadataHash) external;

    /**
     * @notice Lets an account act for an organisation. An account acts for one organisation at most.
     * @param orgId the organisation
     * @param account the account
     */
    function addAccount(bytes32 orgId, address account) external;

    /**
     * @notice Stops an account acting for its organisation. The account stays bound to the organisation (`orgOf`
     * still names it) and inactive for good: it can join no other organisation, so moving a key between
     * organisations (say, an agency's key holding Core datasets into a business) is impossible, and it never becomes
     * an unbound account that `mayExercisePowers` would let use its roles again.
     * @param account the account
     */
    function removeAccount(address account) external;

    /**
     * @notice Suspends an Active organisation: none of its accounts can send or receive until reinstated.
     * @param orgId the organisation
     * @param reason why, in words
     */
    function suspend(bytes32 orgId, string calldata reason) external;

    /**
     * @notice Reinstates a Suspended organisation.
     * @param orgId the organisation
     * @param reason why, in words
     */
    function reinstate(bytes32 orgId, string calldata reason) external;

    /**
     * @notice Revokes an organisation for good.
     * @param orgId the organisation
     * @param reason why, in words
     */
    function revoke(bytes32 orgId, string calldata reason) external;

    /**
     * @notice Whether the account acts for an Active organisation whose admission has not expired.
     * @dev One storage read; called by every token contract before a mint or a transfer.
     * @param account the account
     * @return active true if it may hold and move assets now
     */
    function isActive(address account) external view returns (bool active);

    /**
     * @notice Whether an account may use the AccessManager roles it holds: true for an account never bound to an
     * organisation (an operational key such as the guardian's), otherwise only while it is active (`isActive`).
     * @dev Asked by CityAccessManager for every role but ADMIN and PUBLIC; one storage read.
     * @param account the account
     * @return allowed false for an account of a suspended, revoked or expired organisation, or a removed account
     */
    function mayExercisePowers(address account) external view returns (bool allowed);

    /**
     * @notice `isActive` for the two sides of a transfer in one call.
     * @param from the sender
     * @param to the receiver
     * @return fromActive whether the sender is active
     * @return toActive whether the receiver is active
     */
    function isActivePair(address from, address to) external view returns (bool fromActive, bool toActive);

    /**
     * @notice The kind of the account's organisation and whether the account is active.
     * @param account the account
     * @return kind the organisation's kind, None for an unknown account
     * @return active as `isActive`
     */
    function activeKind(address account) external view returns (OrgKind kind, bool active);

    /**
     * @notice The organisation an account acts for, or acted for until it was removed (a binding is for good).
     * @param account the account
     * @return orgId the organisation, 0 if the account was never bound to one
     */
    function orgOf(address account) external view returns (bytes32 orgId);

    /**
     * @notice An organisation's record.
     * @param orgId the organisation
     * @return org the record; status None if unknown
     */
    function organization(bytes32 orgId) external view returns (Organization memory org);

    /**
     * @notice The accounts acting for an organisation.
     * @param orgId the organisation
     * @return accounts its accounts, in the order they were added (removals swap the last one in)
     */
    function accountsOf(bytes32 orgId) external view returns (address[] memory accounts);
}
