import { encodeBytes32String } from "ethers";
import { argsForJson } from "../indexer/codec";
import type { GatewayIndex } from "../indexer/gateway-index";
import { getBatch, getDataset, getListing, historyOf } from "../indexer/queries";
import { ApiError, NotFoundError } from "../errors";
import { readChain } from "./chain-read";
import { idHex } from "./datasets";
import { formatEvent } from "./event-format";
import type { OrgDirectory } from "./org-directory";

/** Exactly one of these names whose history is asked for. */
export interface HistoryQuery {
  dataset?: bigint;
  batch?: bigint;
  listing?: bigint;
  /** An organisation code (e.g. AGENCY-A) or its on-chain id (bytes32). */
  org?: string;
  account?: string;
  cursor?: string;
  limit: number;
}

/** The audit views of the gateway's index: the history of anything, and the reconciliation of the index with the chain. */
export class AuditService {
  constructor(
    private readonly index: GatewayIndex,
    private readonly directory: OrgDirectory,
    private readonly reconcileTimeoutMs = 120_000,
  ) {}

  /** Every event about one subject, in chain order (block, then log index), a page at a time. */
  async events(query: HistoryQuery) {
    const subject = this.subjectOf(query);
    const page = await readChain(async () => historyOf(this.index.db, subject.key, { after: query.cursor, limit: query.limit }));
    return {
      subject: subject.label,
      items: page.events.map((e) => formatEvent(e, this.directory)),
      nextCursor: page.next,
      indexedBlock: this.index.status().indexedBlock,
    };
  }

  /** Runs the auditor's reconciliation over the index (one run at a time, bounded in time). */
  async reconcile() {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError(503, "RECONCILE_TIMEOUT", `The reconciliation did not finish within ${this.reconcileTimeoutMs / 1000} s; try again later`)),
        this.reconcileTimeoutMs,
      );
    });
    try {
      const report = await readChain(() => Promise.race([this.index.reconcile(), timeout]));
      return argsForJson(report as unknown as Record<string, unknown>);
    } finally {
      clearTimeout(timer);
    }
  }

  private subjectOf(q: HistoryQuery): { key: string; label: Record<string, string> } {
    const db = this.index.db;
    if (q.dataset !== undefined) {
      const id = idHex(q.dataset);
      if (!getDataset(db, id)) throw new NotFoundError("DATASET_NOT_FOUND", `No dataset ${id}`, { id });
      return { key: `dataset:${id}`, label: { dataset: id } };
    }
    if (q.batch !== undefined) {
      const id = q.batch.toString();
      if (!getBatch(db, id)) throw new NotFoundError("BATCH_NOT_FOUND", `No batch ${id}`, { id });
      return { key: `batch:${id}`, label: { batch: id } };
    }
    if (q.listing !== undefined) {
      const id = q.listing.toString();
      if (!getListing(db, id)) throw new NotFoundError("LISTING_NOT_FOUND", `No listing ${id}`, { id });
      return { key: `listing:${id}`, label: { listing: id } };
    }
    if (q.org !== undefined) {
      const orgId = /^0x[0-9a-fA-F]{64}$/.test(q.org) ? q.org.toLowerCase() : encodeBytes32String(q.org);
      if (!db.prepare("SELECT 1 FROM idx_orgs WHERE org_id = ?").get(orgId)) {
        throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${q.org}`, { org: q.org });
      }
      return { key: `org:${orgId}`, label: { org: this.directory.codeOf(orgId), orgId } };
    }
    const account = q.account!.toLowerCase();
    return { key: `account:${account}`, label: { account } };
  }
}
