import crypto from "node:crypto";
import { EventEmitter } from "node:events";
import type { Provider } from "ethers";
import { requestHashOf } from "../../../scripts/lib/action-log";
import { currentRequestContext, type RequestActor } from "../../context";
import type { Db } from "../../db/connection";
import type { ActionLogRepository } from "../../db/repositories/action-log";
import type { IdempotencyRepository } from "../../db/repositories/idempotency";
import type { OutboxRepository } from "../../db/repositories/outbox";
import type { SubmissionRow, SubmissionsRepository } from "../../db/repositories/submissions";
import { ChainUnavailableError, ConflictError } from "../../errors";
import type { Logger } from "../../logger";
import { isChainUnreachable } from "../chain-errors";
import { extractRevertData, isRevert, revertErrorFrom } from "../revert";
import { CapturedSubmission, OwnKeyAccount, clientSigningScope, type TxSigner } from "./client-signing";
import { GroupCommit } from "./group-commit";
import { SignerBatches } from "./signer-batches";
import { SignerPass, type BatchJob } from "./signer-pass";
import { SignerQueues } from "./signer-queue";

/** One contract call (or a contract creation when `to` is null). Value is always 0: nobody holds ether here. */
export interface TxCall {
  to: string | null;
  data: string;
  /**
   * Set when the caller has already simulated this call under the effects of the submission's earlier calls
   * (`simulateWithState`): the pipeline uses this limit instead of estimating it against today's state.
   */
  gasLimit?: bigint;
}

/** `eth_call` state overrides by address: storage slots to set before the call (the effects of earlier calls). */
export type StateOverrides = Record<string, { stateDiff: Record<string, string> }>;

export interface SubmitRequest {
  /** The organisation the request is made for (owner of the submission). */
  orgCode: string;
  /** The key that signs (the organisation's own, or the administrator's for governance calls). */
  wallet: TxSigner;
  operation: string;
  /** Stored with the submission; the operation's result decoder reads them. JSON only. */
  params: unknown;
  calls: TxCall[];
  /** The idempotency claim this request holds; linked to the submission in the same database transaction. */
  idempotency?: { orgCode: string; key: string };
  /** Written in the same database transaction as the outbox rows (a relayed request's record). */
  record?: (submissionId: string) => void;
  /**
   * Gas limits of calls the caller has already simulated together (e.g. an approval and the purchase it allows, which
   * per-call estimates cannot check because the second needs the first's state); the pipeline then skips its own.
   */
  gasLimits?: bigint[];
}

export interface SubmitOutcome {
  submissionId: string;
  /** True when not every transaction reached the node (it was unreachable); the tracker keeps sending them. */
  deferred: boolean;
}

export interface PipelineOptions {
  gasPrice: bigint;
  gasLimitHeadroomPercent: number;
  /**
   * Gas limit given to a call that succeeds within it, checked by one `eth_call` at exactly this limit; a call that
   * does not (out of gas: a large batch) is estimated instead. 0 (the default): every call is estimated.
   */
  fixedGasLimit?: bigint;
}

export interface PipelineDeps {
  provider: Provider;
  db: Db;
  submissions: SubmissionsRepository;
  outbox: OutboxRepository;
  idempotency: IdempotencyRepository;
  /** Every submission gets its entry here in the same database transaction as its outbox rows. */
  actionLog: ActionLogRepository;
  log: Logger;
  options: PipelineOptions;
}

/** The api key id the action log names for what the gateway does on its own (deployment, bootstrap, anchoring). */
export const GATEWAY_ACTOR = "gateway";

/**
 * The write path: simulate → per-signer queue assigns nonces → sign → outbox row written (and fsynced) → send.
 * A revert in simulation is answered at once and uses no nonce. After the outbox write the request is accepted:
 * the tracker follows it to mined, and re-sends the same bytes if the node lost it.
 */
export class TxPipeline {
  readonly events = new EventEmitter();
  readonly queues: SignerQueues;
  readonly batches: SignerBatches<BatchJob>;
  readonly commits: GroupCommit;
  readonly #pass: SignerPass;
  #chainId: bigint | undefined;
  #inFlight = 0;

  constructor(private readonly deps: PipelineDeps) {
    this.events.setMaxListeners(0);
    this.commits = new GroupCommit(deps.db);
    this.queues = new SignerQueues((address) => this.initialNonce(address));
    this.#pass = new SignerPass(deps, this.commits, this.events);
    this.batches = new SignerBatches(this.queues, (jobs, counter) => this.#pass.run(jobs, counter));
  }

  /** Reconciles a signer's counter: the higher of the chain's pending count and the outbox's last live nonce + 1. */
  private async initialNonce(address: string): Promise<number> {
    let onChain: number;
    try {
      onChain = await this.deps.provider.getTransactionCount(address, "pending");
    } catch (err) {
      throw isChainUnreachable(err) ? new ChainUnavailableError() : err;
    }
    return Math.max(onChain, this.deps.outbox.maxLiveNonce(address) + 1);
  }

  private async chainId(): Promise<bigint> {
    if (this.#chainId === undefined) this.#chainId = (await this.deps.provider.getNetwork()).chainId;
    return this.#chainId;
  }

  /**
   * Simulates every call from the signer and answers the gas limit each is sent with; a revert throws the decoded
   * contract error (409/404/403/422).
   *
   * With a fixed gas limit (TX_GAS_LIMIT, at gas price 0) a call is simulated by one `eth_call` at that limit and sent
   * with it: what succeeded at exactly this limit on the latest state succeeds as the transaction, and the node runs
   * the call once, where `eth_estimateGas` runs it some 19 times (anvil and Besu search the lowest limit that
   * succeeds), under the lock that mining holds too. A call that needs more, or fails without revert data, is
   * estimated as before, which also decides between out of gas and a bare revert.
   */
  async simulate(from: string, calls: TxCall[]): Promise<bigint[]> {
    const limits: bigint[] = [];
    const fixed = this.deps.options.fixedGasLimit ?? 0n;
    for (const [index, call] of calls.entries()) {
      if (call.gasLimit !== undefined) {
        limits.push(call.gasLimit);
        continue;
      }
      const extra = calls.length > 1 ? { callIndex: index } : {};
      if (fixed > 0n) {
        try {
          await this.deps.provider.call({ from, to: call.to, data: call.data, value: 0n, gasLimit: fixed });
          limits.push(fixed);
          continue;
        } catch (err) {
          if (isChainUnreachable(err)) throw new ChainUnavailableError();
          if (extractRevertData(err)) throw revertErrorFrom(err, extra);
          // Out of gas at this limit, or a revert without data: the estimate below tells which.
        }
      }
      try {
        const estimate = await this.deps.provider.estimateGas({ from, to: call.to, data: call.data, value: 0n });
        limits.push((estimate * BigInt(100 + this.deps.options.gasLimitHeadroomPercent)) / 100n);
      } catch (err) {
        if (isChainUnreachable(err)) throw new ChainUnavailableError();
        if (isRevert(err)) throw revertErrorFrom(err, extra);
        throw err;
      }
    }
    return limits;
  }

  /**
   * Simulates one call as if `overrides` were already in the state (what the submission's earlier calls will have
   * done); a revert throws the decoded contract error, like `simulate`.
   */
  async simulateWithState(from: string, call: TxCall, overrides: StateOverrides, extra: Record<string, unknown> = {}): Promise<void> {
    try {
      await this.callWithState(call, overrides, from);
    } catch (err) {
      if (isRevert(err)) throw revertErrorFrom(err, extra);
      throw err;
    }
  }

  /** `eth_call` at the latest block under state overrides; answers the returned data. */
  async callWithState(call: TxCall, overrides: StateOverrides, from?: string): Promise<string> {
    const rpc = this.deps.provider as unknown as { send?: (method: string, params: unknown[]) => Promise<string> };
    if (typeof rpc.send !== "function") throw new Error("The provider cannot send raw JSON-RPC calls (state overrides need them)");
    try {
      return await rpc.send("eth_call", [{ ...(from ? { from } : {}), to: call.to, data: call.data }, "latest", overrides]);
    } catch (err) {
      if (isChainUnreachable(err)) throw new ChainUnavailableError();
      throw err;
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitOutcome> {
    const { wallet, calls } = request;
    if (calls.length === 0) throw new Error("A submission needs at least one call");
    // Prefer: sign=client: the caller signs; hand what would be sent back to the route instead of signing it.
    if (clientSigningScope()) throw new CapturedSubmission(request);
    if (wallet instanceof OwnKeyAccount) {
      throw new ConflictError("OWN_KEY_SIGNS", "This organisation keeps its own key: send the request with 'Prefer: sign=client', sign it and post it to /v1/signed-requests", {
        account: wallet.address,
        operation: request.operation,
      });
    }
    this.#inFlight++;
    try {
      return await this.prepareAndQueue(request, wallet);
    } finally {
      this.#inFlight--;
      this.events.emit("writesInFlight", this.#inFlight);
    }
  }

  /**
   * Writes being simulated, signed, committed or sent, not yet in the node's pool: the embedded node's block producer
   * waits for them before a block (BlockProducer.lingerMs), so that they share it.
   */
  get writesInFlight(): number {
    return this.#inFlight;
  }

  private async prepareAndQueue(request: SubmitRequest, wallet: TxSigner): Promise<SubmitOutcome> {
    const gasLimits = request.gasLimits ?? (await this.simulate(wallet.address, request.calls));
    const chainId = await this.chainId().catch((err) => {
      throw isChainUnreachable(err) ? new ChainUnavailableError() : err;
    });
    const submissionId = `tx_${crypto.randomUUID()}`;
    const log = this.deps.log.child({ submissionId, operation: request.operation, signer: wallet.address });
    // Captured here: the batch that signs and sends it runs outside this request's async context.
    const actor = this.actorOf(request);
    const context = currentRequestContext();
    return new Promise<SubmitOutcome>((resolve, reject) =>
      this.batches.enqueue(wallet.address, { request, wallet, gasLimits, chainId, submissionId, log, actor, context, resolve, reject }),
    );
  }

  /** Who the action log names for a submission: the HTTP request being served, or the gateway itself. */
  private actorOf(request: SubmitRequest): RequestActor {
    const fromRequest = currentRequestContext()?.actor?.();
    if (fromRequest) return fromRequest;
    return {
      at: new Date().toISOString(),
      org: request.orgCode,
      apiKeyId: GATEWAY_ACTOR,
      action: `gateway ${request.operation}`,
      requestHash: requestHashOf(request.params),
    };
  }

  /** The chain transactions of a submission, in order. */
  outboxRows(submissionId: string) {
    return this.deps.outbox.bySubmission(submissionId);
  }

  /** Resolves with the submission once it has ended, or undefined after `timeoutMs`. */
  waitFor(submissionId: string, timeoutMs: number): Promise<SubmissionRow | undefined> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const row = this.deps.submissions.get(submissionId);
        if (row && row.status !== "pending") {
          cleanup();
          resolve(row);
          return true;
        }
        return false;
      };
      const onCompleted = (id: string) => {
        if (id === submissionId) check();
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(undefined);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off("completed", onCompleted);
      };
      this.events.on("completed", onCompleted);
      check();
    });
  }
}
