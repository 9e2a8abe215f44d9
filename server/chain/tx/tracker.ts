import { Transaction, type Provider, type TransactionReceipt } from "ethers";
import { outsideRequestContext } from "../../context";
import type { OutboxRepository, OutboxRow } from "../../db/repositories/outbox";
import type { SubmissionError, SubmissionsRepository } from "../../db/repositories/submissions";
import { ApiError, ChainRejectedError, ConflictError } from "../../errors";
import type { Logger } from "../../logger";
import { isAlreadyKnown, isChainUnreachable, isNonceTooLow, rpcErrorMessage } from "../chain-errors";
import { ContractRevertError, decodeRevertData, extractRevertData, type DecodedRevert } from "../revert";
import type { OperationRegistry } from "./operations";
import { sendRawTransaction } from "./send-raw";
import type { TxPipeline } from "./pipeline";

export interface TrackerOptions {
  confirmations: number;
  rebroadcastMs: number;
  pollIntervalMs: number;
  /**
   * Poll interval while transactions are out and not yet mined (default: the smaller of 20 ms and `pollIntervalMs`):
   * a waiting client's answer follows its block by at most this, as a direct client polling its receipt would.
   */
  busyPollIntervalMs?: number;
}

export interface TrackerDeps {
  provider: Provider;
  submissions: SubmissionsRepository;
  outbox: OutboxRepository;
  operations: OperationRegistry;
  pipeline: TxPipeline;
  log: Logger;
  options: TrackerOptions;
}

/**
 * How long new writes wait for re-sent transactions at most: one that cannot be mined (its nonce taken, the node
 * refusing it) is settled or dropped by the normal passes, and must not hold every later write.
 */
const AWAIT_RESENT_MS = 30_000;

/** Blocks scanned per tick at most; beyond that the tracker falls back to asking for each receipt. */
const MAX_SCAN = 200;

/**
 * Follows every open outbox transaction to mined, sends again what the node does not have, and notices when the
 * chain loses blocks we had seen (a node restarted from an older state dump, or a reorg): the transactions in the
 * lost blocks are opened again and re-sent with the same signed bytes, so nothing accepted is lost and nothing
 * runs twice (same bytes = same nonce).
 */
export class TxTracker {
  #lastBlock: { number: number; hash: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #current: Promise<void> | undefined;
  #candidates = new Set<string>();
  #lastUnreachableLog = 0;
  #chainReachable = true;
  /** A transaction went out while a pass was running: run the next pass at once instead of after the poll interval. */
  #wokenDuringPass = false;
  /** Transactions out and not yet settled at the end of the last pass. */
  #inFlight = 0;
  /** Receipts fetched during the current pass, by transaction hash: a submission completed in it needs no second call. */
  #receipts = new Map<string, TransactionReceipt>();
  /** The embedded node restarted: reconcile the outbox with it before anything else. */
  #mustRecover = false;
  /** Outbox rows the last recovery sent again: new writes wait until they are mined (or AWAIT_RESENT_MS passes). */
  #awaiting = new Set<number>();
  #awaitingUntil = 0;
  /** The node announces its blocks (`blockMined`): no need to poll fast while transactions are out. */
  #blocksAnnounced = false;

  constructor(private readonly deps: TrackerDeps) {
    deps.pipeline.events.on("submitted", () => this.wake());
  }

  get chainReachable(): boolean {
    return this.#chainReachable;
  }

  /**
   * Whether what the gateway accepted before the node restarted (or the chain lost blocks) is not yet on chain again.
   * Meanwhile a new write's checks would read a chain that lacks the earlier writes (a dataset accepted before the
   * restart would be "not found"), so writes wait for this and readiness reports it.
   */
  get recovering(): boolean {
    return this.#mustRecover || (this.#awaiting.size > 0 && Date.now() < this.#awaitingUntil);
  }

  /** Resolves true once not recovering, false if `timeoutMs` passes first. */
  async whenRecovered(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.recovering) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** The embedded node was started again from its last state dump: recover at once rather than at the next check. */
  nodeRestarted(): void {
    this.#mustRecover = true;
    if (this.#running && !this.#current) this.schedule(0);
  }

  /**
   * The embedded node's block producer mined a block: look for receipts now rather than at the next poll. Once blocks
   * are announced, the tracker no longer polls every few ms while transactions are out (the normal poll remains, for
   * blocks mined by anyone else).
   */
  blockMined(): void {
    this.#blocksAnnounced = true;
    if (!this.#running) return;
    if (this.#current) this.#wokenDuringPass = true;
    else this.schedule(0);
  }

  /** Starts the loop. Call `recover()` first on start-up. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const s of this.deps.submissions.pending()) this.#candidates.add(s.id);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#current;
  }

  private schedule(delay: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    // A wake-up comes from a request; the loop must not inherit (and log) that request's id.
    this.#timer = outsideRequestContext(() =>
      setTimeout(() => {
        this.#timer = undefined;
        this.#wokenDuringPass = false;
        this.#current = this.tick().finally(() => {
          this.#current = undefined;
          // A send during the pass may have missed it (its block was scanned before the transaction was mined).
          const { pollIntervalMs, busyPollIntervalMs } = this.deps.options;
          const busy = this.#inFlight > 0 && !this.#blocksAnnounced;
          this.schedule(this.#wokenDuringPass ? 10 : busy ? Math.min(busyPollIntervalMs ?? 20, pollIntervalMs) : pollIntervalMs);
        });
      }, delay),
    );
  }

  /** A new transaction went out: look for its receipt soon rather than at the next poll. */
  private wake(): void {
    // Its block will be announced when mined.
    if (!this.#running || this.#blocksAnnounced) return;
    if (this.#current) this.#wokenDuringPass = true;
    else if (this.#timer) this.schedule(10);
  }

  /** One pass: scan new blocks, settle receipts, re-send what is overdue, complete submissions. */
  async tick(): Promise<void> {
    this.#receipts.clear();
    try {
      await this.pass();
      this.#chainReachable = true;
    } catch (err) {
      if (isChainUnreachable(err)) {
        this.#chainReachable = false;
        if (Date.now() - this.#lastUnreachableLog > 10_000) {
          this.#lastUnreachableLog = Date.now();
          this.deps.log.warn({ err: (err as Error).message }, "chain unreachable; will retry");
        }
      } else {
        this.deps.log.error({ err }, "tracker pass failed");
      }
    } finally {
      this.#receipts.clear();
    }
  }

  private async pass(): Promise<void> {
    const { provider, outbox } = this.deps;
    // The head block itself, not only its number: after an announcement it is usually the one new block, so the
    // pass needs one call for it instead of two.
    const latest = await provider.getBlock("latest");
    if (!latest) return;
    const head = latest.number;
    if (this.#mustRecover || this.rewound(latest)) {
      await this.recover();
      return;
    }

    const seen = new Set<string>();
    const from = this.#lastBlock ? this.#lastBlock.number + 1 : head;
    if (head - from < MAX_SCAN) {
      for (let n = from; n <= head; n++) {
        const block = n === head ? latest : await provider.getBlock(n);
        if (!block || !block.hash) break;
        if (this.#lastBlock && n === this.#lastBlock.number + 1 && block.parentHash !== this.#lastBlock.hash) {
          this.deps.log.warn({ block: n }, "chain reorganised under us");
          await this.recover();
          return;
        }
        for (const h of block.transactions) seen.add(h.toLowerCase());
        this.#lastBlock = { number: n, hash: block.hash };
      }
      // The index can start on the new blocks while the receipts are settled: a write's answer waits for both.
      if (seen.size > 0) this.deps.pipeline.events.emit("blocks", head);
    } else if (latest.hash) {
      this.#lastBlock = { number: head, hash: latest.hash };
    }

    const now = Date.now();
    const open = outbox.open();
    this.#inFlight = open.length;
    const confirmationsPending = this.deps.options.confirmations > 1;
    const due = open.filter((row) => {
      const overdue = now - (row.lastSentAt ?? Date.parse(row.createdAt)) >= this.deps.options.rebroadcastMs;
      return seen.has(row.txHash.toLowerCase()) || overdue || confirmationsPending;
    });
    // One JSON-RPC batch for the receipts of a pass (the rows mined in the blocks just scanned), not a call each.
    const receipts = await receiptsOf(provider, due.map((row) => row.txHash));
    for (const [i, row] of due.entries()) {
      const overdue = now - (row.lastSentAt ?? Date.parse(row.createdAt)) >= this.deps.options.rebroadcastMs;
      const receipt = receipts[i];
      if (receipt) {
        if (head - receipt.blockNumber + 1 >= this.deps.options.confirmations) {
          await this.settle(row, receipt);
          this.#inFlight--;
        }
      } else if (overdue) {
        await this.resend(row);
      }
    }
    await this.completeCandidates();
    if (this.#awaiting.size > 0) {
      const open = new Set(outbox.open().map((r) => r.id));
      for (const id of this.#awaiting) if (!open.has(id)) this.#awaiting.delete(id);
    }
  }

  /** Whether the block we last saw is no longer on the chain (the head went back, or the same height has another hash). */
  private rewound(latest: { number: number; hash: string | null }): boolean {
    const last = this.#lastBlock;
    if (!last) return false;
    if (latest.number < last.number) {
      this.deps.log.warn({ head: latest.number, lastSeen: last.number }, "chain head went backwards (node restarted from an older state)");
      return true;
    }
    if (latest.number === last.number && latest.hash !== last.hash) {
      this.deps.log.warn({ block: last.number }, "a block we saw is gone");
      return true;
    }
    return false;
  }

  /**
   * Brings the outbox in line with the chain: every mined transaction in a block the chain no longer has is opened
   * again, then every open transaction is settled from its receipt or sent again (same bytes), oldest first.
   * Run on start-up and whenever the chain is seen to have lost blocks.
   */
  async recover(): Promise<{ lost: number; resent: number; settled: number }> {
    const { provider, outbox, submissions, log } = this.deps;
    let lost = 0;
    let below: number | undefined;
    walk: for (;;) {
      const blocks = outbox.minedBlocks(100, below);
      if (blocks.length === 0) break;
      for (const b of blocks) {
        const onChain = await provider.getBlock(b.blockNumber);
        // Block hashes chain their parents: once one block matches, everything before it is intact.
        if (onChain && onChain.hash === b.blockHash) break walk;
        for (const row of outbox.inBlock(b.blockNumber)) {
          const receipt = await provider.getTransactionReceipt(row.txHash);
          if (receipt) {
            await this.settle(row, receipt);
          } else {
            outbox.markLost(row.id);
            submissions.reopen(row.submissionId);
            this.#candidates.add(row.submissionId);
            lost++;
          }
        }
      }
      below = blocks[blocks.length - 1].blockNumber;
    }
    if (lost > 0) log.warn({ lost }, "the chain lost transactions it had mined; sending them again");

    // Scanning resumes from here, so whatever is sent below is found in the blocks that follow.
    const mark = await provider.getBlock("latest");
    let resent = 0;
    let settled = 0;
    const resentIds = new Set<number>();
    for (const row of outbox.open()) {
      const receipt = await provider.getTransactionReceipt(row.txHash);
      if (receipt) {
        await this.settle(row, receipt);
        settled++;
      } else if (await this.resend(row)) {
        resentIds.add(row.id);
        resent++;
      }
    }
    this.#lastBlock = mark?.hash ? { number: mark.number, hash: mark.hash } : undefined;
    this.#awaiting = resentIds;
    this.#awaitingUntil = Date.now() + AWAIT_RESENT_MS;
    this.#mustRecover = false;
    await this.completeCandidates();
    if (resent > 0 || settled > 0) log.info({ resent, settled }, "outbox reconciled with the chain");
    return { lost, resent, settled };
  }

  /** Runs passes until no transaction is open (or the time is up); used at start before anything else is sent. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.deps.outbox.open().length === 0 && this.deps.submissions.pending().length === 0) return true;
      await this.tick();
      await new Promise((r) => setTimeout(r, this.deps.options.pollIntervalMs));
    }
    return false;
  }

  /** Sends the stored bytes again. Returns whether the node has the transaction now. */
  private async resend(row: OutboxRow): Promise<boolean> {
    const { provider, outbox, log } = this.deps;
    try {
      await sendRawTransaction(provider, row.raw);
      outbox.markSent(row.id, Date.now());
      log.info({ tx: row.txHash, nonce: row.nonce, signer: row.signer, attempt: row.sendCount + 1 }, "transaction sent again");
      return true;
    } catch (err) {
      if (isChainUnreachable(err)) throw err;
      if (isAlreadyKnown(err)) {
        outbox.markSent(row.id, Date.now());
        return true;
      }
      if (isNonceTooLow(err)) {
        const receipt = await provider.getTransactionReceipt(row.txHash);
        if (receipt) {
          await this.settle(row, receipt);
          return true;
        }
        // Another transaction of this signer holds the nonce: this one can never be mined.
        outbox.markTerminal(row.id, "dropped", { reason: rpcErrorMessage(err) });
        log.error({ tx: row.txHash, nonce: row.nonce, signer: row.signer }, "transaction dropped: its nonce was used by another");
      } else {
        outbox.markTerminal(row.id, "rejected", { reason: rpcErrorMessage(err) });
        log.error({ tx: row.txHash, nonce: row.nonce, reason: rpcErrorMessage(err) }, "node refused a transaction it had accepted before");
      }
      this.#candidates.add(row.submissionId);
      return false;
    }
  }

  /** Records a receipt (with the decoded revert reason when it failed). */
  private async settle(row: OutboxRow, receipt: TransactionReceipt): Promise<void> {
    this.#receipts.set(row.txHash.toLowerCase(), receipt);
    const failed = receipt.status !== 1;
    const revert = failed ? await this.revertReason(row, receipt) : null;
    this.deps.outbox.markIncluded(row.id, {
      status: failed ? "failed" : "mined",
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      txIndex: receipt.index,
      gasUsed: receipt.gasUsed.toString(),
      revert,
    });
    this.#candidates.add(row.submissionId);
    if (failed) this.deps.log.warn({ tx: row.txHash, revert: revert?.name }, "transaction reverted on chain");
  }

  /** A receipt carries no revert data, so the call is replayed on the state of its block to learn why. */
  private async revertReason(row: OutboxRow, receipt: TransactionReceipt): Promise<DecodedRevert | null> {
    const tx = Transaction.from(row.raw);
    if (receipt.gasUsed >= tx.gasLimit) {
      return { name: "OutOfGas", signature: "", selector: "", args: { gasLimit: tx.gasLimit.toString() }, declaredBy: [], data: "0x" };
    }
    try {
      await this.deps.provider.call({ from: row.signer, to: tx.to, data: tx.data, blockTag: receipt.blockNumber });
      return null;
    } catch (err) {
      const data = extractRevertData(err);
      return data ? decodeRevertData(data) : null;
    }
  }

  private async completeCandidates(): Promise<void> {
    for (const id of [...this.#candidates]) {
      const submission = this.deps.submissions.get(id);
      if (!submission || submission.status !== "pending") {
        this.#candidates.delete(id);
        continue;
      }
      const rows = this.deps.outbox.bySubmission(id);
      if (rows.some((r) => r.status === "signed" || r.status === "sent")) {
        this.#candidates.delete(id);
        continue;
      }
      if (rows.every((r) => r.status === "mined")) {
        const receipts = await Promise.all(rows.map((r) => this.#receipts.get(r.txHash.toLowerCase()) ?? this.deps.provider.getTransactionReceipt(r.txHash)));
        if (receipts.some((r) => !r)) continue; // the chain is moving under us: try again next pass
        let result: unknown = null;
        try {
          result = this.deps.operations.decode(submission.operation, { params: submission.params, receipts: receipts as TransactionReceipt[] });
        } catch (err) {
          this.deps.log.error({ err, submissionId: id }, "could not decode the result of a mined submission");
        }
        this.deps.submissions.complete(id, "mined", result, null);
      } else {
        const bad = rows.find((r) => r.status !== "mined")!;
        this.deps.submissions.complete(id, "failed", null, failureOf(bad));
      }
      this.#candidates.delete(id);
      this.deps.pipeline.events.emit("completed", id);
    }
  }
}

/** Receipts of several transactions: one batch when the provider can (GatewayProvider), else a call each. */
function receiptsOf(provider: Provider, hashes: string[]): Promise<(TransactionReceipt | null)[]> {
  const batching = provider as Provider & { getTransactionReceipts?: (hashes: string[]) => Promise<(TransactionReceipt | null)[]> };
  if (hashes.length > 1 && typeof batching.getTransactionReceipts === "function") return batching.getTransactionReceipts(hashes);
  return Promise.all(hashes.map((hash) => provider.getTransactionReceipt(hash)));
}

function failureOf(row: OutboxRow): SubmissionError {
  const where = { transaction: row.txHash, blockNumber: row.blockNumber };
  let error: ApiError;
  if (row.status === "failed") {
    error = new ContractRevertError(row.revert as DecodedRevert | null, where);
  } else if (row.status === "dropped") {
    error = new ConflictError("TRANSACTION_DROPPED", "Another transaction of this signer took the nonce; nothing was executed", where);
  } else {
    const reason = (row.revert as { reason?: string } | null)?.reason ?? "unknown";
    error = new ChainRejectedError(`The node refused the transaction: ${reason}`, { ...where, reason });
  }
  return { status: error.status, code: error.code, message: error.message, details: error.details };
}
