import { AsyncLocalStorage } from "node:async_hooks";

/** What every log line written while serving a request should carry, wherever in the layers it is written. */
export interface RequestContext {
  requestId: string;
  /**
   * Who asked for what, for the action-log entry the pipeline writes with each submission this request makes
   * (in the outbox's own database transaction). Set for authenticated writes; read when the request submits.
   */
  actor?: () => RequestActor;
  /** Submissions this request made (their entries are written already, so the request needs no other). */
  submissions?: string[];
}

/** The requester as the action log names it. */
export interface RequestActor {
  at: string;
  org: string;
  apiKeyId: string;
  action: string;
  requestHash: string;
  /** For a relayed request: the account that signed it and its EIP-712 signature. */
  signer?: string;
  signature?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithRequestContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);
export const currentRequestContext = (): RequestContext | undefined => storage.getStore();

/** Runs `fn` outside any request, so background work it schedules (the tracker's timer) is not tagged with one. */
export const outsideRequestContext = <T>(fn: () => T): T => storage.exit(fn);
