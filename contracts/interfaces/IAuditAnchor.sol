// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/**
 * @title IAuditAnchor
 * @notice Anchors of the gateway's hash-chained action log. Each anchor covers the next contiguous range of log
 * entries with the Merkle root of their leaves and the hash-chain head after the last entry, so an auditor can prove
 * that an exported log is complete, unaltered and in order.
 */
interface IAuditAnchor {
    /// @notice One anchored range of log entries.
    struct Anchor {
        bytes32 merkleRoot;
        bytes32 headHash;
        uint64 firstEntryId;
        uint64 lastEntryId;
        uint64 anchoredAt;
    }

    /**
     * @notice A range of log entries was anchored.
     * @param anchorId sequence number of the anchor, from 1
     * @param merkleRoot root of the Merkle tree over the entries' leaves (OpenZeppelin StandardMerkleTree)
     * @param firstEntryId id of the first entry covered
     * @param lastEntryId id of the last entry covered
     * @param headHash the log's hash-chain head after the last entry
     */
    event LogAnchored(
        uint256 indexed anchorId,
        bytes32 merkleRoot,
        uint64 firstEntryId,
        uint64 lastEntryId,
        bytes32 headHash
    );

    /**
     * @notice The range does not start right after the last anchored entry.
     * @param expectedFirstEntryId the id the next range must start at
     * @param firstEntryId the id given
     */
    error AuditAnchorNonContiguous(uint64 expectedFirstEntryId, uint64 firstEntryId);

    /**
     * @notice The range is empty (last before first).
     * @param firstEntryId the first id given
     * @param lastEntryId the last id given
     */
    error AuditAnchorEmptyRange(uint64 firstEntryId, uint64 lastEntryId);

    /**
     * @notice The range holds more entries than one anchor may (`MAX_ENTRIES_PER_ANCHOR`). Without this bound an
     * anchor ending at the top of the id space would leave no id for the next one and block anchoring for good.
     * @param firstEntryId the first id given
     * @param lastEntryId the last id given
     * @param maxEntries the most entries one anchor may cover
     */
    error AuditAnchorRangeTooLarge(uint64 firstEntryId, uint64 lastEntryId, uint64 maxEntries);

    /// @notice A Merkle root or head hash of zero anchors nothing.
    error AuditAnchorZeroHash();

    /**
     * @notice No anchor with this id.
     * @param anchorId the id asked for
     */
    error AuditAnchorUnknownAnchor(uint256 anchorId);

    /**
     * @notice Anchors the next range of log entries.
     * @param merkleRoot root over the entries' leaves
     * @param firstEntryId first entry id; must be one past the last anchored entry (1 for the first anchor)
     * @param lastEntryId last entry id, at least `firstEntryId`
     * @param headHash the log's hash-chain head after `lastEntryId`
     * @return anchorId the new anchor's id
     */
    function anchor(
        bytes32 merkleRoot,
        uint64 firstEntryId,
        uint64 lastEntryId,
        bytes32 headHash
    ) external returns (uint256 anchorId);

    /**
     * @notice An anchor by id.
     * @param anchorId the id, from 1
     * @return record the anchor
     */
    function anchorOf(uint256 anchorId) external view returns (Anchor memory record);

    /**
     * @notice How many anchors exist (the id of the latest).
     * @return count the number of anchors
     */
    function anchorCount() external view returns (uint256 count);

    /**
     * @notice The id of the last anchored log entry, 0 before the first anchor.
     * @return entryId the last anchored entry id
     */
    function lastAnchoredEntryId() external view returns (uint64 entryId);

    /**
     * @notice Whether `leaf` belongs to the anchor's Merkle tree.
     * @param anchorId the anchor
     * @param leaf the leaf hash (StandardMerkleTree: keccak256(bytes.concat(keccak256(abi.encode(values)))))
     * @param proof the Merkle proof
     * @return included true if the proof holds
     */
    function verifyEntry(uint256 anchorId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool included);
}
