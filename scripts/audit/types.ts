/** One decoded contract event, as the audit replays it. Every source (RPC logs, the gateway's index) yields these. */
export interface AuditEvent {
  contract: string;
  address: string;
  name: string;
  /** Named arguments, with uint values as bigint. */
  args: Record<string, unknown>;
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
}

export interface Location {
  blockNumber: number;
  txHash: string;
  logIndex: number;
}

/** Something the audit found that should not be. */
export interface Discrepancy {
  check: string;
  message: string;
  /** The event that caused it, when one did. */
  location?: Location;
  /**
   * For a difference found when comparing with the chain: the last replayed event that changed the value compared.
   * The cause lies in or after it (an event missing from the history, or one the contract applied otherwise).
   */
  since?: Location;
  details?: Record<string, unknown>;
  /** ISO 8601 time of the block of `location` (or `since`), for people. */
  time?: string;
}

/** One thing the audit checked, named for people: an organisation, a dataset, a batch, a transaction… */
export interface Subject {
  /** Its id as the API shows it (organisation code, 0x-hex dataset id, batch number, transaction hash). */
  id: string;
  /** What it is now, in words, with enum names. */
  text: string;
  /** The block it was created in (its date is then given), if any. */
  blockNumber?: number;
  /** ISO 8601 time of `blockNumber`, filled in for the subjects the summary shows. */
  date?: string;
}

export interface SubjectSection {
  title: string;
  total: number;
  items: Subject[];
}

/** Reads contract state at the audited block. Implemented over typechain contracts with `{ blockTag }`. */
export interface ChainView {
  readonly blockNumber: number;
  /** Calls a view function of a deployed contract at the audited block. */
  call<T = unknown>(contract: string, fn: string, args?: unknown[]): Promise<T>;
  /** Timestamp of a block (cached), for rules that depend on time. */
  blockTimestamp(blockNumber: number): Promise<number>;
  /** Optionally fetches the times of many blocks at once, before they are asked for one by one. */
  prefetchTimestamps?(blocks: readonly number[]): Promise<void>;
}

export interface ReplayContext {
  /** Records a discrepancy found while replaying an event (the event is its location). */
  report(check: string, message: string, event?: Location, details?: Record<string, unknown>): void;
  /** Records a difference with the chain; `since` is the last replayed event that changed the value. */
  reportSince(check: string, message: string, since: Location | undefined, details?: Record<string, unknown>): void;
  /** Counts a rule as checked, so the summary says how much was verified. */
  checked(check: string, count?: number): void;
  readonly chain: ChainView;
}

/**
 * One part of the ledger the audit rebuilds. Modules replay in the order given, each event once in chain order; a
 * later module may read an earlier module's model (carbon asks participants who was active when).
 */
export interface AuditModule {
  readonly name: string;
  /** What the module checks, in words, for the report. */
  readonly checks: readonly string[];
  /** Contract names (as in the deployment record) whose events this module replays. */
  readonly contracts: readonly string[];
  apply(event: AuditEvent, ctx: ReplayContext): void | Promise<void>;
  /** Compares the rebuilt model with the contracts' own view at the audited block. */
  reconcile(ctx: ReplayContext): Promise<void>;
  /** What the module checked, named, for the report (after reconcile). */
  subjects?(): SubjectSection[];
}

export interface AuditReport {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  startedAt: string;
  /** The whole run: fetching and replaying the events, then comparing with the chain. */
  seconds: number;
  /** Fetching (or reading) and replaying the events, before the comparison with the chain. */
  replaySeconds: number;
  events: number;
  eventsByContract: Record<string, number>;
  checks: { module: string; description: string }[];
  checkedCounts: Record<string, number>;
  discrepancies: Discrepancy[];
  /** What was checked, by name: organisations, datasets, batches, retirements, listings, anchors, log entries. */
  subjects: SubjectSection[];
  /** ISO 8601 times of the first and the audited block. */
  fromTime?: string;
  toTime?: string;
  passed: boolean;
}
