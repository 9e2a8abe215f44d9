import { AsyncLocalStorage } from "node:async_hooks";

/** What every log line written while serving a request should carry, wherever in the layers it is written. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithRequestContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);
export const currentRequestContext = (): RequestContext | undefined => storage.getStore();

/** Runs `fn` outside any request, so background work it schedules (the tracker's timer) is not tagged with one. */
export const outsideRequestContext = <T>(fn: () => T): T => storage.exit(fn);
