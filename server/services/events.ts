import { encodeBytes32String } from "ethers";
import type Database from "better-sqlite3";
import { feedEpoch, feedHead, feedMark, readFeed, resumeOffset, subjectEventsIn, type FeedEntry, type FeedMark } from "../indexer/queries/feed";
import { isChainUnreachable } from "../chain/chain-errors";
import { ApiError, ChainUnavailableError, ConflictError } from "../errors";
import { idHex } from "./datasets";
import { formatEvent, type FormattedEvent } from "./event-format";
import type { OrgDirectory } from "./org-directory";
import { SCOPE, type Scope } from "./scopes";

/** What a subscriber or a reader of the feed asks for; every criterion given must match (AND). */
export interface EventFilterInput {
  contract?: string;
  event?: string;
  dataset?: bigint;
  batch?: bigint;
  listing?: bigint;
  /** An organisation code or its on-chain id (bytes32). */
  org?: string;
}

/** The filter as stored: subjects as the index names them (`dataset:0x…`, `batch:12`, `org:0x…`). */
export interface EventFilter {
  contract?: string;
  event?: string;
  subjects: string[];
}

/** One item of the feed: the event as `GET /v1/audit/events` shows it, its offset, and whether a reorg removed it. */
export type FeedItem = { id: number; removed: boolean } & FormattedEvent;

/**
 * Which read scope shows a contract's events. What the chain shows is readable by every participant, scope by scope;
 * anything else (the audit anchor, the access manager) is for holders of `audit:read`.
 */
const SCOPE_OF_CONTRACT: Record<string, Scope> = {
  ParticipantRegistry: SCOPE.PARTICIPANTS_READ,
  DataAssetRegistry: SCOPE.DATASETS_READ,
  DataExchange: SCOPE.DATASETS_READ,
  CarbonCreditRegistry: SCOPE.CARBON_READ,
  CarbonMarket: SCOPE.MARKET_READ,
  SettlementToken: SCOPE.ACCOUNTS_READ,
};

export const scopeOfContract = (contract: string): Scope => SCOPE_OF_CONTRACT[contract] ?? SCOPE.AUDIT_READ;

export function normaliseFilter(input: EventFilterInput): EventFilter {
  const subjects: string[] = [];
  if (input.dataset !== undefined) subjects.push(`dataset:${idHex(input.dataset)}`);
  if (input.batch !== undefined) subjects.push(`batch:${input.batch}`);
  if (input.listing !== undefined) subjects.push(`listing:${input.listing}`);
  if (input.org !== undefined) {
    subjects.push(`org:${/^0x[0-9a-fA-F]{64}$/.test(input.org) ? input.org.toLowerCase() : encodeBytes32String(input.org)}`);
  }
  return { ...(input.contract ? { contract: input.contract } : {}), ...(input.event ? { event: input.event } : {}), subjects };
}

/** The filter as the API shows it back. */
export function describeFilter(filter: EventFilter, directory: OrgDirectory): Record<string, string> {
  const out: Record<string, string> = {};
  if (filter.contract) out.contract = filter.contract;
  if (filter.event) out.event = filter.event;
  for (const subject of filter.subjects) {
    const [kind, value] = subject.split(/:(.*)/s);
    if (kind === "org") out.org = directory.codeOf(value);
    else out[kind] = value;
  }
  return out;
}

/** Where a reader starts: after an offset of a numbering it names, or after a block it has seen (a chain position). */
export interface FeedStart {
  after?: number;
  epoch?: string;
  afterBlock?: number;
  afterBlockHash?: string;
}

/** The gateway's event feed: every indexed event and every removal, by offset, filtered and limited to what a reader may see. */
export class EventFeed {
  constructor(
    private readonly db: Database.Database,
    private readonly directory: OrgDirectory,
    /** The chain, to tell a block the index has not reached yet from one that does not exist. */
    private readonly chain?: { getBlock(block: number): Promise<{ hash: string | null } | null> },
  ) {}

  head(): number {
    return feedHead(this.db);
  }

  /** The feed's numbering; a rebuilt index numbers its feed afresh. */
  epoch(): string {
    return feedEpoch(this.db);
  }

  /** `offset` in chain terms, to find the same place in another numbering (`resume`). */
  mark(offset: number): FeedMark | null {
    return feedMark(this.db, offset);
  }

  /** The offset of this numbering at which a cursor `mark`ed in another resumes (null: the index is not there yet). */
  resume(mark: FeedMark | null): { offset: number; exact: boolean } | null {
    return resumeOffset(this.db, mark);
  }

  /**
   * The offset a reader starts after. By chain position (`afterBlock` with its hash, from the last event it processed):
   * just before the first event of a later block, in whatever numbering the feed has now. By offset: refused when the
   * reader names another numbering than the feed's (the index was rebuilt, so the offset means something else here).
   * `otherwise` gives the start when the reader names neither.
   */
  async startAfter(start: FeedStart, otherwise: () => number): Promise<number> {
    if (start.afterBlock !== undefined && start.afterBlockHash !== undefined) {
      const mark = { block: start.afterBlock, blockHash: start.afterBlockHash.toLowerCase() };
      const resumed = this.resume(mark);
      // Not indexed yet: worth waiting for (503) only if the chain has that very block; otherwise the position is wrong.
      const behind = !resumed && (await this.onChain(mark));
      if (behind) {
        throw new ApiError(503, "INDEX_BEHIND", `The index has not reached block ${mark.block} yet; try again shortly`, { afterBlock: mark.block });
      }
      if (!resumed || !resumed.exact) {
        throw new ConflictError(
          "BLOCK_NOT_ON_CHAIN",
          `No indexed event is in block ${mark.block} with hash ${mark.blockHash}: the chain does not have that block (it was replaced: resume from an earlier event, or from the beginning), or none of its events were read here`,
          { afterBlock: mark.block, afterBlockHash: mark.blockHash },
        );
      }
      return resumed.offset;
    }
    const epoch = this.epoch();
    if (start.epoch !== undefined && start.epoch !== epoch) {
      throw new ConflictError(
        "FEED_RENUMBERED",
        "The feed was numbered afresh (the index was rebuilt from the chain): offsets of the epoch given mean something else here. Resume with afterBlock and afterBlockHash of the last event processed",
        { epoch, given: start.epoch },
      );
    }
    return start.after ?? otherwise();
  }

  /**
   * Whether the chain's block at that height has that hash (a chain that cannot be reached: ChainUnavailableError).
   * A node that answers the question with an error has not shown the block: the position is not one to wait for, so
   * the reader gets a 409 for its input rather than a 500.
   */
  private async onChain(mark: FeedMark): Promise<boolean> {
    if (!this.chain) return false;
    let block: { hash: string | null } | null;
    try {
      block = await this.chain.getBlock(mark.block);
    } catch (err) {
      if (isChainUnreachable(err)) throw new ChainUnavailableError();
      return false;
    }
    return block?.hash?.toLowerCase() === mark.blockHash;
  }

  /**
   * The matching items after `after`: at most `limit` of them, looking at no more than `scan` entries. `next` is the
   * offset to continue from (past entries that did not match, so a sparse filter still moves on).
   */
  read(after: number, options: { limit: number; scan?: number; filter: EventFilter; scopes: ReadonlySet<string> }): { items: FeedItem[]; next: number } {
    const { entries, scannedTo } = readFeed(this.db, after, options.scan ?? Math.max(500, options.limit));
    const matches = this.matcher(entries, options.filter, options.scopes);
    const items: FeedItem[] = [];
    let next = after;
    for (const entry of entries) {
      if (items.length >= options.limit) return { items, next };
      next = entry.offset;
      if (matches(entry)) items.push(this.item(entry));
    }
    return { items, next: Math.max(next, scannedTo) };
  }

  item(entry: FeedEntry): FeedItem {
    return { id: entry.offset, removed: entry.removed, ...formatEvent(entry.event, this.directory) };
  }

  private matcher(entries: FeedEntry[], filter: EventFilter, scopes: ReadonlySet<string>): (entry: FeedEntry) => boolean {
    let bySubject: Set<string>[] = [];
    const added = entries.filter((e) => !e.removed);
    if (filter.subjects.length > 0 && added.length > 0) {
      const from = Math.min(...added.map((e) => e.event.blockNumber));
      const to = Math.max(...added.map((e) => e.event.blockNumber));
      bySubject = filter.subjects.map((s) => subjectEventsIn(this.db, s, from, to));
    }
    return (entry) => {
      const e = entry.event;
      if (!scopes.has(scopeOfContract(e.contract))) return false;
      if (filter.contract && filter.contract !== e.contract) return false;
      if (filter.event && filter.event !== e.name) return false;
      if (entry.removed) return filter.subjects.every((s) => entry.removedSubjects!.includes(s));
      return bySubject.every((set) => set.has(`${e.blockNumber}:${e.logIndex}`));
    };
  }
}
