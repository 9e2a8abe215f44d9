import { ZeroAddress } from "ethers";
import { VIEW_CALLS_IN_FLIGHT, expectSame, mapConcurrent } from "../engine";
import type { AuditEvent, AuditModule, Location, ReplayContext, SubjectSection } from "../types";
import type { ParticipantsModule } from "./participants";

export const CHECK = {
  conservation: "VND conservation: total supply = minted − burned = sum of balances",
  records: "every mint and burn of VND carries the treasury's Minted or Burned record",
  activeReceiver: "VND goes only to active participants",
  rules: "VND moves follow the token's rules",
  balances: "VND balances match the token",
} as const;

/** A mint or burn (ERC-20 Transfer from or to zero) waiting for its Minted or Burned record right after it. */
interface PendingSupplyChange {
  event: AuditEvent;
  account: string;
  amount: bigint;
  kind: "Minted" | "Burned";
}

/**
 * Rebuilds the VND settlement token from its events: every balance, the total minted and burned, and checks that
 * supply is conserved, that every mint and burn is the treasury's, and that only active participants ever received.
 */
export class SettlementModule implements AuditModule {
  readonly name = "settlement";
  readonly contracts = ["SettlementToken"] as const;
  readonly checks = [
    `${CHECK.conservation}, from the replay and on chain`,
    CHECK.records,
    `${CHECK.activeReceiver} (mints and transfers), at the time; senders of transfers active too`,
    `${CHECK.rules}: no balance below zero, nothing moves while paused`,
    `${CHECK.balances}: balanceOf of every account that ever held VND`,
  ] as const;

  private readonly balances = new Map<string, { amount: bigint; changed: Location }>();
  private minted = 0n;
  private burned = 0n;
  private supplyChanged: Location | undefined;
  private pending: PendingSupplyChange | undefined;
  private paused = false;
  private pausedChanged: Location | undefined;

  constructor(private readonly participants: ParticipantsModule) {}

  async apply(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending && event.name !== pending.kind) this.reportUnrecorded(ctx, pending);
    const a = event.args;
    switch (event.name) {
      case "Transfer":
        await this.onTransfer(event, ctx);
        break;
      case "Minted":
      case "Burned": {
        const account = ((event.name === "Minted" ? a.to : a.from) as string).toLowerCase();
        ctx.checked(CHECK.records);
        if (!pending || pending.event.txHash !== event.txHash || pending.account !== account || pending.amount !== (a.amount as bigint)) {
          ctx.report(CHECK.records, `${event.name} ${a.amount} VND for ${account} without the matching token movement just before it`, event);
          if (pending) this.reportUnrecorded(ctx, pending);
        }
        break;
      }
      case "Paused":
      case "Unpaused":
        this.paused = event.name === "Paused";
        this.pausedChanged = event;
        break;
      default:
        break;
    }
  }

  private async onTransfer(event: AuditEvent, ctx: ReplayContext): Promise<void> {
    const from = (event.args.from as string).toLowerCase();
    const to = (event.args.to as string).toLowerCase();
    const value = event.args.value as bigint;
    ctx.checked(CHECK.rules);
    if (this.paused) ctx.report(CHECK.rules, `${value} VND moved while the token was paused`, event);
    if (to !== ZeroAddress) {
      ctx.checked(CHECK.activeReceiver);
      if (!(await this.participants.activeAtEvent(to, event, ctx))) {
        ctx.report(CHECK.activeReceiver, `${value} VND went to ${to}, which was not an active participant`, event, { account: to });
      }
    }
    if (from === ZeroAddress) {
      this.minted += value;
      this.supplyChanged = event;
      this.pending = { event, account: to, amount: value, kind: "Minted" };
    } else {
      const balance = this.balances.get(from)?.amount ?? 0n;
      if (balance < value) ctx.report(CHECK.rules, `${from} sent ${value} VND but held ${balance}`, event);
      this.balances.set(from, { amount: balance - value, changed: event });
      if (to === ZeroAddress) {
        this.burned += value;
        this.supplyChanged = event;
        this.pending = { event, account: from, amount: value, kind: "Burned" };
      } else if (!(await this.participants.activeAtEvent(from, event, ctx))) {
        ctx.report(CHECK.rules, `${value} VND sent by ${from}, which was not an active participant`, event);
      }
    }
    if (to !== ZeroAddress) this.balances.set(to, { amount: (this.balances.get(to)?.amount ?? 0n) + value, changed: event });
  }

  private reportUnrecorded(ctx: ReplayContext, pending: PendingSupplyChange): void {
    ctx.report(CHECK.records, `${pending.amount} VND ${pending.kind === "Minted" ? "minted to" : "burned from"} ${pending.account} without a ${pending.kind} record`, pending.event);
  }

  subjects(): SubjectSection[] {
    const items = [...this.balances].filter(([, b]) => b.amount !== 0n).map(([account, b]) => ({ id: this.participants.labelOf(account), text: `${b.amount} VND` }));
    return [{ title: `VND holders (total supply ${this.minted - this.burned} VND)`, total: items.length, items }];
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    if (this.pending) this.reportUnrecorded(ctx, this.pending);
    this.pending = undefined;
    const call = <T>(fn: string, args: unknown[] = []) => ctx.chain.call<T>("SettlementToken", fn, args);
    // minted − burned = sum of the replayed balances holds by construction of the replay (every Transfer moves both),
    // so only the chain's side is compared: its total supply and each balance.
    expectSame(ctx, CHECK.conservation, "VND total supply", this.minted - this.burned, await call<bigint>("totalSupply"), this.supplyChanged);
    const accounts = [...this.balances.keys()];
    const onChain = await mapConcurrent(accounts, VIEW_CALLS_IN_FLIGHT, (account) => call<bigint>("balanceOf", [account]));
    accounts.forEach((account, i) => {
      const model = this.balances.get(account)!;
      expectSame(ctx, CHECK.balances, `VND balance of ${account}`, model.amount, onChain[i], model.changed);
    });
    expectSame(ctx, CHECK.rules, "token paused", this.paused, await call<boolean>("paused"), this.pausedChanged);
  }
}
