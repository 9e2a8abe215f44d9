import type { Db } from "../connection";
import { nowIso } from "../connection";

/** What the gateway knows about an organisation it manages (the chain holds its status). */
export interface OrganizationRow {
  code: string;
  orgId: string;
  name: string;
  kind: string;
  address: string;
  roles: string[];
  createdAt: string;
}

interface RawRow {
  code: string;
  org_id: string;
  name: string;
  kind: string;
  address: string;
  roles: string;
  created_at: string;
}

const toRow = (r: RawRow): OrganizationRow => ({
  code: r.code,
  orgId: r.org_id,
  name: r.name,
  kind: r.kind,
  address: r.address,
  roles: JSON.parse(r.roles) as string[],
  createdAt: r.created_at,
});

export class OrganizationsRepository {
  constructor(private readonly db: Db) {}

  insert(org: Omit<OrganizationRow, "createdAt">): OrganizationRow {
    const createdAt = nowIso();
    this.db
      .prepare(
        "INSERT INTO organizations (code, org_id, name, kind, address, roles, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(org.code, org.orgId, org.name, org.kind, org.address, JSON.stringify(org.roles), createdAt);
    return { ...org, createdAt };
  }

  /** Details that may change before the organisation is on chain (a retried registration with other values). */
  update(code: string, changes: { name: string; kind: string; roles: string[] }): void {
    this.db
      .prepare("UPDATE organizations SET name = ?, kind = ?, roles = ? WHERE code = ?")
      .run(changes.name, changes.kind, JSON.stringify(changes.roles), code);
  }

  get(code: string): OrganizationRow | undefined {
    const r = this.db.prepare("SELECT * FROM organizations WHERE code = ?").get(code) as RawRow | undefined;
    return r && toRow(r);
  }

  byAddress(address: string): OrganizationRow | undefined {
    const r = this.db.prepare("SELECT * FROM organizations WHERE address = ?").get(address) as RawRow | undefined;
    return r && toRow(r);
  }

  byOrgId(orgId: string): OrganizationRow | undefined {
    const r = this.db.prepare("SELECT * FROM organizations WHERE org_id = ?").get(orgId) as RawRow | undefined;
    return r && toRow(r);
  }

  list(options: { limit: number; after?: string; kind?: string }): OrganizationRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM organizations WHERE (? IS NULL OR code > ?) AND (? IS NULL OR kind = ?) ORDER BY code LIMIT ?`,
      )
      .all(options.after ?? null, options.after ?? null, options.kind ?? null, options.kind ?? null, options.limit) as RawRow[];
    return rows.map(toRow);
  }
}
