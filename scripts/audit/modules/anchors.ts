import type { AnchorRecord } from "../../lib/action-log";
import { expectSame } from "../engine";
import type { AuditEvent, AuditModule, Location, ReplayContext, SubjectSection } from "../types";

/** Rebuilds the anchors of the gateway's action log; the log check verifies an exported log against them. */
export class AnchorsModule implements AuditModule {
  readonly name = "anchors";
  readonly contracts = ["AuditAnchor"] as const;
  readonly checks = [
    "anchors are numbered from 1 without gaps and cover contiguous log ranges",
    "every anchor equals the contract's record",
  ] as const;

  readonly anchors: (AnchorRecord & { at: Location })[] = [];

  apply(event: AuditEvent, ctx: ReplayContext): void {
    if (event.name !== "LogAnchored") return;
    const a = event.args;
    const anchor = {
      anchorId: Number(a.anchorId),
      merkleRoot: a.merkleRoot as string,
      firstEntryId: Number(a.firstEntryId),
      lastEntryId: Number(a.lastEntryId),
      headHash: a.headHash as string,
      txHash: event.txHash,
      at: { blockNumber: event.blockNumber, txHash: event.txHash, logIndex: event.logIndex },
    };
    const previous = this.anchors[this.anchors.length - 1];
    ctx.checked("anchor sequence");
    if (anchor.anchorId !== (previous?.anchorId ?? 0) + 1 || anchor.firstEntryId !== (previous?.lastEntryId ?? 0) + 1) {
      ctx.report("anchor sequence", `anchor ${anchor.anchorId} (entries ${anchor.firstEntryId}–${anchor.lastEntryId}) does not follow the previous anchor`, event);
    }
    this.anchors.push(anchor);
  }

  subjects(): SubjectSection[] {
    const items = this.anchors.map((a) => ({ id: `anchor ${a.anchorId}`, text: `log entries ${a.firstEntryId}–${a.lastEntryId}, root ${a.merkleRoot}, transaction ${a.txHash}`, blockNumber: a.at.blockNumber }));
    return [{ title: "Anchors of the gateway's action log", total: items.length, items }];
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    const check = "anchors match the contract";
    expectSame(ctx, check, "anchor count", this.anchors.length, await ctx.chain.call<bigint>("AuditAnchor", "anchorCount"));
    for (const anchor of this.anchors) {
      const onChain = await ctx.chain
        .call<{ merkleRoot: string; headHash: string; firstEntryId: bigint; lastEntryId: bigint }>("AuditAnchor", "anchorOf", [anchor.anchorId])
        .catch(() => undefined);
      if (!onChain) {
        ctx.checked(check);
        ctx.report(check, `anchor ${anchor.anchorId} was replayed but does not exist on chain`, anchor.at);
        continue;
      }
      expectSame(ctx, check, `anchor ${anchor.anchorId} root`, anchor.merkleRoot, onChain.merkleRoot);
      expectSame(ctx, check, `anchor ${anchor.anchorId} head`, anchor.headHash, onChain.headHash);
      expectSame(ctx, check, `anchor ${anchor.anchorId} range`, [anchor.firstEntryId, anchor.lastEntryId], [onChain.firstEntryId, onChain.lastEntryId]);
    }
  }
}
