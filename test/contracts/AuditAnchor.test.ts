import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { systemFixture } from "./fixtures/system";

const LEAF_TYPES = ["uint64", "bytes32"];
const entryHash = (id: number) => ethers.keccak256(ethers.toUtf8Bytes(`entry ${id}`));

function treeOf(first: number, last: number) {
  const values: [bigint, string][] = [];
  for (let id = first; id <= last; id++) values.push([BigInt(id), entryHash(id)]);
  return StandardMerkleTree.of(values, LEAF_TYPES);
}

describe("AuditAnchor", function () {
  async function anchorFixture() {
    const system = await systemFixture();
    const anchorer = system.signers.anchorer;
    return { ...system, anchorer };
  }

  describe("#anchor", function () {
    it("refuses a range larger than MAX_ENTRIES_PER_ANCHOR (attack: anchor to the top of the id space and block anchoring)", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      const max = await auditAnchor.MAX_ENTRIES_PER_ANCHOR();
      const root = ethers.id("root");
      const top = 2n ** 64n - 1n;
      await expect(auditAnchor.connect(anchorer).anchor(root, 1, top, root))
        .to.be.revertedWithCustomError(auditAnchor, "AuditAnchorRangeTooLarge")
        .withArgs(1, top, max);
      await expect(auditAnchor.connect(anchorer).anchor(root, 1, max + 1n, root))
        .to.be.revertedWithCustomError(auditAnchor, "AuditAnchorRangeTooLarge")
        .withArgs(1, max + 1n, max);
      // Exactly the maximum is accepted, and the next anchor still has ids to start at.
      await expect(auditAnchor.connect(anchorer).anchor(root, 1, max, root)).to.emit(auditAnchor, "LogAnchored");
      await expect(auditAnchor.connect(anchorer).anchor(root, max + 1n, max + 1n, root)).to.emit(auditAnchor, "LogAnchored");
    });

    it("anchors the first range and records it", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      const tree = treeOf(1, 5);
      const head = entryHash(5);
      await expect(auditAnchor.connect(anchorer).anchor(tree.root, 1, 5, head))
        .to.emit(auditAnchor, "LogAnchored")
        .withArgs(1n, tree.root, 1n, 5n, head);
      const record = await auditAnchor.anchorOf(1);
      expect(record.merkleRoot).to.equal(tree.root);
      expect(record.headHash).to.equal(head);
      expect(record.firstEntryId).to.equal(1n);
      expect(record.lastEntryId).to.equal(5n);
      expect(record.anchoredAt).to.equal(BigInt(await time.latest()));
      expect(await auditAnchor.anchorCount()).to.equal(1n);
      expect(await auditAnchor.lastAnchoredEntryId()).to.equal(5n);
    });

    it("accepts the next contiguous range", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      await auditAnchor.connect(anchorer).anchor(treeOf(1, 5).root, 1, 5, entryHash(5));
      const next = treeOf(6, 6);
      await expect(auditAnchor.connect(anchorer).anchor(next.root, 6, 6, entryHash(6)))
        .to.emit(auditAnchor, "LogAnchored")
        .withArgs(2n, next.root, 6n, 6n, entryHash(6));
      expect(await auditAnchor.lastAnchoredEntryId()).to.equal(6n);
    });

    it("refuses a range that leaves a gap or overlaps", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      await expect(auditAnchor.connect(anchorer).anchor(treeOf(2, 3).root, 2, 3, entryHash(3)))
        .to.be.revertedWithCustomError(auditAnchor, "AuditAnchorNonContiguous")
        .withArgs(1n, 2n);
      await auditAnchor.connect(anchorer).anchor(treeOf(1, 5).root, 1, 5, entryHash(5));
      await expect(auditAnchor.connect(anchorer).anchor(treeOf(5, 7).root, 5, 7, entryHash(7)))
        .to.be.revertedWithCustomError(auditAnchor, "AuditAnchorNonContiguous")
        .withArgs(6n, 5n);
    });

    it("refuses an empty range", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      await expect(auditAnchor.connect(anchorer).anchor(entryHash(1), 1, 0, entryHash(1)))
        .to.be.revertedWithCustomError(auditAnchor, "AuditAnchorEmptyRange")
        .withArgs(1n, 0n);
    });

    it("refuses a zero root or head", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      await expect(auditAnchor.connect(anchorer).anchor(ethers.ZeroHash, 1, 1, entryHash(1))).to.be.revertedWithCustomError(
        auditAnchor,
        "AuditAnchorZeroHash",
      );
      await expect(auditAnchor.connect(anchorer).anchor(entryHash(1), 1, 1, ethers.ZeroHash)).to.be.revertedWithCustomError(
        auditAnchor,
        "AuditAnchorZeroHash",
      );
    });

    it("refuses a caller without the ANCHORER role", async function () {
      const { auditAnchor, signers } = await loadFixture(anchorFixture);
      await expect(auditAnchor.connect(signers.stranger).anchor(entryHash(1), 1, 1, entryHash(1)))
        .to.be.revertedWithCustomError(auditAnchor, "AccessManagedUnauthorized")
        .withArgs(signers.stranger.address);
    });
  });

  describe("#verifyEntry", function () {
    it("proves every anchored entry and rejects a tampered one", async function () {
      const { auditAnchor, anchorer } = await loadFixture(anchorFixture);
      const tree = treeOf(1, 7);
      await auditAnchor.connect(anchorer).anchor(tree.root, 1, 7, entryHash(7));
      for (const [index, value] of tree.entries()) {
        expect(await auditAnchor.verifyEntry(1, tree.leafHash(value), tree.getProof(index))).to.equal(true);
      }
      const tampered = StandardMerkleTree.of([[3n, entryHash(999)]], LEAF_TYPES).leafHash([3n, entryHash(999)]);
      expect(await auditAnchor.verifyEntry(1, tampered, tree.getProof(2))).to.equal(false);
    });

    it("refuses an unknown anchor", async function () {
      const { auditAnchor } = await loadFixture(anchorFixture);
      await expect(auditAnchor.verifyEntry(1, ethers.ZeroHash, []))
        .to.be.revertedWithCustomError(auditAnchor, "AuditAnchorUnknownAnchor")
        .withArgs(1n);
    });
  });

  describe("#anchorOf", function () {
    it("refuses an unknown anchor", async function () {
      const { auditAnchor } = await loadFixture(anchorFixture);
      await expect(auditAnchor.anchorOf(0)).to.be.revertedWithCustomError(auditAnchor, "AuditAnchorUnknownAnchor").withArgs(0n);
    });
  });
});
