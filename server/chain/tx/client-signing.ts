import { AsyncLocalStorage } from "node:async_hooks";
import type { Wallet } from "ethers";
import type { SubmitRequest } from "./pipeline";

/** What signs a submission's transactions: a custodial Wallet, or an own-key account the gateway cannot sign for. */
export type TxSigner = Pick<Wallet, "address" | "signTransaction">;

/** An own-key organisation's account: the gateway knows its address, never its key. */
export class OwnKeyAccount implements TxSigner {
  constructor(readonly address: string) {}

  signTransaction(): Promise<string> {
    return Promise.reject(new Error(`The gateway holds no key for ${this.address}`));
  }
}

/** A write made with `Prefer: sign=client`: which of the caller's accounts signs, and the route's success status. */
export interface ClientSigningScope {
  /** The caller's account that will sign (checked to belong to the caller's organisation). */
  from?: string;
  successStatus: number;
}

const storage = new AsyncLocalStorage<ClientSigningScope>();

/** Runs a write handler so that its submission is captured instead of signed and sent. */
export const runSigningForClient = <T>(scope: ClientSigningScope, fn: () => Promise<T>): Promise<T> => storage.run(scope, fn);

/** The client-signing scope of the request being served, if it asked `Prefer: sign=client`. */
export const clientSigningScope = (): ClientSigningScope | undefined => storage.getStore();

/**
 * Thrown by the pipeline in place of signing when the request prefers `sign=client`: it carries what would have been
 * submitted, and stops the handler before anything is written or sent.
 */
export class CapturedSubmission extends Error {
  constructor(readonly request: SubmitRequest) {
    super(`captured ${request.operation} for client signing`);
    this.name = "CapturedSubmission";
  }
}
