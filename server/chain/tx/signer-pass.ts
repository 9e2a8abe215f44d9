import type { EventEmitter } from "node:events";
import { keccak256 } from "ethers";
import type { currentRequestContext, RequestActor } from "../../context";
import { ChainRejectedError } from "../../errors";
import type { Logger } from "../../logger";
import { isAlreadyKnown, isChainUnreachable, isNonceTooLow, rpcErrorMessage } from "../chain-errors";
import type { TxSigner } from "./client-signing";
import type { GroupCommit } from "./group-commit";
import type { PipelineDeps, SubmitOutcome, SubmitRequest } from "./pipeline";
import { sendRawTransaction } from "./send-raw";
import type { NonceCounter } from "./signer-queue";

/**
 * A signer's critical section, run by SignerBatches over every write that waited for it: nonces, signatures, the
 * durable outbox commit and the sends. TxPipeline prepares the writes (simulation, limits, who asked) and hands them
 * here; the outcome of each reaches its caller through the job's resolve/reject.
 */
export class SignerPass {
  constructor(
    private readonly deps: PipelineDeps,
    private readonly commits: GroupCommit,
    /** TxPipeline's events: "submitted" once a write's transactions are sent, "completed" once one is refused. */
    private readonly events: EventEmitter,
  ) {}

  /**
   * One pass of a signer's critical section over every write that waited for it: nonces in arrival order, signatures,
   * one durable outbox commit for all of them, then the sends in nonce order, each write answered once its own
   * transactions are sent. A write whose database part fails is refused alone; the writes after it are signed again
   * in the next pass (their nonces moved). A transaction the node refuses outright takes back its nonce and every
   * later one: the writes after it in this pass were never sent, so they are refused too (502, nothing on chain) and
   * the log says so.
   */
  async run(jobs: BatchJob[], counter: NonceCounter): Promise<BatchJob[]> {
    const prepared: Prepared[] = [];
    let nonce = counter.next;
    for (const job of jobs) {
      try {
        const signed = await this.sign(job, nonce);
        prepared.push({ job, first: nonce, signed, ids: [] });
        nonce += signed.length;
      } catch (err) {
        job.reject(err);
      }
    }

    const written: Prepared[] = [];
    let retry: BatchJob[] = [];
    // Durable (fsynced, with whatever other signers' writes commit in the same turn) before anything is sent or answered.
    await this.commits.commit(() => {
      for (const [k, p] of prepared.entries()) {
        try {
          this.deps.db.transaction(() => this.write(p))();
          written.push(p);
        } catch (err) {
          p.job.reject(err);
          retry = prepared.slice(k + 1).map((later) => later.job);
          break;
        }
      }
    });
    for (const p of written) {
      counter.advance(p.signed.length);
      if (p.job.context) (p.job.context.submissions ??= []).push(p.job.submissionId);
      p.job.log.debug({ firstNonce: p.first, count: p.signed.length, batch: written.length }, "written to outbox");
    }

    let unreachable = false;
    for (const [k, p] of written.entries()) {
      let deferred = unreachable;
      for (const [i, tx] of p.signed.entries()) {
        if (unreachable) break;
        try {
          await sendRawTransaction(this.deps.provider, tx.raw);
          this.deps.outbox.markSent(p.ids[i], Date.now());
        } catch (err) {
          if (isAlreadyKnown(err) || (isNonceTooLow(err) && (await this.nodeHas(tx.hash)))) {
            // The node has these very bytes: the tracker sent them again first (a long pass, or after a restart).
            this.deps.outbox.markSent(p.ids[i], Date.now());
          } else if (isChainUnreachable(err)) {
            // Accepted all the same: the outbox has them and the tracker sends them when the node is back.
            deferred = unreachable = true;
            p.job.log.warn({ nonce: p.first + i }, "node unreachable while sending; the tracker will send it again");
          } else {
            await this.refused(err, p, i, written.slice(k + 1), counter);
            return retry;
          }
        }
      }
      this.events.emit("submitted", p.job.submissionId);
      p.job.resolve({ submissionId: p.job.submissionId, deferred });
    }
    return retry;
  }

  /** Whether the node knows the transaction (in its pool or mined); a node that cannot say counts as not. */
  private async nodeHas(hash: string): Promise<boolean> {
    return (await this.deps.provider.getTransaction(hash).catch(() => null)) !== null;
  }

  private async sign(job: BatchJob, first: number): Promise<SignedTx[]> {
    return Promise.all(
      job.request.calls.map(async (call, i) => {
        const raw = await job.wallet.signTransaction({
          type: 0,
          chainId: job.chainId,
          nonce: first + i,
          to: call.to,
          data: call.data,
          value: 0n,
          gasLimit: job.gasLimits[i],
          gasPrice: this.deps.options.gasPrice,
        });
        return { raw, hash: hashOf(raw), to: call.to };
      }),
    );
  }

  /** A write's database part: submission, outbox rows, idempotency link, action log entry, the caller's record. */
  private write(p: Prepared): void {
    const { job, signed, first } = p;
    const { request, submissionId } = job;
    this.deps.submissions.insert({ id: submissionId, orgCode: request.orgCode, operation: request.operation, params: request.params });
    signed.forEach((tx, seq) =>
      p.ids.push(this.deps.outbox.insert({ submissionId, seq, signer: job.wallet.address, nonce: first + seq, txHash: tx.hash, raw: tx.raw, to: tx.to })),
    );
    if (request.idempotency) this.deps.idempotency.attachSubmission(request.idempotency.orgCode, request.idempotency.key, submissionId);
    this.deps.actionLog.append(entryOf(job.actor, submissionId, signed, 202));
    request.record?.(submissionId);
  }

  /**
   * The node refused `p`'s transaction `i` outright: it and everything after it in this pass were never sent, so their
   * nonces go back to the counter and the log records each as never reaching the chain.
   */
  private async refused(err: unknown, p: Prepared, i: number, later: Prepared[], counter: NonceCounter): Promise<void> {
    const reason = rpcErrorMessage(err);
    const nonce = p.first + i;
    const behind = { reason: `not sent: the node refused this signer's transaction with nonce ${nonce} before it: ${reason}`, refusedNonce: nonce };
    this.deps.db.transaction(() => {
      for (let j = i; j < p.signed.length; j++) this.deps.outbox.markTerminal(p.ids[j], "rejected", { reason });
      this.deps.actionLog.append(entryOf(p.job.actor, p.job.submissionId, p.signed.slice(i), 502));
      for (const q of later) {
        for (const id of q.ids) this.deps.outbox.markTerminal(id, "rejected", behind);
        this.deps.actionLog.append(entryOf(q.job.actor, q.job.submissionId, q.signed, 502));
      }
    })();
    counter.rewindTo(nonce);
    if (isNonceTooLow(err)) await counter.resync().catch(() => undefined);
    p.job.log.error({ nonce, reason, behind: later.length }, "node refused the transaction");
    if (i === 0) this.reject(p.job, new ChainRejectedError(`The node refused the transaction: ${reason}`, { reason }));
    else {
      this.events.emit("submitted", p.job.submissionId);
      p.job.resolve({ submissionId: p.job.submissionId, deferred: false });
    }
    for (const q of later) this.reject(q.job, new ChainRejectedError(`The node refused an earlier transaction of this signer, so this one was not sent: ${reason}`, behind));
  }

  /** Ends a submission that never reached the chain with the error its caller gets. */
  private reject(job: BatchJob, error: ChainRejectedError): void {
    this.deps.submissions.complete(job.submissionId, "rejected", null, { status: error.status, code: error.code, message: error.message, details: error.details });
    this.events.emit("completed", job.submissionId);
    job.reject(error);
  }
}

/** A write waiting for its signer's critical section, with what was decided before it (limits, id, who asked). */
export interface BatchJob {
  request: SubmitRequest;
  wallet: TxSigner;
  gasLimits: bigint[];
  chainId: bigint;
  submissionId: string;
  log: Logger;
  actor: RequestActor;
  context: ReturnType<typeof currentRequestContext>;
  resolve: (outcome: SubmitOutcome) => void;
  reject: (err: unknown) => void;
}

interface SignedTx {
  raw: string;
  hash: string;
  to: string | null;
}

/** A job signed in this pass: its first nonce, its transactions, and their outbox row ids once written. */
interface Prepared {
  job: BatchJob;
  first: number;
  signed: SignedTx[];
  ids: number[];
}

function entryOf(actor: RequestActor, submissionId: string, txs: { hash: string }[], status: number) {
  return { ...actor, status, txHash: txs[txs.length - 1].hash, txHashes: txs.map((t) => t.hash), submissionId };
}

/** The hash of a signed transaction is the keccak256 of its bytes. */
const hashOf = (raw: string): string => keccak256(raw);
