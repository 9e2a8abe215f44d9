import { expect } from "chai";
import { ethers, network } from "hardhat";
import request from "supertest";
import type { TestGateway } from "./gateway";

/** Moves the Hardhat chain's clock forward and mines a block at the new time. */
export async function passTime(seconds: number): Promise<void> {
  if (seconds > 0) await network.provider.send("evm_increaseTime", [seconds]);
  await network.provider.send("evm_mine", []);
}

/** Mines the next block exactly at `timestamp` (unix seconds). */
export async function mineAt(timestamp: number): Promise<void> {
  await network.provider.send("evm_setNextBlockTimestamp", [timestamp]);
  await network.provider.send("evm_mine", []);
}

/** Waits out (on the chain's clock) the delay of scheduled operations and executes them as their scheduler. */
export async function executeWhenReady(gw: TestGateway, ids: string[], org = "CITY-ADMIN"): Promise<void> {
  if (ids.length === 0) return;
  const list = await request(gw.app).get("/v1/governance/operations").set(gw.auth(org)).expect(200);
  const ops = (list.body.items as { id: string; readyAt: string }[]).filter((o) => ids.includes(o.id));
  expect(ops.map((o) => o.id).sort()).to.deep.equal([...new Set(ids)].sort());
  const readyAt = Math.max(...ops.map((o) => Date.parse(o.readyAt) / 1000));
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  if (now < readyAt) await passTime(readyAt - now);
  for (const id of ids) {
    const res = await request(gw.app).post(`/v1/governance/operations/${id}/execute`).set(gw.auth(org));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }
}

/** Executes the role grants a registration scheduled (its answer's `scheduledGrants`). */
export async function grantScheduledRoles(gw: TestGateway, registered: { result: { scheduledGrants?: { operationId: string }[] } }): Promise<void> {
  await executeWhenReady(gw, (registered.result.scheduledGrants ?? []).map((g) => g.operationId));
}
