import { expect } from "chai";
import { ethers } from "hardhat";
import request from "supertest";
import { grantScheduledRoles } from "./governance";
import { uniqueCode, type TestGateway } from "./gateway";

export const randomHash = (): string => ethers.hexlify(ethers.randomBytes(32));

export const claim = (overrides: Record<string, unknown> = {}) => ({
  beneficiary: { name: "Mekong Logistics JSC", organization: "BIZ-LOGISTICS" },
  reason: "Offsetting 2025 fleet emissions",
  consumptionPeriod: { start: "2025-01-01", end: "2025-12-31" },
  ...overrides,
});

/** Calls of the carbon, market and settlement API as the demo organisations, with the steps tests repeat. */
export class CarbonCalls {
  constructor(private readonly gw: TestGateway) {}

  post(path: string, body: unknown, org: string, headers: Record<string, string> = {}) {
    return request(this.gw.app).post(path).set({ ...this.gw.auth(org), ...headers }).send(body as object);
  }

  get(path: string, org = "AUDITOR") {
    return request(this.gw.app).get(path).set(this.gw.auth(org));
  }

  del(path: string, org: string) {
    return request(this.gw.app).delete(path).set(this.gw.auth(org));
  }

  /** Registers a project by DONRE (the issuer); returns its id. */
  async project(developer = "BIZ-SOLAR"): Promise<string> {
    const id = uniqueCode("VN-CT");
    const res = await this.post(
      "/v1/carbon/projects",
      { id, developer, standard: "Domestic", methodology: "AMS-I.D", location: "Can Tho", metadataHash: randomHash() },
      "DONRE",
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return id;
  }

  /** VVB-1 attests a report of `amount` tCO2e for the project; returns the attestation id. */
  async attest(project: string, amount = "1000"): Promise<string> {
    const res = await this.post(
      "/v1/carbon/attestations",
      { project, monitoringPeriod: { start: "2024-01-01", end: "2024-12-31" }, amount, reportHash: randomHash() },
      "VVB-1",
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.attestationId as string;
  }

  /** A new project, attested and issued to `to`; returns the batch id. */
  async batch(to = "BIZ-SOLAR", amount = "1000"): Promise<string> {
    const project = await this.project(to === "BIZ-LOGISTICS" ? "BIZ-LOGISTICS" : "BIZ-SOLAR");
    const attestationId = await this.attest(project, amount);
    const res = await this.post("/v1/carbon/batches", { attestationId, to, amount }, "DONRE");
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.result.batchId as string;
  }

  async mint(to: string, amount: string): Promise<void> {
    const res = await this.post("/v1/settlement/mint", { to, amount, reference: uniqueCode("DEP") }, "TREASURY");
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  }

  async balances(org: string) {
    const res = await this.get(`/v1/accounts/${org}/balances`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as {
      datasets: { count: number; ids: string[] };
      credits: { batchId: string; held: string; listed: string }[];
      retired: { batchId: string; amount: string }[];
      vnd: { balance: string };
      accounts: { address: string; creditsFrozen: boolean; marketApproved: { credits: boolean; vnd: boolean } }[];
    };
  }

  async held(org: string, batchId: string): Promise<{ held: string; listed: string; retired: string }> {
    const b = await this.balances(org);
    const c = b.credits.find((x) => x.batchId === batchId);
    const r = b.retired.find((x) => x.batchId === batchId);
    return { held: c?.held ?? "0", listed: c?.listed ?? "0", retired: r?.amount ?? "0" };
  }

  /** A newly admitted organisation with an API key of every scope it may hold. */
  async newOrg(kind: string, roles: string[] = []): Promise<{ code: string; auth: { Authorization: string }; address: string }> {
    const code = uniqueCode(kind.slice(0, 3).toUpperCase());
    const admin = this.gw.auth("CITY-ADMIN");
    const reg = await request(this.gw.app).post("/v1/participants").set(admin).send({ code, name: `${kind} ${code}`, kind, roles });
    expect(reg.status, JSON.stringify(reg.body)).to.equal(201);
    // Role grants wait the administrator's delay: pass it on the chain's clock and execute them.
    await grantScheduledRoles(this.gw, reg.body);
    const key = await request(this.gw.app).post("/v1/api-keys").set(admin).send({ organization: code });
    expect(key.status, JSON.stringify(key.body)).to.equal(201);
    this.gw.keys[code] = key.body.key as string;
    return { code, auth: { Authorization: `Bearer ${key.body.key}` }, address: reg.body.result.account as string };
  }

  async suspend(code: string): Promise<void> {
    await request(this.gw.app).post(`/v1/participants/${code}/suspend`).set(this.gw.auth("CITY-ADMIN")).send({ reason: "audit" }).expect(200);
  }
}
