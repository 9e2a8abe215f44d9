import { getAddress, type Interface, type Log, type Provider } from "ethers";
import { ROLES, type RoleName } from "../../scripts/lib/roles";
import type { ChainContracts } from "../chain/contracts";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxPipeline } from "../chain/tx/pipeline";
import { OwnKeyAccount, clientSigningScope } from "../chain/tx/client-signing";
import { ApiError, ChainUnavailableError, ConflictError, ForbiddenError, NotFoundError } from "../errors";
import { readChain } from "./chain-read";
import type { ParticipantService, ScheduledGrant } from "./participants";

/** The administrator's actions that go through AccessManager scheduling, with what each needs. */
export type GovernanceAction =
  | { action: "grantRole"; role: RoleName; account: string; executionDelay: number }
  | { action: "revokeRole"; role: RoleName; account: string }
  | { action: "recoverDataset"; datasetId: string; to: string; reason: string }
  | { action: "setAuthority"; contract: PausableName | "AuditAnchor" | "ParticipantRegistry"; authority: string }
  | { action: "setDatasetBaseURI"; uri: string }
  | { action: "setCreditURI"; uri: string }
  | { action: "setMarketFee"; feeBps: number; recipient: string }
  | { action: "setExchangeFee"; feeBps: number; recipient: string };

export const GOVERNANCE_ACTIONS = ["grantRole", "revokeRole", "recoverDataset", "setAuthority", "setDatasetBaseURI", "setCreditURI", "setMarketFee", "setExchangeFee"] as const;

/** The contracts the emergency brake pauses: every one with user-facing writes. */
export const PAUSABLE = ["DataAssetRegistry", "CarbonCreditRegistry", "SettlementToken", "CarbonMarket", "DataExchange"] as const;
export type PausableName = (typeof PAUSABLE)[number];

export type OperationState = "scheduled" | "ready" | "executed" | "cancelled" | "expired";

export interface GovernanceOperationDto {
  id: string;
  nonce: number;
  state: OperationState;
  /** The account that scheduled it (and alone may execute it). */
  caller: string;
  target: string;
  targetContract: string | null;
  selector: string;
  function: string | null;
  args: Record<string, string>;
  data: string;
  readyAt: string;
  expiresAt: string;
  scheduledTx: string;
  scheduledBlock: number;
  executedTx: string | null;
  cancelledTx: string | null;
}

export interface GovernanceStatusDto {
  paused: boolean;
  contracts: { name: PausableName; address: string; paused: boolean }[];
  admins: { account: string; executionDelay: number }[];
  /** The smallest execution delay of any administrator: how long any ADMIN action waits at least. */
  adminDelay: number;
  guardians: string[];
  now: string;
}

/**
 * Governance through the AccessManager: every administrator's action is scheduled (`schedule`), waits the
 * administrator's execution delay on chain, and is executed (`execute`) by whoever scheduled it, or cancelled meanwhile
 * by the GUARDIAN (or its scheduler). The list of operations comes from the AccessManager's own events, so nothing
 * the chain holds is missed, whoever scheduled it. The emergency brake pauses every user-facing contract at once.
 * Each call signs with the caller's own key (custodial) or is prepared for it to sign (`Prefer: sign=client`): the
 * gateway holds no administrator power of its own.
 */
export class GovernanceService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly provider: Provider,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    operations: OperationRegistry,
  ) {
    operations.register<{ action: string }>("governance.schedule", ({ receipts, params }) => {
      const scheduled = this.parse(receipts.flatMap((r) => r.logs)).find((e) => e.name === "OperationScheduled");
      if (!scheduled) return null;
      return { operationId: scheduled.args.operationId, nonce: Number(scheduled.args.nonce), readyAt: iso(Number(scheduled.args.schedule)), action: params.action };
    });
    operations.register<{ grants: { role: string; account: string }[] }>("governance.schedule-grants", ({ receipts, params }) =>
      this.parse(receipts.flatMap((r) => r.logs))
        .filter((e) => e.name === "OperationScheduled")
        .map((e, i) => ({ operationId: e.args.operationId, role: params.grants[i]?.role, account: params.grants[i]?.account, readyAt: iso(Number(e.args.schedule)) })),
    );
    operations.register<{ operationId: string }>("governance.execute", ({ params }) => ({ operationId: params.operationId, state: "executed" }));
    operations.register<{ operationId: string }>("governance.cancel", ({ params }) => ({ operationId: params.operationId, state: "cancelled" }));
    operations.register<{ paused: boolean; contracts: string[] }>("governance.pause", ({ params }) => params);
  }

  /** The call an action performs once executed. */
  encode(input: GovernanceAction): { target: string; data: string } {
    const c = this.contracts;
    const a = c.addresses;
    switch (input.action) {
      case "grantRole":
        return { target: a.accessManager, data: c.accessManager.interface.encodeFunctionData("grantRole", [ROLES[input.role], input.account, input.executionDelay]) };
      case "revokeRole":
        return { target: a.accessManager, data: c.accessManager.interface.encodeFunctionData("revokeRole", [ROLES[input.role], input.account]) };
      case "recoverDataset":
        return { target: a.dataAssets, data: c.dataAssets.interface.encodeFunctionData("recover", [BigInt(input.datasetId), input.to, input.reason]) };
      case "setAuthority":
        return { target: a.accessManager, data: c.accessManager.interface.encodeFunctionData("updateAuthority", [this.addressOfName(input.contract), input.authority]) };
      case "setDatasetBaseURI":
        return { target: a.dataAssets, data: c.dataAssets.interface.encodeFunctionData("setBaseURI", [input.uri]) };
      case "setCreditURI":
        return { target: a.carbon, data: c.carbon.interface.encodeFunctionData("setURI", [input.uri]) };
      case "setMarketFee":
        return { target: a.market, data: c.market.interface.encodeFunctionData("setFee", [input.feeBps, input.recipient]) };
      case "setExchangeFee":
        return { target: a.exchange, data: c.exchange.interface.encodeFunctionData("setFee", [input.feeBps, input.recipient]) };
    }
  }

  /**
   * Schedules an action for the caller's account: answered with the operation id once mined. The AccessManager
   * refuses (403) a caller that may not perform the action, and one that may perform it at once (nothing to wait for).
   */
  async schedule(orgCode: string, input: GovernanceAction, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const { target, data } = this.encode(input);
    const caller = this.participants.addressOf(orgCode);
    const selector = data.slice(0, 10);
    const [immediate, delay] = await readChain(() => this.contracts.accessManager.canCall(caller, target, selector));
    if (immediate) {
      throw new ConflictError("OPERATION_NOT_DELAYED", `${caller} may perform ${input.action} at once: there is nothing to schedule`, { action: input.action, caller });
    }
    if (delay === 0n) {
      throw new ForbiddenError("GOVERNANCE_NOT_PERMITTED", `${orgCode} may not perform ${input.action}`, { action: input.action, caller, target, selector });
    }
    const am = this.contracts.accessManager;
    return this.pipeline.submit({
      orgCode,
      wallet: await this.participants.walletOf(orgCode),
      operation: "governance.schedule",
      params: { action: input.action, target, data, caller },
      calls: [{ to: this.contracts.addresses.accessManager, data: am.interface.encodeFunctionData("schedule", [target, data, 0]) }],
      idempotency,
    });
  }

  /**
   * Schedules the administrator's grants of roles to accounts in one transaction and waits until it is mined (a
   * registration with roles admits the organisation only once its grants are on the way). The gateway must hold the
   * administrator's key: an administrator with its own key schedules each grantRole itself (Prefer: sign=client).
   */
  async scheduleGrants(orgCode: string, grants: { role: RoleName; account: string; executionDelay: number }[]): Promise<ScheduledGrant[]> {
    const wallet = await this.participants.walletOf(orgCode);
    if (wallet instanceof OwnKeyAccount || clientSigningScope()) {
      throw new ConflictError(
        "ROLE_GRANTS_NEED_SCHEDULING",
        "The administrator keeps its own key: admit the organisation without roles, then schedule each grantRole (POST /v1/governance/operations with Prefer: sign=client)",
        { grants },
      );
    }
    const am = this.contracts.accessManager;
    const calls = grants.map((g) => am.interface.encodeFunctionData("schedule", [this.contracts.addresses.accessManager, this.encode({ action: "grantRole", ...g }).data, 0]));
    const outcome = await this.pipeline.submit({
      orgCode,
      wallet,
      operation: "governance.schedule-grants",
      params: { grants: grants.map((g) => ({ role: g.role, account: g.account })) },
      calls: [{ to: this.contracts.addresses.accessManager, data: am.interface.encodeFunctionData("multicall", [calls]) }],
    });
    const done = await this.pipeline.waitFor(outcome.submissionId, 60_000);
    if (!done) throw new ChainUnavailableError("The scheduling of the role grants is not mined yet; see the transaction", { submissionId: outcome.submissionId });
    if (done.status !== "mined") {
      const e = done.error!;
      throw new ApiError(e.status, e.code, e.message, e.details);
    }
    return done.result as ScheduledGrant[];
  }

  /** Executes a ready operation; only its scheduler can (the AccessManager keys operations by their caller). */
  async execute(orgCode: string, id: string, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const op = await this.get(id);
    const caller = this.participants.addressOf(orgCode);
    if (op.caller !== caller) {
      throw new ForbiddenError("NOT_THE_SCHEDULER", `Operation ${id} was scheduled by ${op.caller}; only that account can execute it`, { operationId: id, scheduler: op.caller, caller });
    }
    if (op.state === "scheduled") {
      throw new ConflictError("OPERATION_NOT_READY", `Operation ${id} is ready at ${op.readyAt}`, { operationId: id, readyAt: op.readyAt, now: iso(await this.now()) });
    }
    this.assertOpen(op);
    return this.pipeline.submit({
      orgCode,
      wallet: await this.participants.walletOf(orgCode),
      operation: "governance.execute",
      params: { operationId: id, target: op.target, function: op.function },
      calls: [{ to: this.contracts.addresses.accessManager, data: this.contracts.accessManager.interface.encodeFunctionData("execute", [op.target, op.data]) }],
      idempotency,
    });
  }

  /** Cancels a scheduled operation: its scheduler or a GUARDIAN (the AccessManager checks which). */
  async cancel(orgCode: string, id: string, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const op = await this.get(id);
    this.assertOpen(op);
    const caller = this.participants.addressOf(orgCode);
    const [guardian] = await readChain(() => this.contracts.accessManager.hasRole(ROLES.GUARDIAN, caller));
    if (op.caller !== caller && !guardian) {
      throw new ForbiddenError("NOT_GUARDIAN_OR_SCHEDULER", `Only a guardian or the scheduler (${op.caller}) can cancel operation ${id}`, { operationId: id, scheduler: op.caller, caller });
    }
    return this.pipeline.submit({
      orgCode,
      wallet: await this.participants.walletOf(orgCode),
      operation: "governance.cancel",
      params: { operationId: id },
      calls: [{ to: this.contracts.addresses.accessManager, data: this.contracts.accessManager.interface.encodeFunctionData("cancel", [op.caller, op.target, op.data]) }],
      idempotency,
    });
  }

  /** Pauses (or unpauses) every user-facing contract that is not paused (paused) yet, in one submission of the guardian. */
  async setPaused(orgCode: string, paused: boolean, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const status = await this.pauseStatus();
    const todo = status.filter((c) => c.paused !== paused);
    if (todo.length === 0) {
      throw new ConflictError(paused ? "ALREADY_PAUSED" : "NOT_PAUSED", paused ? "Every contract is paused already" : "No contract is paused", {});
    }
    const caller = this.participants.addressOf(orgCode);
    const [guardian] = await readChain(() => this.contracts.accessManager.hasRole(ROLES.GUARDIAN, caller));
    if (!guardian) throw new ForbiddenError("NOT_GUARDIAN", `${orgCode}'s account ${caller} does not hold the GUARDIAN role`, { caller });
    return this.pipeline.submit({
      orgCode,
      wallet: await this.participants.walletOf(orgCode),
      operation: "governance.pause",
      params: { paused, contracts: todo.map((c) => c.name) },
      // pause() and unpause() have the same selector on every contract (no arguments).
      calls: todo.map((c) => ({ to: c.address, data: paused ? this.contracts.carbon.interface.encodeFunctionData("pause") : this.contracts.carbon.interface.encodeFunctionData("unpause") })),
      idempotency,
    });
  }

  async status(): Promise<GovernanceStatusDto> {
    const contracts = await this.pauseStatus();
    const admins = await this.members(ROLES.ADMIN);
    const guardians = await this.members(ROLES.GUARDIAN);
    return {
      paused: contracts.every((c) => c.paused),
      contracts,
      admins,
      adminDelay: admins.length ? Math.min(...admins.map((a) => a.executionDelay)) : 0,
      guardians: guardians.map((g) => g.account),
      now: iso(await this.now()),
    };
  }

  /** Every operation the AccessManager scheduled, newest first, with its state now. */
  async list(filter: { state?: OperationState } = {}): Promise<GovernanceOperationDto[]> {
    const logs = await readChain(() =>
      this.provider.getLogs({ address: this.contracts.addresses.accessManager, fromBlock: this.contracts.record.deploymentBlock, toBlock: "latest" }),
    );
    const events = this.parse(logs);
    const [now, expiration] = await Promise.all([this.now(), readChain(() => this.contracts.accessManager.expiration())]);
    const ended = new Map<string, { state: "executed" | "cancelled"; tx: string }>();
    for (const e of events) {
      if (e.name === "OperationExecuted" || e.name === "OperationCanceled") {
        ended.set(`${e.args.operationId}:${e.args.nonce}`, { state: e.name === "OperationExecuted" ? "executed" : "cancelled", tx: e.tx });
      }
    }
    const ops = events
      .filter((e) => e.name === "OperationScheduled")
      .map((e): GovernanceOperationDto => {
        const id = String(e.args.operationId);
        const nonce = Number(e.args.nonce);
        const readyAt = Number(e.args.schedule);
        const end = ended.get(`${id}:${e.args.nonce}`);
        const state: OperationState = end?.state ?? (now >= readyAt + Number(expiration) ? "expired" : now >= readyAt ? "ready" : "scheduled");
        const target = getAddress(String(e.args.target));
        const data = String(e.args.data);
        const decoded = this.decodeCall(target, data);
        return {
          id,
          nonce,
          state,
          caller: getAddress(String(e.args.caller)),
          target,
          targetContract: decoded.contract,
          selector: data.slice(0, 10),
          function: decoded.fn,
          args: decoded.args,
          data,
          readyAt: iso(readyAt),
          expiresAt: iso(readyAt + Number(expiration)),
          scheduledTx: e.tx,
          scheduledBlock: e.block,
          executedTx: end?.state === "executed" ? end.tx : null,
          cancelledTx: end?.state === "cancelled" ? end.tx : null,
        };
      })
      .reverse();
    return filter.state ? ops.filter((o) => o.state === filter.state) : ops;
  }

  /** An operation by id (its latest scheduling). */
  async get(id: string): Promise<GovernanceOperationDto> {
    const op = (await this.list()).find((o) => o.id === id.toLowerCase());
    if (!op) throw new NotFoundError("OPERATION_NOT_FOUND", `No scheduled operation ${id}`, { operationId: id });
    return op;
  }

  private assertOpen(op: GovernanceOperationDto): void {
    if (op.state === "executed" || op.state === "cancelled" || op.state === "expired") {
      throw new ConflictError(`OPERATION_${op.state.toUpperCase()}`, `Operation ${op.id} is ${op.state}`, { operationId: op.id, state: op.state });
    }
  }

  /** Current members of a role with their execution delays, from the AccessManager's grants. */
  private async members(role: bigint): Promise<{ account: string; executionDelay: number }[]> {
    const am = this.contracts.accessManager;
    const logs = await readChain(() => am.queryFilter(am.filters.RoleGranted(role), this.contracts.record.deploymentBlock, "latest"));
    const accounts = [...new Set(logs.map((l) => getAddress(l.args.account)))];
    const held = await Promise.all(accounts.map(async (account) => ({ account, access: await readChain(() => am.hasRole(role, account)) })));
    return held.filter((h) => h.access[0]).map((h) => ({ account: h.account, executionDelay: Number(h.access[1]) }));
  }

  private async pauseStatus(): Promise<{ name: PausableName; address: string; paused: boolean }[]> {
    return Promise.all(
      PAUSABLE.map(async (name) => {
        const contract = this.pausable(name);
        return { name, address: await contract.getAddress(), paused: await readChain(() => contract.paused()) };
      }),
    );
  }

  private pausable(name: PausableName) {
    const c = this.contracts;
    return { DataAssetRegistry: c.dataAssets, CarbonCreditRegistry: c.carbon, SettlementToken: c.settlement, CarbonMarket: c.market, DataExchange: c.exchange }[name];
  }

  private addressOfName(name: string): string {
    const a = this.contracts.addresses;
    const byName: Record<string, string> = {
      DataAssetRegistry: a.dataAssets,
      CarbonCreditRegistry: a.carbon,
      SettlementToken: a.settlement,
      CarbonMarket: a.market,
      DataExchange: a.exchange,
      AuditAnchor: a.auditAnchor,
      ParticipantRegistry: a.participants,
    };
    return byName[name];
  }

  /** Names the function and arguments of an operation's call, for people reading the list before it runs. */
  private decodeCall(target: string, data: string): { contract: string | null; fn: string | null; args: Record<string, string> } {
    const c = this.contracts;
    const known: [string, string, Interface][] = [
      ["CityAccessManager", c.addresses.accessManager, c.accessManager.interface],
      ["DataAssetRegistry", c.addresses.dataAssets, c.dataAssets.interface],
      ["CarbonCreditRegistry", c.addresses.carbon, c.carbon.interface],
      ["SettlementToken", c.addresses.settlement, c.settlement.interface],
      ["CarbonMarket", c.addresses.market, c.market.interface],
      ["DataExchange", c.addresses.exchange, c.exchange.interface],
      ["ParticipantRegistry", c.addresses.participants, c.participants.interface],
      ["AuditAnchor", c.addresses.auditAnchor, c.auditAnchor.interface],
    ];
    const match = known.find(([, address]) => getAddress(address) === target);
    if (!match) return { contract: null, fn: null, args: {} };
    try {
      const tx = match[2].parseTransaction({ data });
      if (!tx) return { contract: match[0], fn: null, args: {} };
      const args = Object.fromEntries(tx.fragment.inputs.map((input, i) => [input.name || `arg${i}`, String(tx.args[i])]));
      return { contract: match[0], fn: tx.name, args };
    } catch {
      return { contract: match[0], fn: null, args: {} };
    }
  }

  private parse(logs: readonly Log[]): { name: string; args: Record<string, unknown>; tx: string; block: number }[] {
    const iface = this.contracts.accessManager.interface;
    const out: { name: string; args: Record<string, unknown>; tx: string; block: number }[] = [];
    for (const log of logs) {
      if (getAddress(log.address) !== getAddress(this.contracts.addresses.accessManager)) continue;
      const parsed = iface.parseLog(log);
      if (!parsed || !["OperationScheduled", "OperationExecuted", "OperationCanceled"].includes(parsed.name)) continue;
      const args = Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i]]));
      out.push({ name: parsed.name, args: { ...args, operationId: String(args.operationId).toLowerCase() }, tx: log.transactionHash, block: log.blockNumber });
    }
    return out;
  }

  private async now(): Promise<number> {
    const block = await readChain(() => this.provider.getBlock("latest"));
    return block!.timestamp;
  }
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
