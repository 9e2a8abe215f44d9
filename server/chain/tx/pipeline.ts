import crypto from "node:crypto";
import { EventEmitter } from "node:events";
import { keccak256, type Provider } from "ethers";
import { requestHashOf } from "../../../scripts/lib/action-log";
import { currentRequestContext, type RequestActor } from "../../context";
import type { Db } from "../../db/connection";
import type { ActionLogRepository } from "../../db/repositories/action-log";
import type { IdempotencyRepository } from "../../db/repositories/idempotency";
import type { OutboxRepository } from "../../db/repositories/outbox";
import type { SubmissionRow, SubmissionsRepository } from "../../db/repositories/submissions";
import { ChainRejectedError, ChainUnavailableError, ConflictError } from "../../errors";
import type { Logger } from "../../logger";
import { isAlreadyKnown, isChainUnreachable, isNonceTooLow, rpcErrorMessage } from "../chain-errors";
import { isRevert, revertErrorFrom } from "../revert";
import { CapturedSubmission, OwnKeyAccount, clientSigningScope, type TxSigner } from "./client-signing";
import { GroupCommit } from "./group-commit";
import { sendRawTransaction } from "./send-raw";
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
  readonly commits: GroupCommit;
  #chainId: bigint | undefined;

  constructor(private readonly deps: PipelineDeps) {
    this.events.setMaxListeners(0);
    this.commits = new GroupCommit(deps.db);
    this.queues = new SignerQueues((address) => this.initialNonce(address));
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

  /** Simulates every call from the signer; a revert throws the decoded contract error (409/404/403/422). */
  async simulate(from: string, calls: TxCall[]): Promise<bigint[]> {
    const limits: bigint[] = [];
    for (const [index, call] of calls.entries()) {
      if (call.gasLimit !== undefined) {
        limits.push(call.gasLimit);
        continue;
      }
      try {
        const estimate = await this.deps.provider.estimateGas({ from, to: call.to, data: call.data, value: 0n });
        limits.push((estimate * BigInt(100 + this.deps.options.gasLimitHeadroomPercent)) / 100n);
      } catch (err) {
        if (isChainUnreachable(err)) throw new ChainUnavailableError();
        if (isRevert(err)) throw revertErrorFrom(err, calls.length > 1 ? { callIndex: index } : {});
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
    const gasLimits = request.gasLimits ?? (await this.simulate(wallet.address, calls));
    const chainId = await this.chainId().catch((err) => {
      throw isChainUnreachable(err) ? new ChainUnavailableError() : err;
    });
    const submissionId = `tx_${crypto.randomUUID()}`;
    const log = this.deps.log.child({ submissionId, operation: request.operation, signer: wallet.address });

    return this.queues.run(wallet.address, async (counter) => {
      const first = counter.next;
      const signed = await Promise.all(
        calls.map(async (call, i) => {
          const raw = await wallet.signTransaction({
            type: 0,
            chainId,
            nonce: first + i,
            to: call.to,
            data: call.data,
            value: 0n,
            gasLimit: gasLimits[i],
            gasPrice: this.deps.options.gasPrice,
          });
          return { raw, hash: hashOf(raw), to: call.to };
        }),
      );

      const ids: number[] = [];
      const actor = this.actorOf(request);
      const context = currentRequestContext();
      // Durable (fsynced, with whatever other writes commit in the same turn) before anything is sent or answered.
      await this.commits.commit(() => {
        this.deps.submissions.insert({ id: submissionId, orgCode: request.orgCode, operation: request.operation, params: request.params });
        signed.forEach((tx, seq) =>
          ids.push(
            this.deps.outbox.insert({ submissionId, seq, signer: wallet.address, nonce: first + seq, txHash: tx.hash, raw: tx.raw, to: tx.to }),
          ),
        );
        if (request.idempotency) this.deps.idempotency.attachSubmission(request.idempotency.orgCode, request.idempotency.key, submissionId);
        this.deps.actionLog.append(entryOf(actor, submissionId, signed, 202));
        request.record?.(submissionId);
      });
      if (context) (context.submissions ??= []).push(submissionId);
      counter.advance(signed.length);
      log.debug({ firstNonce: first, count: signed.length }, "written to outbox");

      let deferred = false;
      for (const [i, tx] of signed.entries()) {
        try {
          await sendRawTransaction(this.deps.provider, tx.raw);
          this.deps.outbox.markSent(ids[i], Date.now());
        } catch (err) {
          if (isAlreadyKnown(err)) {
            this.deps.outbox.markSent(ids[i], Date.now());
          } else if (isChainUnreachable(err)) {
            // Accepted all the same: the outbox has it and the tracker sends it when the node is back.
            deferred = true;
            log.warn({ nonce: first + i }, "node unreachable while sending; the tracker will send it again");
          } else {
            // The node refused it outright: nothing from here on was sent, so the nonces go back to the counter.
            const reason = rpcErrorMessage(err);
            this.deps.db.transaction(() => {
              for (let j = i; j < signed.length; j++) this.deps.outbox.markTerminal(ids[j], "rejected", { reason });
              // The log says which of the transactions it named never reached the chain.
              this.deps.actionLog.append(entryOf(actor, submissionId, signed.slice(i), 502));
            })();
            counter.rewindTo(first + i);
            if (isNonceTooLow(err)) await counter.resync().catch(() => undefined);
            log.error({ nonce: first + i, reason }, "node refused the transaction");
            if (i === 0) {
              const error = new ChainRejectedError(`The node refused the transaction: ${reason}`, { reason });
              this.deps.submissions.complete(submissionId, "rejected", null, {
                status: error.status,
                code: error.code,
                message: error.message,
                details: error.details,
              });
              this.events.emit("completed", submissionId);
              throw error;
            }
            break;
          }
        }
      }
      this.events.emit("submitted", submissionId);
      return { submissionId, deferred };
    });
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

function entryOf(actor: RequestActor, submissionId: string, txs: { hash: string }[], status: number) {
  return { ...actor, status, txHash: txs[txs.length - 1].hash, txHashes: txs.map((t) => t.hash), submissionId };
}

/** The hash of a signed transaction is the keccak256 of its bytes. */
const hashOf = (raw: string): string => keccak256(raw);
