import type { AuditEvent, AuditModule, Location } from "../types";

/** One request relayed through the Forwarder (ERC-2771 `ExecutedForwardRequest`). */
export interface RelayedRequest {
  signer: string;
  nonce: bigint;
  success: boolean;
  at: Location;
}

/**
 * Collects every request relayed through the system's Forwarder, so the log check can demand an anchored entry for
 * each. The Forwarder's own rules (signature, nonce, deadline) are OpenZeppelin's and enforced on chain.
 */
export class RelaysModule implements AuditModule {
  readonly name = "relays";
  readonly contracts = ["CityForwarder"] as const;
  readonly checks = [] as const;
  readonly relayed: RelayedRequest[] = [];

  apply(event: AuditEvent): void {
    if (event.name !== "ExecutedForwardRequest") return;
    this.relayed.push({
      signer: (event.args.signer as string).toLowerCase(),
      nonce: event.args.nonce as bigint,
      success: event.args.success as boolean,
      at: { blockNumber: event.blockNumber, txHash: event.txHash, logIndex: event.logIndex },
    });
  }

  async reconcile(): Promise<void> {}
}
