import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, getAddress, parseEther, type BaseWallet } from "ethers";
import pino from "pino";
import { auditChain } from "../../scripts/audit/audit-chain";
import { ensureDeployment, attachSystem, type DeploymentRecord } from "../../scripts/lib/deployment";
import { GATEWAY_ACCOUNTS_FILE, performGenesis, readGatewayAccounts } from "../../scripts/lib/genesis";
import { ROLES } from "../../scripts/lib/roles";
import { EmbeddedNode } from "../../server/chain/anvil";
import type { SignableRequest } from "../../server/client/forward-request";
import { expectNoKeyIn } from "./helpers/own-key";
import { GatewayProcess, api, freePort, tempDataDir } from "./helpers/processes";

/**
 * Issue 11: with RPC_URL the gateway holds no ADMIN key. A node of its own (anvil), the system deployed and the genesis
 * done by an administrator's wallet that exists only in this test, the gateway started against it with its
 * operational keys alone; the administrator governs by signing what the gateway prepares.
 */
describe("production gateway without an administrator key (RPC_URL, real processes)", function () {
  this.timeout(120_000);
  const ADMIN_DELAY = 3_600;
  const ADMIN_API_KEY = `cal_test_${"a".repeat(40)}`;
  let node: EmbeddedNode;
  let provider: JsonRpcProvider;
  let dataDir: string;
  let adminDir: string;
  let admin: BaseWallet;
  let record: DeploymentRecord;
  const gateways: GatewayProcess[] = [];

  const gateway = async (env: Record<string, string> = {}) => {
    const gw = new GatewayProcess(dataDir, await freePort(), await freePort(), {
      env: { RPC_URL: node.url, KEYSTORE_PASSWORD: "production-test-password", ADMIN_API_KEY, ANCHOR_INTERVAL_MS: "500", ...env },
    });
    gateways.push(gw);
    return gw;
  };
  const chainTime = async () => (await provider.getBlock("latest"))!.timestamp;
  const passTime = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };
  const signTyped = (typed: Pick<SignableRequest, "domain" | "types" | "message">) =>
    admin.signTypedData({ ...typed.domain, chainId: BigInt(typed.domain.chainId) }, typed.types, typed.message);
  /** The administrator's own-key round trip: the gateway prepares the ForwardRequest, the wallet signs, the gateway relays. */
  const signAndRelay = async (gw: GatewayProcess, method: string, url: string, body?: unknown) => {
    const prepared = await api(gw, ADMIN_API_KEY, method, url, body, { Prefer: "sign=client" });
    if (prepared.status !== 200) return prepared;
    const { domain, types, primaryType, message } = prepared.body as SignableRequest;
    return api(gw, ADMIN_API_KEY, "POST", "/v1/signed-requests", { request: { domain, types, primaryType, message }, signature: await signTyped({ domain, types, message }) });
  };

  before(async function () {
    dataDir = tempDataDir("cal-prod-");
    adminDir = tempDataDir("cal-prod-admin-");
    node = new EmbeddedNode({ port: await freePort(), dataDir: adminDir, stateIntervalSeconds: 60, blockPeriodMs: 0, log: pino({ level: "silent" }) });
    await node.start();
    provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1 });
    admin = Wallet.createRandom().connect(provider);
    await provider.send("anvil_setBalance", [admin.address, `0x${parseEther("100").toString(16)}`]);
  });
  after(async function () {
    for (const gw of gateways) await gw.cleanup();
    provider?.destroy();
    await node?.stop();
    for (const dir of [dataDir, adminDir]) fs.rmSync(dir, { recursive: true, force: true });
  });

  // ADMIN_PRIVATE_KEY with RPC_URL is refused by the configuration (test/server/config.test.ts).
  it("without a deployment it creates only its operational keys, writes their accounts for the administrators and stops", async function () {
    const first = await gateway();
    expect((await first.exited).code).to.not.equal(0);
    expect(first.output.join("\n")).to.contain(GATEWAY_ACCOUNTS_FILE).and.to.contain("No deployment");
    expect(fs.existsSync(path.join(dataDir, "deployment.json"))).to.equal(false);
    expect(fs.readdirSync(path.join(dataDir, "keystore")).sort()).to.deep.equal(["CITY-OPERATOR.ANCHOR.json", "CITY-OPERATOR.json"]);
  });

  it("the administrators deploy and do the genesis with their own key; the gateway starts holding no ADMIN key", async function () {
    // The administrator's side, outside the gateway: the accounts file it was handed, its own wallet, its own directory.
    const accounts = readGatewayAccounts(path.join(dataDir, GATEWAY_ACCOUNTS_FILE));
    record = await ensureDeployment({ signer: admin, dataDir: adminDir });
    expect(await performGenesis(admin, record, { ...accounts, adminDelay: ADMIN_DELAY })).to.equal("done");
    fs.copyFileSync(path.join(adminDir, "deployment.json"), path.join(dataDir, "deployment.json"));

    const gw = await gateway();
    await gw.ready();
    const { accessManager } = attachSystem(record, provider);
    // Every key the gateway holds, read from its keystore files: none is an administrator on chain.
    const held = fs.readdirSync(path.join(dataDir, "keystore")).map((f) => getAddress(JSON.parse(fs.readFileSync(path.join(dataDir, "keystore", f), "utf8")).address));
    expect(held).to.include.members([accounts.governor, accounts.anchorer]);
    for (const address of held) expect((await accessManager.hasRole(ROLES.ADMIN, address))[0], address).to.equal(false);
    expect((await accessManager.hasRole(ROLES.GOVERNOR, accounts.governor))[0]).to.equal(true);
    expect((await accessManager.hasRole(ROLES.ANCHORER, accounts.anchorer))[0]).to.equal(true);
    expect(await accessManager.hasRole(ROLES.ADMIN, admin.address)).to.deep.equal([true, BigInt(ADMIN_DELAY)]);
    expectNoKeyIn(dataDir, admin.privateKey, "CITY-ADMIN");
  });

  it("admits a participant without roles with the operator's key; role grants are the administrator's, signed by its wallet and scheduled", async function () {
    const gw = gateways.at(-1)!;
    const code = "AGENCY-PARKS";
    const admitted = await api(gw, ADMIN_API_KEY, "POST", "/v1/participants", { code, name: "Department of Parks", kind: "CityAgency" });
    expect(admitted.status, JSON.stringify(admitted.body)).to.equal(201);
    const accounts = readGatewayAccounts(path.join(dataDir, GATEWAY_ACCOUNTS_FILE));
    expect((await provider.getTransaction(admitted.body.transaction.hash))!.from).to.equal(accounts.governor);
    const account = admitted.body.result.account as string;
    const withRoles = await api(gw, ADMIN_API_KEY, "POST", "/v1/participants", { code: "AGENCY-ROADS", name: "Roads", kind: "CityAgency", roles: ["REGISTRAR"] });
    expect(withRoles.status).to.equal(409);
    expect(withRoles.body.error.code).to.equal("ROLE_GRANTS_NEED_SCHEDULING");

    // The gateway cannot sign for the administrator: the write is prepared for the administrator's own key.
    const grant = { action: "grantRole", role: "REGISTRAR", account, executionDelay: 0 };
    const unsigned = await api(gw, ADMIN_API_KEY, "POST", "/v1/governance/operations", grant);
    expect(unsigned.status).to.equal(409);
    expect(unsigned.body.error.code).to.equal("OWN_KEY_SIGNS");
    const scheduled = await signAndRelay(gw, "POST", "/v1/governance/operations", grant);
    expect(scheduled.status, JSON.stringify(scheduled.body)).to.equal(201);
    const { operationId } = scheduled.body.result;
    const { accessManager } = attachSystem(record, provider);
    // Keyed by the administrator (the signer), not by the relayer; the delay read on chain, not from the gateway.
    expect(operationId).to.equal(await accessManager.hashOperation(admin.address, record.contracts.accessManager.address, accessManager.interface.encodeFunctionData("grantRole", [ROLES.REGISTRAR, account, 0])));
    const [, delay] = await accessManager.getAccess(ROLES.ADMIN, admin.address);
    const scheduledAt = (await provider.getBlock((await provider.getTransactionReceipt(scheduled.body.transaction.hash))!.blockNumber))!.timestamp;
    const readyAt = Number(await accessManager.getSchedule(operationId));
    expect(readyAt).to.equal(scheduledAt + Number(delay));

    const listed = await api(gw, ADMIN_API_KEY, "GET", "/v1/governance/operations");
    const op = (listed.body.items as { id: string; state: string; readyAt: string; caller: string }[]).find((o) => o.id === operationId)!;
    expect(op).to.deep.include({ state: "scheduled", readyAt: new Date(readyAt * 1000).toISOString(), caller: admin.address });

    const early = await signAndRelay(gw, "POST", `/v1/governance/operations/${operationId}/execute`);
    expect(early.status).to.equal(409);
    expect(early.body.error.code).to.equal("OPERATION_NOT_READY");
    expect((await accessManager.hasRole(ROLES.REGISTRAR, account))[0]).to.equal(false);

    await passTime(readyAt - (await chainTime()));
    const executed = await signAndRelay(gw, "POST", `/v1/governance/operations/${operationId}/execute`);
    expect(executed.status, JSON.stringify(executed.body)).to.equal(200);
    expect((await accessManager.hasRole(ROLES.REGISTRAR, account))[0]).to.equal(true);
  });

  it("the audit verifies that deployment and its history (wiring, role holders and delays against the permission policy): no discrepancy", async function () {
    const report = await auditChain({ provider, deployment: record });
    expect(report.discrepancies).to.deep.equal([]);
  });

  it("refuses to start (non-zero exit, naming the key) once an account it holds has the ADMIN role", async function () {
    await gateways.at(-1)!.stop();
    const accounts = readGatewayAccounts(path.join(dataDir, GATEWAY_ACCOUNTS_FILE));
    const { accessManager } = attachSystem(record, admin);
    const call = accessManager.interface.encodeFunctionData("grantRole", [ROLES.ADMIN, accounts.anchorer, ADMIN_DELAY]);
    await (await accessManager.schedule(record.contracts.accessManager.address, call, 0)).wait();
    await passTime(ADMIN_DELAY);
    await (await accessManager.execute(record.contracts.accessManager.address, call)).wait();
    // ADMIN's grant delay (DELAYS.ADMIN_GRANT) before the membership takes effect.
    const [since] = await accessManager.getAccess(ROLES.ADMIN, accounts.anchorer);
    await passTime(Math.max(0, Number(since) - (await chainTime())));
    expect((await accessManager.hasRole(ROLES.ADMIN, accounts.anchorer))[0]).to.equal(true);

    const refused = await gateway();
    const exit = await refused.exited;
    expect(exit.code).to.not.equal(0);
    expect(refused.output.join("\n")).to.contain("The gateway holds keys with the ADMIN role").and.to.contain(accounts.anchorer);
  });
});
