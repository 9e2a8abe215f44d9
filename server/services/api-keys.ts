import crypto from "node:crypto";
import type { ApiKeyRow, ApiKeysRepository } from "../db/repositories/api-keys";
import type { OrganizationsRepository } from "../db/repositories/organizations";
import { ORG_STATUSES } from "../../scripts/lib/roles";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../errors";
import type { ApiKeyDto } from "../client/shapes";
import type { Principal } from "./principal";
import { allowedScopes, type Scope } from "./scopes";

export type { ApiKeyDto } from "../client/shapes";

const sha256 = (text: string): Buffer => crypto.createHash("sha256").update(text, "utf8").digest();

const toDto = (row: ApiKeyRow): ApiKeyDto => ({
  id: row.id,
  organization: row.orgCode,
  scopes: row.scopes,
  label: row.label,
  prefix: row.prefix,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
});

/**
 * API keys: 32 random bytes, shown once; only their sha256 is stored. Looking a key up by its hash leaks nothing
 * useful through timing (an attacker cannot steer the hash), and the final comparison is timing-safe anyway.
 */
/** An organisation's standing on chain: status (ORG_STATUSES index) and validity end (unix seconds, 0 for none). */
export type OrgStanding = (orgId: string) => { status: number; validUntil: bigint } | undefined;

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly organizations: OrganizationsRepository,
    /** From the event index; an organisation it does not know yet (just registered) counts as active. */
    private readonly standing: OrgStanding = () => undefined,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  create(input: { organization: string; scopes?: string[]; label?: string | null }): { key: string; apiKey: ApiKeyDto } {
    const key = `cal_${crypto.randomBytes(32).toString("base64url")}`;
    return { key, apiKey: this.insert(input, key) };
  }

  /** Stores a key chosen elsewhere (ADMIN_API_KEY, or one from an earlier credentials file). */
  insert(input: { organization: string; scopes?: string[]; label?: string | null }, key: string): ApiKeyDto {
    const org = this.organizations.get(input.organization);
    if (!org) throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${input.organization}`);
    const allowed = allowedScopes(org.kind, org.roles);
    const scopes = input.scopes ?? [...allowed].sort();
    const refused = scopes.filter((s) => !allowed.has(s as Scope));
    if (refused.length > 0) {
      throw new UnprocessableError("SCOPE_NOT_ALLOWED", `${org.code} (${org.kind}) may not hold: ${refused.join(", ")}`, {
        refused,
        allowed: [...allowed].sort(),
      });
    }
    const row = this.keys.insert({
      id: `key_${crypto.randomBytes(8).toString("hex")}`,
      orgCode: org.code,
      keyHash: sha256(key),
      prefix: key.slice(0, 8),
      scopes: [...new Set(scopes)].sort(),
      label: input.label ?? null,
    });
    return toDto(row);
  }

  /** The caller behind a key, or undefined for an unknown or revoked key. */
  authenticate(key: string): Principal | undefined {
    const hash = sha256(key);
    const row = this.keys.byHash(hash);
    if (!row || row.revokedAt !== null || !crypto.timingSafeEqual(row.keyHash, hash)) return undefined;
    const org = this.organizations.get(row.orgCode);
    if (!org) return undefined;
    // A key never exceeds what its organisation may do now (roles can change after the key was made).
    const allowed = allowedScopes(org.kind, org.roles);
    const scopes = new Set(row.scopes.filter((s) => allowed.has(s as Scope)));
    const refusal = this.inactivity(org.code, org.orgId);
    return { keyId: row.id, orgCode: org.code, orgKind: org.kind, scopes, ...(refusal ? { refusal } : {}) };
  }

  /** 403 with a code naming why, when the organisation may not act now; undefined while it is active. */
  private inactivity(code: string, orgId: string): ForbiddenError | undefined {
    const standing = this.standing(orgId);
    if (!standing) return undefined;
    const status = ORG_STATUSES[standing.status] ?? "None";
    if (status === "Suspended" || status === "Revoked") {
      return new ForbiddenError(`ORGANIZATION_${status.toUpperCase()}`, `${code} is ${status.toLowerCase()}: its API keys act for nobody`, { organization: code, status });
    }
    // Expired at validUntil itself, as the registry's isActive counts it (active while now < validUntil).
    if (standing.validUntil !== 0n && BigInt(this.now()) >= standing.validUntil) {
      return new ForbiddenError("ORGANIZATION_EXPIRED", `${code}'s admission expired: its API keys act for nobody`, {
        organization: code,
        validUntil: new Date(Number(standing.validUntil) * 1000).toISOString(),
      });
    }
    return undefined;
  }

  isValid(key: string): boolean {
    return this.authenticate(key) !== undefined;
  }

  list(organization?: string, includeRevoked = false): ApiKeyDto[] {
    return this.keys.listByOrg(organization, includeRevoked).map(toDto);
  }

  /** Revokes every live key of an organisation at once; answers the keys revoked (none when there were none). */
  revokeAll(organization: string): ApiKeyDto[] {
    if (!this.organizations.get(organization)) throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${organization}`, { code: organization });
    const live = this.keys.listByOrg(organization, false);
    for (const row of live) this.keys.revoke(row.id);
    return live.map((row) => toDto(this.keys.get(row.id)!));
  }

  /** Revokes a key; revoking a revoked key is a no-op answering the same (DELETE is idempotent). */
  revoke(id: string): ApiKeyDto {
    const row = this.keys.get(id);
    if (!row) throw new NotFoundError("API_KEY_NOT_FOUND", `No API key ${id}`);
    this.keys.revoke(id);
    return toDto(this.keys.get(id)!);
  }
}
