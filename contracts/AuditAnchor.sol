// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IAuditAnchor} from "./interfaces/IAuditAnchor.sol";

/**
 * @title AuditAnchor
 * @notice On-chain anchors of the gateway's action log (role ANCHORER). Ranges are contiguous by construction, so
 * a log entry that the gateway left out, or an anchor it skipped, shows up as a gap.
 */
contract AuditAnchor is IAuditAnchor, AccessManaged {
    /// @notice The most log entries one anchor may cover. Ids are 64-bit: at this size the id space outlasts any
    /// gateway, and no anchor can end where the next one has no id to start at.
    uint64 public constant MAX_ENTRIES_PER_ANCHOR = 1_000_000;

    mapping(uint256 anchorId => Anchor) private _anchors;
    uint256 private _anchorCount;
    uint64 private _lastEntryId;

    constructor(address authority) AccessManaged(authority) {}

    /// @inheritdoc IAuditAnchor
    function anchor(
        bytes32 merkleRoot,
        uint64 firstEntryId,
        uint64 lastEntryId,
        bytes32 headHash
    ) external restricted returns (uint256 anchorId) {
        if (merkleRoot == bytes32(0) || headHash == bytes32(0)) revert AuditAnchorZeroHash();
        uint64 expected = _lastEntryId + 1;
        if (firstEntryId != expected) revert AuditAnchorNonContiguous(expected, firstEntryId);
        if (lastEntryId < firstEntryId) revert AuditAnchorEmptyRange(firstEntryId, lastEntryId);
        if (lastEntryId - firstEntryId >= MAX_ENTRIES_PER_ANCHOR) {
            revert AuditAnchorRangeTooLarge(firstEntryId, lastEntryId, MAX_ENTRIES_PER_ANCHOR);
        }
        anchorId = ++_anchorCount;
        _lastEntryId = lastEntryId;
        _anchors[anchorId] = Anchor({
            merkleRoot: merkleRoot,
            headHash: headHash,
            firstEntryId: firstEntryId,
            lastEntryId: lastEntryId,
            anchoredAt: uint64(block.timestamp)
        });
        emit LogAnchored(anchorId, merkleRoot, firstEntryId, lastEntryId, headHash);
    }

    /// @inheritdoc IAuditAnchor
    function anchorOf(uint256 anchorId) external view returns (Anchor memory record) {
        return _requireAnchor(anchorId);
    }

    /// @inheritdoc IAuditAnchor
    function anchorCount() external view returns (uint256 count) {
        return _anchorCount;
    }

    /// @inheritdoc IAuditAnchor
    function lastAnchoredEntryId() external view returns (uint64 entryId) {
        return _lastEntryId;
    }

    /// @inheritdoc IAuditAnchor
    function verifyEntry(uint256 anchorId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool included) {
        return MerkleProof.verifyCalldata(proof, _requireAnchor(anchorId).merkleRoot, leaf);
    }

    function _requireAnchor(uint256 anchorId) private view returns (Anchor storage record) {
        record = _anchors[anchorId];
        if (record.merkleRoot == bytes32(0)) revert AuditAnchorUnknownAnchor(anchorId);
    }
}
