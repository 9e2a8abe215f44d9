import type { TransactionReceipt } from "ethers";

/** What a result decoder gets: the request's parameters as stored, and the receipts of its transactions in order. */
export interface OperationContext<P = unknown> {
  params: P;
  receipts: TransactionReceipt[];
}

export type ResultDecoder<P = unknown> = (ctx: OperationContext<P>) => unknown;

/**
 * Maps each write operation (`participants.register`, `datasets.register`, …) to the function that turns its mined
 * receipts into the API result. Stored by name, not as a closure, so a submission accepted before a restart is
 * answered the same way after it.
 */
export class OperationRegistry {
  readonly #decoders = new Map<string, ResultDecoder>();

  register<P>(operation: string, decoder: ResultDecoder<P>): void {
    if (this.#decoders.has(operation)) throw new Error(`Operation ${operation} registered twice`);
    this.#decoders.set(operation, decoder as ResultDecoder);
  }

  has(operation: string): boolean {
    return this.#decoders.has(operation);
  }

  decode(operation: string, ctx: OperationContext): unknown {
    const decoder = this.#decoders.get(operation);
    return decoder ? decoder(ctx) : null;
  }
}
