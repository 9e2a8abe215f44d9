import { expectSame } from "../engine";
import type { AuditEvent, AuditModule, ReplayContext } from "../types";

interface Grant {
  since: bigint;
  delay: bigint;
}

/**
 * Rebuilds who holds which role, which role guards which function, which contracts are closed, and which
 * authority each managed contract answers to, from the AccessManager's events and the managed contracts'
 * AuthorityUpdated events.
 */
export class AccessModule implements AuditModule {
  readonly name = "access";
  readonly contracts: readonly string[];
  readonly checks = [
    "every role membership (and its execution delay) equals the AccessManager's",
    "every function's required role and every contract's closed flag equal the AccessManager's",
    "every managed contract answers to the city's AccessManager",
  ] as const;

  private readonly grants = new Map<string, Grant>(); // `${roleId}:${account}`
  private readonly functionRoles = new Map<string, bigint>(); // `${target}:${selector}`
  private readonly closed = new Map<string, boolean>();
  private readonly authorities = new Map<string, string>(); // contract name → authority
  private accessManagerAddress = "";
  /**
   * The block of the first change of the ADMIN grant delay: deploySystem's last step, so the end of the deployment's
   * own transactions (which no action-log entry names).
   */
  setupEndBlock: number | undefined;

  constructor(managedContracts: readonly string[]) {
    this.contracts = ["CityAccessManager", ...managedContracts];
  }

  /** Which role each function was last given, by `${target}:${selector}` (lower-case), as replayed. */
  functionRolesNow(): [string, bigint][] {
    return [...this.functionRoles];
  }

  /** Every (role, account) the replay saw granted and not revoked; membership may still be pending its grant delay. */
  membersNow(): { roleId: bigint; account: string }[] {
    return [...this.grants.keys()].map((key) => {
      const [roleId, account] = key.split(":");
      return { roleId: BigInt(roleId), account };
    });
  }

  apply(event: AuditEvent): void {
    const a = event.args;
    if (event.contract === "CityAccessManager") this.accessManagerAddress = event.address.toLowerCase();
    switch (event.name) {
      case "RoleGranted":
        this.grants.set(`${a.roleId}:${(a.account as string).toLowerCase()}`, { since: a.since as bigint, delay: a.delay as bigint });
        break;
      case "RoleRevoked":
        this.grants.delete(`${a.roleId}:${(a.account as string).toLowerCase()}`);
        break;
      case "TargetFunctionRoleUpdated":
        this.functionRoles.set(`${(a.target as string).toLowerCase()}:${a.selector}`, a.roleId as bigint);
        break;
      case "TargetClosed":
        this.closed.set((a.target as string).toLowerCase(), a.closed as boolean);
        break;
      case "RoleGrantDelayChanged":
        if (a.roleId === 0n && this.setupEndBlock === undefined) this.setupEndBlock = event.blockNumber;
        break;
      case "AuthorityUpdated":
        this.authorities.set(event.contract, (a.authority as string).toLowerCase());
        break;
      default:
        break;
    }
  }

  async reconcile(ctx: ReplayContext): Promise<void> {
    const check = "access control matches the AccessManager";
    const now = BigInt(await ctx.chain.blockTimestamp(ctx.chain.blockNumber));
    for (const [key, grant] of this.grants) {
      const [roleId, account] = key.split(":");
      const [isMember, delay] = await ctx.chain.call<[boolean, bigint]>("CityAccessManager", "hasRole", [roleId, account]);
      expectSame(ctx, check, `role ${roleId} of ${account}`, grant.since <= now, isMember);
      if (isMember) expectSame(ctx, check, `execution delay of role ${roleId} for ${account}`, grant.delay, delay);
    }
    for (const [key, roleId] of this.functionRoles) {
      const [target, selector] = key.split(":");
      expectSame(ctx, check, `role for ${target}.${selector}`, roleId, await ctx.chain.call<bigint>("CityAccessManager", "getTargetFunctionRole", [target, selector]));
    }
    for (const [target, isClosed] of this.closed) {
      expectSame(ctx, check, `closed flag of ${target}`, isClosed, await ctx.chain.call<boolean>("CityAccessManager", "isTargetClosed", [target]));
    }
    for (const contract of this.contracts.slice(1)) {
      expectSame(ctx, "managed contracts answer to the city's AccessManager", `authority of ${contract}`, this.authorities.get(contract) ?? "none", this.accessManagerAddress || "none");
      expectSame(ctx, "managed contracts answer to the city's AccessManager", `authority() of ${contract}`, this.accessManagerAddress, (await ctx.chain.call<string>(contract, "authority")).toLowerCase());
    }
  }
}
