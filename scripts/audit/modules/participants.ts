import { getAddress } from "ethers";
import { ORG_KINDS, ORG_STATUSES, type OrgKindName, type OrgStatusName } from "../../lib/roles";
import { accountLabel, isoTime, orgLabel } from "../labels";
import { expectSame } from "../engine";
import type { AuditEvent, AuditModule, Location, ReplayContext, SubjectSection } from "../types";

interface OrgModel {
  kind: number;
  status: number;
  validUntil: bigint;
  metadataHash: string;
  accounts: Set<string>;
  name: string;
  registered: Location;
  /** The last event that changed this organisation or its accounts. */
  changed: Location;
}

const ACTIVE = ORG_STATUSES.indexOf("Active");

/**
 * Rebuilds organisations and their accounts from ParticipantRegistry events. Other modules ask it whether an
 * account was active, and of which kind, at the moment an event happened.
 */
export class ParticipantsModule implements AuditModule {
  readonly name = "participants";
  readonly contracts = ["ParticipantRegistry"] as const;
  readonly checks = [
    "every organisation's kind, status, expiry and metadata equal the registry's",
    "every organisation's accounts equal the registry's, and every account maps back to its organisation",
    "status changes follow Active ⇄ Suspended → Revoked and name the status they leave",
  ] as const;

  private readonly orgs = new Map<string, OrgModel>();
  private readonly accountOrg = new Map<string, string>();
  /** Every account ever added, with the last event that changed it. */
  private readonly accountChanged = new Map<string, Location>();

  apply(event: AuditEvent, ctx: ReplayContext): void {
    const a = event.args;
    switch (event.name) {
      case "OrganizationRegistered":
        if (this.orgs.has(a.orgId as string)) ctx.report("participant events", `organisation ${orgLabel(a.orgId as string)} registered twice`, event);
        this.orgs.set(a.orgId as string, {
          kind: Number(a.kind),
          status: ACTIVE,
          validUntil: a.validUntil as bigint,
          metadataHash: a.metadataHash as string,
          accounts: new Set(),
          name: a.name as string,
          registered: event,
          changed: event,
        });
        break;
      case "OrganizationUpdated": {
        const org = this.requireOrg(a.orgId as string, event, ctx);
        if (org) {
          org.validUntil = a.validUntil as bigint;
          org.metadataHash = a.metadataHash as string;
          org.changed = event;
        }
        break;
      }
      case "OrganizationStatusChanged": {
        const org = this.requireOrg(a.orgId as string, event, ctx);
        if (!org) break;
        ctx.checked("participant events");
        if (org.status !== Number(a.previousStatus)) {
          ctx.report("participant events", `status change of ${orgLabel(a.orgId as string)} leaves ${ORG_STATUSES[Number(a.previousStatus)]} but the organisation was ${ORG_STATUSES[org.status]}`, event);
        }
        org.status = Number(a.newStatus);
        org.changed = event;
        break;
      }
      case "AccountAdded": {
        const org = this.requireOrg(a.orgId as string, event, ctx);
        const account = (a.account as string).toLowerCase();
        if (this.accountOrg.has(account)) ctx.report("participant events", `account ${a.account} added while it acts for ${orgLabel(this.accountOrg.get(account)!)}`, event);
        if (org) {
          org.accounts.add(account);
          org.changed = event;
        }
        this.accountOrg.set(account, a.orgId as string);
        this.accountChanged.set(account, event);
        break;
      }
      case "AccountRemoved": {
        const account = (a.account as string).toLowerCase();
        const org = this.orgs.get(a.orgId as string);
        if (org) {
          org.accounts.delete(account);
          org.changed = event;
        }
        this.accountOrg.delete(account);
        this.accountChanged.set(account, event);
        break;
      }
      default:
        break;
    }
  }

  /** Whether the account acted for an Active, unexpired organisation at `timestamp` (seconds). */
  isActiveAt(account: string, timestamp: number): boolean {
    const org = this.orgOfAccount(account);
    if (!org || org.status !== ACTIVE) return false;
    return org.validUntil === 0n || BigInt(timestamp) <= org.validUntil;
  }

  /** Whether the answer of `isActiveAt` can depend on time (only then does the audit need block timestamps). */
  hasExpiry(account: string): boolean {
    const org = this.orgOfAccount(account);
    return !!org && org.validUntil !== 0n;
  }

  /**
   * Whether the account was active when `event` happened. Fetches the block's timestamp only when the answer can
   * depend on it (the account's organisation has an expiry), so a history without expiries costs no extra calls.
   */
  async activeAtEvent(account: string, event: Location, ctx: ReplayContext): Promise<boolean> {
    const timestamp = this.hasExpiry(account) ? await ctx.chain.blockTimestamp(event.blockNumber) : 0;
    return this.isActiveAt(account, timestamp);
  }

  /** The organisation's status now (in the replay), "None" if unknown. */
  orgStatusOf(orgId: string): OrgStatusName {
    return ORG_STATUSES[this.orgs.get(orgId)?.status ?? 0];
  }

  /** The organisation's accounts now (in the replay), lower-case. */
  accountsOf(orgId: string): string[] {
    return [...(this.orgs.get(orgId)?.accounts ?? [])];
  }

  /** An account as people know it: its organisation's code, then the address. */
  labelOf(account: string): string {
    return accountLabel(account, (a) => this.orgIdOf(a));
  }

  subjects(): SubjectSection[] {
    const items = [...this.orgs].map(([orgId, org]) => ({
      id: orgLabel(orgId),
      text:
        `"${org.name}", ${ORG_KINDS[org.kind]}, ${ORG_STATUSES[org.status]}, ${org.validUntil === 0n ? "no expiry" : `valid until ${isoTime(org.validUntil)}`}, ` +
        `${org.accounts.size} account${org.accounts.size === 1 ? "" : "s"}${org.accounts.size ? ": " + [...org.accounts].map((a) => getAddress(a)).join(", ") : ""}`,
      blockNumber: org.registered.blockNumber,
    }));
    return [{ title: "Organisations", total: items.length, items }];
  }

  kindOf(account: string): OrgKindName {
    const org = this.orgOfAccount(account);
    return ORG_KINDS[org?.kind ?? 0];
  }

  orgIdOf(account: string): string | undefined {
    return this.accountOrg.get(account.toLowerCase());
  }

  private orgOfAccount(account: string): OrgModel | undefined {
    const orgId = this.accountOrg.get(account.toLowerCase());
    return orgId ? this.orgs.get(orgId) : undefined;
  }

  private requireOrg(orgId: string, event: AuditEvent, ctx: ReplayContext): OrgModel | undefined {
    const org = this.orgs.get(orgId);
    if (!org) ctx.report("participant events", `${event.name} for unknown organisation ${orgLabel(orgId)}`, event);
    return org;
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    const check = "participants match the registry";
    for (const [orgId, org] of this.orgs) {
      const onChain = await ctx.chain.call<{ kind: bigint; status: bigint; validUntil: bigint; accountCount: bigint; metadataHash: string }>(
        "ParticipantRegistry",
        "organization",
        [orgId],
      );
      const since = org.changed;
      const what = `organisation ${orgLabel(orgId)}`;
      expectSame(ctx, check, `${what} kind`, ORG_KINDS[org.kind], ORG_KINDS[Number(onChain.kind)], since);
      expectSame(ctx, check, `${what} status`, ORG_STATUSES[org.status], ORG_STATUSES[Number(onChain.status)], since);
      expectSame(ctx, check, `${what} valid until`, isoTime(org.validUntil), isoTime(onChain.validUntil), since);
      expectSame(ctx, check, `${what} metadataHash`, org.metadataHash, onChain.metadataHash, since);
      const accounts = (await ctx.chain.call<string[]>("ParticipantRegistry", "accountsOf", [orgId])).map((x) => x.toLowerCase());
      expectSame(ctx, check, `${what} accounts`, [...org.accounts].sort(), [...accounts].sort(), since);
    }
    const timestamp = await ctx.chain.blockTimestamp(ctx.chain.blockNumber);
    for (const [account, since] of this.accountChanged) {
      const orgId = (await ctx.chain.call<string>("ParticipantRegistry", "orgOf", [account])).toLowerCase();
      expectSame(ctx, check, `organisation of account ${account}`, orgLabel(this.accountOrg.get(account) ?? "0x" + "0".repeat(64)), orgLabel(orgId), since);
      const org = this.orgOfAccount(account);
      expectSame(ctx, check, `isActive(${account})`, this.isActiveAt(account, timestamp), await ctx.chain.call<boolean>("ParticipantRegistry", "isActive", [account]), org?.changed ?? since);
    }
  }
}
