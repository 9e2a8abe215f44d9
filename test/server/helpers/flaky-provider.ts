import type { Provider } from "ethers";

export interface Flaky {
  provider: Provider;
  /** Every call fails as if the node were down. */
  down: boolean;
  /** Only eth_sendRawTransaction fails as if the node were down. */
  sendFails: boolean;
}

const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });

/** Wraps a provider so a test can cut the chain off (all calls, or only sending) and bring it back. */
export function flaky(inner: Provider): Flaky {
  const state: Flaky = { provider: undefined as unknown as Provider, down: false, sendFails: false };
  state.provider = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const sending = prop === "broadcastTransaction" || (prop === "send" && args[0] === "eth_sendRawTransaction");
        if (state.down || (state.sendFails && sending)) return Promise.reject(refused());
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return state;
}
