import { merkleTreeOf, requestHashOf, type ActionLogContent, type ActionLogEntry } from "../../scripts/lib/action-log";
import { ROLES } from "../../scripts/lib/roles";
import type { ChainContracts } from "../chain/contracts";
import type { TxPipeline } from "../chain/tx/pipeline";
import { keccak256 } from "ethers";
import type { TxSigner } from "../chain/tx/client-signing";
import type { ActionLogRepository, StoredAnchor } from "../db/repositories/action-log";
import type { SubmissionsRepository } from "../db/repositories/submissions";
import { NotFoundError } from "../errors";
import type { Logger } from "../logger";

/** The hash of a request body in the log; a file upload arrives as bytes and is hashed as it is. */
export const requestHashOfBody = (body: unknown): string => (Buffer.isBuffer(body) ? keccak256(body) : requestHashOf(body ?? null));

/** The action the log names for the anchorer's own transactions. */
export const ANCHOR_ACTION = "gateway audit.anchor";

export interface LogProof {
  entry: ActionLogEntry;
  anchored: boolean;
  anchor: StoredAnchor | null;
  /** The Merkle leaf (StandardMerkleTree over [uint64 id, bytes32 hash]) and its proof against the anchor's root. */
  leaf: string | null;
  proof: string[] | null;
}

/**
 * The gateway's own action log: every authenticated write request, who made it with which key, what it asked
 * (the hash of its body), what was answered and which transaction resulted, hash-chained so nothing can be altered,
 * removed or reordered unnoticed once its range is anchored on chain.
 */
export class ActionLogService {
  constructor(private readonly repo: ActionLogRepository) {}

  append(content: Omit<ActionLogContent, "id">): ActionLogEntry {
    return this.repo.append(content);
  }

  page(afterId: number, limit: number): { entries: ActionLogEntry[]; next: number | null; anchors: StoredAnchor[] } {
    const rows = this.repo.page(afterId, limit + 1);
    const entries = rows.slice(0, limit);
    return { entries, next: rows.length > limit ? entries[entries.length - 1].id : null, anchors: this.repo.anchors() };
  }

  proof(id: number): LogProof {
    const entry = this.repo.get(id);
    if (!entry) throw new NotFoundError("LOG_ENTRY_NOT_FOUND", `No action log entry ${id}`, { id });
    const anchor = this.repo.anchorCovering(id) ?? null;
    if (!anchor) return { entry, anchored: false, anchor: null, leaf: null, proof: null };
    const tree = merkleTreeOf(this.repo.range(anchor.firstEntryId, anchor.lastEntryId));
    const index = id - anchor.firstEntryId;
    const value = [BigInt(entry.id), entry.hash] as [bigint, string];
    return { entry, anchored: true, anchor, leaf: tree.leafHash(value), proof: tree.getProof(index) };
  }
}

/**
 * Anchors the log on chain at intervals: the Merkle root of the entries since the last anchor, with the chain head
 * after them. The contract is the source of truth: each pass first learns the anchors it holds, so a crash between
 * sending an anchor and recording it loses nothing, and only one anchor is in flight at a time.
 */
export class LogAnchorer {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      repo: ActionLogRepository;
      submissions: SubmissionsRepository;
      pipeline: TxPipeline;
      contracts: ChainContracts;
      signer: { orgCode: string; wallet: TxSigner };
      log: Logger;
      /** Most entries one anchor covers. */
      maxEntries?: number;
    },
  ) {}

  /**
   * Checks that the anchoring key holds the ANCHORER role (the bootstrap's genesis work grants it; later only the
   * administrator can, through a scheduled grantRole), so a missing grant fails the start instead of every pass.
   */
  async ensureRole(): Promise<void> {
    const [has] = await this.deps.contracts.accessManager.hasRole(ROLES.ANCHORER, this.deps.signer.wallet.address);
    if (!has) {
      throw new Error(`The anchoring key ${this.deps.signer.wallet.address} lacks the ANCHORER role: the administrator must grant it (a scheduled grantRole)`);
    }
  }

  start(intervalMs: number): void {
    const loop = () => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.deps.log.warn({ err }, "anchoring pass failed; will retry"))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, intervalMs);
        });
    };
    this.timer = setTimeout(loop, intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: learn the chain's anchors, then anchor what is new. Returns the submission id of a new anchor, if any. */
  async tick(): Promise<string | undefined> {
    if (this.inFlight) {
      const submission = this.deps.submissions.get(this.inFlight);
      if (submission?.status === "pending") return undefined;
      if (submission?.status !== "mined") this.deps.log.warn({ submission: this.inFlight, error: submission?.error }, "anchor transaction did not succeed");
      this.inFlight = undefined;
    }
    const anchored = await this.syncFromChain();
    const last = this.deps.repo.last();
    if (!last || last.id <= anchored) return undefined;
    // Each anchor is itself logged (every transaction the gateway signs is); an anchor of nothing but earlier
    // anchors' entries would keep anchoring forever, so those wait for the next entry of anything else.
    if (this.deps.repo.onlyActionSince(anchored, ANCHOR_ACTION)) return undefined;

    const first = anchored + 1;
    const end = Math.min(last.id, anchored + (this.deps.maxEntries ?? 10_000));
    const entries = this.deps.repo.range(first, end);
    const root = merkleTreeOf(entries).root;
    const head = entries[entries.length - 1].hash;
    const anchor = this.deps.contracts.auditAnchor;
    const outcome = await this.deps.pipeline.submit({
      orgCode: this.deps.signer.orgCode,
      wallet: this.deps.signer.wallet,
      operation: "audit.anchor",
      params: { firstEntryId: first, lastEntryId: end, merkleRoot: root, headHash: head },
      calls: [{ to: await anchor.getAddress(), data: anchor.interface.encodeFunctionData("anchor", [root, first, end, head]) }],
    });
    this.inFlight = outcome.submissionId;
    this.deps.log.info({ firstEntryId: first, lastEntryId: end, merkleRoot: root, submission: outcome.submissionId }, "anchoring the action log");
    return outcome.submissionId;
  }

  /** Copies every anchor the contract holds that we have not recorded; returns the last anchored entry id. */
  async syncFromChain(): Promise<number> {
    const anchor = this.deps.contracts.auditAnchor;
    const count = Number(await anchor.anchorCount());
    for (let id = (this.deps.repo.lastAnchor()?.anchorId ?? 0) + 1; id <= count; id++) {
      const record = await anchor.anchorOf(id);
      const [event] = await anchor.queryFilter(anchor.filters.LogAnchored(id));
      this.deps.repo.upsertAnchor({
        anchorId: id,
        firstEntryId: Number(record.firstEntryId),
        lastEntryId: Number(record.lastEntryId),
        merkleRoot: record.merkleRoot,
        headHash: record.headHash,
        submissionId: null,
        txHash: event?.transactionHash,
        blockNumber: event?.blockNumber ?? null,
        anchoredAt: new Date(Number(record.anchoredAt) * 1000).toISOString(),
      });
    }
    return Number(await anchor.lastAnchoredEntryId());
  }
}
