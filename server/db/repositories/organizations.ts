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
  /** 'gateway': the keystore holds its key; 'own': it signs its own requests (DESIGN.md "Trust model" rule 1). */
  custody: Custody;
  createdAt: string;
}

export type Custody = "gateway" | "own";

interface RawRow {
  code: string;
  org_id: string;
  name: string;
  kind: string;
  address: string;
  roles: string;
  custody: Custody;
  created_at: string;
}

const toRow = (r: RawRow): OrganizationRow => ({
  code: r.code,
  orgId: r.org_id,
  name: r.name,
  kind: r.kind,
  address: r.address,
  roles: JSON.parse(r.roles) as string[],
  custody: r.custody,
  createdAt: r.created_at,
});

export class OrganizationsRepository {
  constructor(private readonly db: Db) {}

  insert(org: Omit<OrganizationRow, "createdAt" | "custody"> & { custody?: Custody }): OrganizationRow {
    const createdAt = nowIso();
    const custody = org.custody ?? "gateway";
    this.db
      .prepare(
        "INSERT INTO organizations (code, org_id, name, kind, address, roles, custody, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(org.code, org.orgId, org.name, org.kind, org.address, JSON.stringify(org.roles), custody, createdAt);
    return { ...org, custody, createdAt };
  }

  /** An organisation now signs with its own key at `address` (the gateway's key for it is retired). */
  switchToOwnKey(code: string, address: string): void {
    this.db.prepare("UPDATE organizations SET custody = 'own', address = ? WHERE code = ?").run(address, code);
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
