/**
 * One queue per signing address. Work for a signer runs strictly one after another, so nonces are handed out from
 * the queue's own counter without gaps or repeats; different signers run in parallel. Only the short critical
 * section (assign nonces, sign, write the outbox, send) runs in the queue: waiting for the receipt does not.
 */
export interface NonceCounter {
  /** The next nonce the signer will use. */
  readonly next: number;
  /** Marks `count` nonces from `next` as used. */
  advance(count: number): void;
  /** Gives nonces back (the node refused the transactions that used them); only valid inside the critical section. */
  rewindTo(nonce: number): void;
  /** Re-reads the counter from the chain and the outbox (after the node said our nonce was too low). */
  resync(): Promise<void>;
}

export class SignerQueues {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #next = new Map<string, number>();

  /** `initialNonce` reconciles a signer's counter with the chain and the outbox the first time it is used. */
  constructor(private readonly initialNonce: (address: string) => Promise<number>) {}

  run<T>(address: string, work: (counter: NonceCounter) => Promise<T>): Promise<T> {
    const tail = this.#tails.get(address) ?? Promise.resolve();
    const result = tail.then(async () => {
      const next = this.#next;
      if (!next.has(address)) next.set(address, await this.initialNonce(address));
      const counter: NonceCounter = {
        get next() {
          return next.get(address)!;
        },
        advance: (count) => next.set(address, next.get(address)! + count),
        rewindTo: (nonce) => next.set(address, nonce),
        resync: async () => {
          next.set(address, await this.initialNonce(address));
        },
      };
      return work(counter);
    });
    // The next job waits for this one whether it succeeded or not.
    this.#tails.set(
      address,
      result.catch(() => undefined),
    );
    return result;
  }
}
