import type Database from "better-sqlite3";
import type { AuditEvent } from "../../scripts/audit/types";

/** An event as the indexer stores it: the audit's shape plus the block time and who sent the transaction. */
export interface IndexedEvent extends AuditEvent {
  timestamp: number;
  actorAccount: string | null;
  actorOrg: string | null;
}

/**
 * A read model built from events. `apply` runs inside the indexer's transaction, so rows and cursor commit together;
 * `reset` empties the model before a rebuild after a reorg. `subjects` names the entities an event concerns
 * (e.g. `dataset:0x…`, `batch:3`, `org:0x…`) for the history API.
 */
export interface Projection {
  readonly name: string;
  readonly schema: readonly string[];
  apply(db: Database.Database, event: IndexedEvent): void;
  subjects(event: IndexedEvent): string[];
  reset(db: Database.Database): void;
}
