import type { Provider } from "ethers";

export interface Flaky {
  provider: Provider;
  /** Every call fails as if the node were down. */
  down: boolean;
  /** Only eth_sendRawTransaction fails as if the node were down. */
  sendFails: boolean;
  /** Answers, for each eth_sendRawTransaction (1, 2, …), whether the node refuses it outright (as it does a bad nonce). */
  refuseSend?: (nth: number, raw: string) => boolean;
  /**
   * Answers, for each eth_sendRawTransaction, whether someone else (the tracker sending it again) got the same bytes
   * to the node first: the node takes them, and this call is answered "nonce too low", as for a mined transaction.
   */
  alreadySent?: (nth: number, raw: string) => boolean;
  /** eth_sendRawTransaction calls so far (refused ones included). */
  sends: number;
}

const refusedOutright = () => Object.assign(new Error("replacement transaction underpriced"), { code: "SERVER_REFUSED", error: { code: -32003, message: "replacement transaction underpriced" } });
const nonceTooLow = () => Object.assign(new Error("nonce too low"), { code: "NONCE_EXPIRED", error: { code: -32003, message: "nonce too low" } });
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });

/** Wraps a provider so a test can cut the chain off (all calls, or only sending) and bring it back. */
export function flaky(inner: Provider): Flaky {
  const state: Flaky = { provider: undefined as unknown as Provider, down: false, sendFails: false, sends: 0 };
  state.provider = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const sending = prop === "broadcastTransaction" || (prop === "send" && args[0] === "eth_sendRawTransaction");
        if (sending) state.sends++;
        if (state.down || (state.sendFails && sending)) return Promise.reject(refused());
        const raw = sending ? String(args[0] === "eth_sendRawTransaction" ? (args[1] as string[])[0] : args[0]) : "";
        if (sending && state.refuseSend?.(state.sends, raw)) return Promise.reject(refusedOutright());
        if (sending && state.alreadySent?.(state.sends, raw)) {
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).then(() => Promise.reject(nonceTooLow()));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return state;
}
