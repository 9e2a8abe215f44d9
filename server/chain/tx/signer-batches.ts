import type { NonceCounter, SignerQueues } from "./signer-queue";

/** Handles one batch of a signer's waiting jobs inside that signer's critical section; answers the jobs to retry. */
export type BatchHandler<J> = (jobs: J[], counter: NonceCounter) => Promise<J[] | void>;

/**
 * Gathers a signer's jobs while its critical section is busy and hands them over together: the next time the section
 * is free, every job that arrived meanwhile (up to `maxBatch`) goes through it in one pass (nonces, signatures, one
 * durable outbox commit, sends in nonce order) instead of one pass (and one fsync, one wait) per job. Jobs keep their
 * arrival order, so nonces follow it. Different signers' batches run side by side, as their queues do.
 */
export class SignerBatches<J extends { reject: (err: unknown) => void }> {
  readonly #waiting = new Map<string, J[]>();
  /** Batches run and jobs they carried (for the benchmark and tests). */
  readonly stats = { batches: 0, jobs: 0, largest: 0 };

  constructor(
    private readonly queues: SignerQueues,
    private readonly handle: BatchHandler<J>,
    private readonly maxBatch = 256,
  ) {}

  enqueue(address: string, job: J): void {
    this.add(address, [job], false);
  }

  /** Puts jobs back at the front of the signer's line (a batch that could not take them answers them for retry). */
  private add(address: string, jobs: J[], front: boolean): void {
    const waiting = this.#waiting.get(address);
    if (waiting) {
      if (front) waiting.unshift(...jobs);
      else waiting.push(...jobs);
      return;
    }
    const line = [...jobs];
    this.#waiting.set(address, line);
    let started = false;
    this.queues
      .run(address, async (counter) => {
        started = true;
        this.#waiting.delete(address);
        const batch = line.splice(0, this.maxBatch);
        // What is over the cap waits for the next pass, ahead of what arrives from now on.
        if (line.length > 0) this.add(address, line, true);
        this.stats.batches++;
        this.stats.jobs += batch.length;
        this.stats.largest = Math.max(this.stats.largest, batch.length);
        try {
          const retry = await this.handle(batch, counter);
          if (retry && retry.length > 0) this.add(address, retry, true);
        } catch (err) {
          // The handler settles each job it takes on; if it throws, what it had not settled is refused with its error.
          for (const job of batch) job.reject(err);
        }
      })
      .catch((err) => {
        if (started) return;
        // The signer's counter could not be set up (the node is unreachable): nothing was signed, the line is refused.
        if (this.#waiting.get(address) === line) this.#waiting.delete(address);
        for (const job of line.splice(0)) job.reject(err);
      });
  }
}
