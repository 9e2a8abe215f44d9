import { expect } from "chai";
import { ZeroHash } from "ethers";
import {
  appendEntry,
  merkleTreeOf,
  requestHashOf,
  verifyActionLog,
  type ActionLogEntry,
  type AnchorRecord,
} from "../../scripts/lib/action-log";

function buildLog(count: number): ActionLogEntry[] {
  const entries: ActionLogEntry[] = [];
  for (let id = 1; id <= count; id++) {
    entries.push(
      appendEntry(entries[entries.length - 1], {
        id,
        at: new Date(Date.UTC(2026, 10, 22, 8, 0, id)).toISOString(),
        org: id % 2 ? "DATA-OFFICE" : "BIZ-A",
        apiKeyId: `key-${id % 3}`,
        action: "POST /v1/datasets",
        requestHash: requestHashOf({ title: `dataset ${id}` }),
        status: 201,
        txHash: null,
      }),
    );
  }
  return entries;
}

function anchorsFor(entries: ActionLogEntry[], ranges: [number, number][]): AnchorRecord[] {
  return ranges.map(([first, last], i) => {
    const range = entries.filter((e) => e.id >= first && e.id <= last);
    return { anchorId: i + 1, merkleRoot: merkleTreeOf(range).root, firstEntryId: first, lastEntryId: last, headHash: range[range.length - 1].hash };
  });
}

describe("gateway action log", function () {
  const log = buildLog(10);
  const anchors = anchorsFor(log, [
    [1, 4],
    [5, 10],
  ]);

  it("chains each entry to the one before it", function () {
    expect(log[0].prevHash).to.equal(ZeroHash);
    for (let i = 1; i < log.length; i++) expect(log[i].prevHash).to.equal(log[i - 1].hash);
  });

  it("verifies a complete, unaltered log against its anchors", function () {
    expect(verifyActionLog(log, anchors)).to.deep.equal([]);
  });

  it("hashes request bodies independently of key order", function () {
    expect(requestHashOf({ a: 1, b: { c: 2, d: 3 } })).to.equal(requestHashOf({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it("reports a tampered entry by id", function () {
    const tampered = log.map((e) => (e.id === 3 ? { ...e, org: "BIZ-B" } : e));
    const problems = verifyActionLog(tampered, anchors);
    expect(problems.filter((p) => p.problem === "tampered").map((p) => p.entryId)).to.deep.equal([3]);
    expect(problems.some((p) => p.problem === "root mismatch" && p.anchorId === 1)).to.equal(true);
  });

  it("reports a tampered entry whose hash was recomputed to hide it", function () {
    const forged = appendEntry(log[1], { ...log[2], org: "BIZ-B" });
    const problems = verifyActionLog(log.map((e) => (e.id === 3 ? forged : e)), anchors);
    expect(problems.map((p) => [p.problem, p.entryId])).to.deep.include(["tampered", 4]);
    expect(problems.some((p) => p.problem === "root mismatch" && p.anchorId === 1)).to.equal(true);
  });

  it("reports a removed entry by id", function () {
    const problems = verifyActionLog(log.filter((e) => e.id !== 5), anchors);
    expect(problems.map((p) => [p.problem, p.entryId, p.anchorId])).to.deep.include(["missing", 5, 2]);
  });

  it("reports reordered entries by id", function () {
    const reordered = [...log];
    [reordered[5], reordered[6]] = [reordered[6], reordered[5]];
    const problems = verifyActionLog(reordered, anchors);
    expect(problems.map((p) => [p.problem, p.entryId])).to.deep.include(["reordered", 6]);
  });

  it("reports a log cut short before the end of the last anchor", function () {
    const problems = verifyActionLog(log.slice(0, 8), anchors);
    expect(problems.filter((p) => p.problem === "missing").map((p) => p.entryId)).to.deep.equal([9, 10]);
  });
});
