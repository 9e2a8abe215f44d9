import { encodeBytes32String, getAddress, type Wallet } from "ethers";
import { accountProofSigner, type ProofScheme } from "../client/forward-request";
import { DELAYS, ORG_STATUSES, ROLES, orgKind, type OrgKindName, type RoleName } from "../../scripts/lib/roles";
import type { ChainContracts } from "../chain/contracts";
import type { Keystore } from "../chain/key-store";
import { OwnKeyAccount, clientSigningScope, type TxSigner } from "../chain/tx/client-signing";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxCall, TxPipeline } from "../chain/tx/pipeline";
import type { OrganizationRow, OrganizationsRepository } from "../db/repositories/organizations";
import type { SignedRequestsRepository } from "../db/repositories/signed-requests";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../errors";
import { readChain } from "./chain-read";

/** Roles an administrator may grant through the API, and which kinds of organisation may hold each. */
export const GRANTABLE_ROLES = ["GOVERNOR", "REGISTRAR", "ISSUER", "VERIFIER", "TREASURY", "MARKET_OPERATOR", "GUARDIAN", "RECOVERY", "ANCHORER"] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export const ROLE_HOLDERS: Record<GrantableRole, readonly OrgKindName[]> = {
  GOVERNOR: ["CityAgency", "Operator"],
  REGISTRAR: ["CityAgency"],
  ISSUER: ["CityAgency"],
  VERIFIER: ["Verifier"],
  TREASURY: ["Treasury"],
  MARKET_OPERATOR: ["Operator", "CityAgency"],
  GUARDIAN: ["Operator", "CityAgency"],
  RECOVERY: ["Operator"],
  ANCHORER: ["Operator"],
};

/** Execution delay of each grant: forced transfers wait, as DESIGN.md asks for dangerous actions. */
const GRANT_DELAY: Partial<Record<RoleName, number>> = { RECOVERY: DELAYS.RECOVERY_EXECUTION };

export const ORG_KIND_NAMES = ["CityAgency", "Business", "Verifier", "Auditor", "Treasury", "Operator"] as const;

export interface RegisterParticipantInput {
  code: string;
  name: string;
  kind: (typeof ORG_KIND_NAMES)[number];
  roles: GrantableRole[];
  /** Unix seconds, 0 for no expiry. */
  validUntil: number;
  metadataHash: string;
  /** Own-key organisation: its accounts; the gateway creates no key for it. */
  accounts?: string[];
}

/** The proof an account gives that it acts for an organisation on this chain (see server/client/forward-request.ts). */
export interface AccountProofInput {
  account: string;
  chainId: string;
  nonce: string;
  scheme: ProofScheme;
  signature: string;
}

export interface ParticipantDto {
  code: string;
  orgId: string;
  name: string;
  kind: string;
  /** On-chain status; NotRegistered while the registration is pending or after it failed. */
  status: string;
  validUntil: string | null;
  metadataHash: string | null;
  accounts: string[];
  roles: string[];
  /** "gateway": the gateway keeps its key; "own": it signs its own requests. */
  custody: string;
  createdAt: string;
}

export const orgIdOf = (code: string): string => encodeBytes32String(code);

/** A role grant scheduled with the administrator's delay: executed through POST /v1/governance/operations/{id}/execute. */
export interface ScheduledGrant {
  operationId: string;
  role: string;
  account: string;
  readyAt: string;
}

/** Schedules the administrator's grants of `roles` to `accounts` (one submission) and answers once mined. */
export type GrantScheduler = (orgCode: string, grants: { role: RoleName; account: string; executionDelay: number }[]) => Promise<ScheduledGrant[]>;

/**
 * Participants (organisations) as the gateway manages them: each gets a custodial key in the keystore, an on-chain
 * organisation record with that key as its account, and its roles; all three in one administrator transaction
 * (AccessManager.multicall of execute(registerOrganization), execute(addAccount) and grantRole), so a crash can
 * never leave an organisation half registered.
 */
export class ParticipantService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly keystore: Keystore,
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    /** The administrator's organisation; its key only on the embedded node (production: the administrators keep theirs). */
    private readonly admin: { orgCode: string; wallet?: Wallet },
    operations: OperationRegistry,
    private readonly signed?: SignedRequestsRepository,
    /**
     * The gateway's operational key with the GOVERNOR role only (DATA_DIR/keystore/CITY-OPERATOR): it admits, adds accounts,
     * suspends and reinstates. Role grants are the administrator's, scheduled with its delay (governance).
     */
    private readonly governor: { orgCode: string; wallet: TxSigner } = admin as { orgCode: string; wallet: Wallet },
  ) {
    operations.register<{ code: string; orgId: string; account: string; kind: string; roles: string[]; scheduledGrants?: ScheduledGrant[] }>(
      "participants.register",
      ({ params }) => ({
        code: params.code,
        orgId: params.orgId,
        account: params.account,
        kind: params.kind,
        roles: params.roles,
        scheduledGrants: params.scheduledGrants ?? [],
      }),
    );
    operations.register<{ code: string; status: string }>("participants.status", ({ params }) => ({ code: params.code, status: params.status }));
    operations.register("participants.account.add", ({ params }) => params);
  }

  /** Encodes the one administrator call that admits an organisation with its account and roles. */
  registrationCall(
    input: { orgId: string; kind: OrgKindName; validUntil: number; metadataHash: string; name: string; account: string; roles: RoleName[]; moreAccounts?: string[] },
    extra: string[] = [],
  ) {
    const am = this.contracts.accessManager.interface;
    const registry = this.contracts.participants.interface;
    const registryAddress = this.contracts.addresses.participants;
    const inner = [
      ...extra,
      am.encodeFunctionData("execute", [
        registryAddress,
        registry.encodeFunctionData("registerOrganization", [input.orgId, orgKind(input.kind), input.validUntil, input.metadataHash, input.name]),
      ]),
      ...[input.account, ...(input.moreAccounts ?? [])].flatMap((account) => this.accountCalls(input.orgId, account, input.roles)),
    ];
    return { to: this.contracts.addresses.accessManager, data: am.encodeFunctionData("multicall", [inner]) };
  }

  /** AccessManager calls that add `account` to an organisation and grant it the organisation's roles. */
  private accountCalls(orgId: string, account: string, roles: readonly string[]): string[] {
    const am = this.contracts.accessManager.interface;
    const registry = this.contracts.participants.interface;
    return [
      am.encodeFunctionData("execute", [this.contracts.addresses.participants, registry.encodeFunctionData("addAccount", [orgId, account])]),
      ...roles
        .filter((role): role is GrantableRole => (GRANTABLE_ROLES as readonly string[]).includes(role))
        .map((role) => am.encodeFunctionData("grantRole", [ROLES[role], account, GRANT_DELAY[role] ?? 0])),
    ];
  }

  async register(input: RegisterParticipantInput, caller: { orgCode: string }, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    // The administrator's key signs every registration; a governor may use it to admit participants, never to grant
    // roles (that would let a GOVERNOR key mint issuers, treasuries or other governors without the administrator).
    if (input.roles.length > 0 && !this.organizations.get(caller.orgCode)?.roles.includes("ADMIN")) {
      throw new ForbiddenError("ROLE_GRANT_NEEDS_ADMIN", "Only the city administrator can admit an organisation with roles; a governor admits plain participants", {
        roles: input.roles,
        caller: caller.orgCode,
      });
    }
    for (const role of input.roles) {
      if (!ROLE_HOLDERS[role].includes(input.kind)) {
        throw new UnprocessableError("ROLE_NOT_ALLOWED_FOR_KIND", `A ${input.kind} cannot hold the role ${role}`, {
          role,
          kind: input.kind,
          allowedKinds: ROLE_HOLDERS[role],
        });
      }
    }
    const orgId = orgIdOf(input.code);
    const onChain = await readChain(() => this.contracts.participants.organization(orgId));
    if (onChain.status !== 0n) {
      throw new ConflictError("PARTICIPANT_EXISTS", `${input.code} is already registered on chain`, { code: input.code, orgId });
    }
    const own = input.accounts?.map((a) => getAddress(a));
    if (!own && clientSigningScope()) {
      throw new UnprocessableError("CUSTODIAL_NEEDS_GATEWAY", "A custodial organisation's key is made by the gateway: give `accounts` to admit an own-key organisation with a client-signed request");
    }
    const existing = this.organizations.get(input.code);
    if (own && existing && existing.custody !== "own") {
      throw new ConflictError("PARTICIPANT_EXISTS", `${input.code} is known to the gateway as a custodial organisation`, { code: input.code });
    }
    // A registration that failed (or is being retried) keeps the key made the first time; an own-key one has none.
    const account = own ? own[0] : (await this.keystore.ensure(input.code)).address;
    // At genesis (the administrator still acts at once) the administrator admits and grants in one transaction; from
    // then on the operator's GOVERNOR key admits now and the grants wait the administrator's delay, scheduled first.
    const genesis = input.roles.length > 0 && (await this.administratorActsAtOnce());
    let scheduledGrants: ScheduledGrant[] | undefined;
    if (input.roles.length > 0 && !genesis) {
      if (!this.scheduleGrants) throw new ForbiddenError("ROLE_GRANT_NEEDS_ADMIN", "Role grants are scheduled by the administrator", { roles: input.roles });
      const accounts = [account, ...(own?.slice(1) ?? [])];
      scheduledGrants = await this.scheduleGrants(
        caller.orgCode,
        accounts.flatMap((a) => input.roles.map((role) => ({ role, account: a, executionDelay: GRANT_DELAY[role] ?? 0 }))),
      );
    }
    const params = { code: input.code, orgId, account, kind: input.kind, roles: input.roles, ...(scheduledGrants ? { scheduledGrants } : {}) };
    // Signing for the client changes nothing here: the relay adopts the organisation when it sends the request.
    if (!clientSigningScope()) this.adopt({ ...params, name: input.name, custody: own ? "own" : "gateway" });
    // genesis implies the administrator's key is held (administratorActsAtOnce).
    const signer = genesis ? this.admin.wallet! : this.governor.wallet;
    return this.pipeline.submit({
      ...(await this.signerFor(caller, { orgCode: this.admin.orgCode, wallet: signer })),
      operation: "participants.register",
      params: { ...params, ...(own ? { accounts: own, name: input.name, custody: "own" } : {}) },
      calls: [
        this.registrationCall({
          orgId,
          kind: input.kind,
          validUntil: input.validUntil,
          metadataHash: input.metadataHash,
          name: input.name,
          account,
          roles: genesis ? input.roles : [],
          moreAccounts: own?.slice(1),
        }),
      ],
      idempotency,
    });
  }

  /** Set once the governance service exists (it signs with the participants' keys, so it is made after this). */
  scheduleGrants?: GrantScheduler;

  /**
   * Whether the gateway holds the administrator's key and the chain lets it act at once: only during the bootstrap's
   * genesis work, before it imposes ADMIN_DELAY (the administrator also holds GOVERNOR only until then).
   */
  async administratorActsAtOnce(): Promise<boolean> {
    const wallet = this.admin.wallet;
    if (!wallet || !this.keystore.has(this.admin.orgCode)) return false;
    const am = this.contracts.accessManager;
    const [[isAdmin, delay], [isGovernor]] = await readChain(() => Promise.all([am.hasRole(ROLES.ADMIN, wallet.address), am.hasRole(ROLES.GOVERNOR, wallet.address)]));
    return isAdmin && delay === 0n && isGovernor;
  }

  /** Records (or refreshes, while it is not on chain yet) an organisation the gateway manages. */
  adopt(org: { code: string; orgId: string; name: string; kind: string; account: string; roles: string[]; custody: "gateway" | "own" }): void {
    if (this.organizations.get(org.code)) {
      this.organizations.update(org.code, { name: org.name, kind: org.kind, roles: org.roles });
    } else {
      this.organizations.insert({ code: org.code, orgId: org.orgId, name: org.name, kind: org.kind, address: org.account, roles: org.roles, custody: org.custody });
    }
  }

  /**
   * Adds an account to an organisation, proven by that account's signature over the organisation's code and this
   * chain's id with a fresh nonce: a proof for another organisation or chain, or one used before, is refused.
   */
  async addAccount(code: string, proof: AccountProofInput, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const org = this.require(code);
    await this.checkAccountProof(code, proof);
    const account = getAddress(proof.account);
    // The new account gets the organisation's roles through the administrator's scheduled grants: scheduled here when
    // the gateway holds the administrator's key, else listed for the administrator to schedule (never granted silently).
    const roles = org.roles.filter((role): role is GrantableRole => (GRANTABLE_ROLES as readonly string[]).includes(role));
    const canSchedule = roles.length > 0 && this.scheduleGrants !== undefined && this.keystore.has(this.admin.orgCode) && !clientSigningScope();
    const scheduledGrants = canSchedule ? await this.scheduleGrants!(this.admin.orgCode, roles.map((role) => ({ role, account, executionDelay: GRANT_DELAY[role] ?? 0 }))) : [];
    return this.pipeline.submit({
      orgCode: this.admin.orgCode,
      wallet: this.governor.wallet,
      operation: "participants.account.add",
      params: { code, account, custody: org.custody, scheduledGrants, rolesToSchedule: canSchedule ? [] : roles },
      calls: [this.addAccountCall(org, proof.account)],
      idempotency,
      record: () => this.useAccountProof(code, proof),
    });
  }

  /**
   * Checks an account's proof that it acts for `code` on this chain: its chain id, its signature, and that its nonce
   * was never used (the nonce is spent by useAccountProof, in the database transaction of what the proof allows).
   */
  async checkAccountProof(code: string, proof: AccountProofInput): Promise<void> {
    const chainId = (await readChain(() => this.contracts.participants.runner!.provider!.getNetwork())).chainId;
    if (BigInt(proof.chainId) !== chainId) {
      throw new UnprocessableError("PROOF_WRONG_CHAIN", `The proof names chain ${proof.chainId}; this ledger is chain ${chainId}`, {
        expected: chainId.toString(),
        got: proof.chainId,
      });
    }
    let signer: string;
    try {
      signer = accountProofSigner({ organization: code, account: proof.account, chainId: proof.chainId, nonce: proof.nonce }, proof.scheme, proof.signature);
    } catch {
      throw new UnprocessableError("INVALID_PROOF", "The proof's signature cannot be recovered", { scheme: proof.scheme });
    }
    if (signer !== getAddress(proof.account)) {
      throw new UnprocessableError("INVALID_PROOF", `The proof is not signed by ${proof.account} for ${code} on chain ${chainId}`, {
        account: proof.account,
        recovered: signer,
      });
    }
    if (!this.signed || !this.signed.useProofAvailable(proof.nonce)) {
      throw new ConflictError("PROOF_REPLAYED", "This proof was used before; sign a new one", { nonce: proof.nonce });
    }
  }

  /** Spends a proof's nonce; throws PROOF_REPLAYED when a concurrent request spent it first. */
  useAccountProof(code: string, proof: AccountProofInput): void {
    if (!this.signed!.useProof(proof.nonce, code, getAddress(proof.account))) throw new ConflictError("PROOF_REPLAYED", "This proof was used before; sign a new one", { nonce: proof.nonce });
  }

  /**
   * The governor's call that adds `account` to an organisation. Its roles are not granted here: a grant is the
   * administrator's, scheduled with its delay (POST /v1/governance/operations, action grantRole).
   */
  addAccountCall(org: OrganizationRow, account: string): TxCall {
    return { to: this.contracts.addresses.accessManager, data: this.contracts.accessManager.interface.encodeFunctionData("multicall", [this.accountCalls(org.orgId, account, [])]) };
  }

  /**
   * Who signs an administration call (admission, suspension): the gateway's key for it (`custodial`: the operator's
   * GOVERNOR key, or the administrator's at genesis), or, when the caller signs for itself (`Prefer: sign=client`),
   * the caller's own account; the chain then checks that account's role as the relayed request's signer.
   */
  private async signerFor(caller: { orgCode: string }, custodial: { orgCode: string; wallet: TxSigner }): Promise<{ orgCode: string; wallet: TxSigner }> {
    return clientSigningScope() ? { orgCode: caller.orgCode, wallet: await this.walletOf(caller.orgCode) } : custodial;
  }

  async setStatus(code: string, action: "suspend" | "reinstate", reason: string, caller: { orgCode: string }, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const org = this.require(code);
    if (org.code === this.admin.orgCode) {
      throw new UnprocessableError("ADMIN_ORGANIZATION", "The city administrator's own organisation cannot be suspended or reinstated here");
    }
    const registry = this.contracts.participants;
    return this.pipeline.submit({
      ...(await this.signerFor(caller, { orgCode: this.admin.orgCode, wallet: this.governor.wallet })),
      operation: "participants.status",
      params: { code, status: action === "suspend" ? "Suspended" : "Active" },
      calls: [{ to: await registry.getAddress(), data: action === "suspend" ? registry.interface.encodeFunctionData("suspend", [org.orgId, reason]) : registry.interface.encodeFunctionData("reinstate", [org.orgId, reason]) }],
      idempotency,
    });
  }

  async get(code: string): Promise<ParticipantDto> {
    return this.toDto(this.require(code));
  }

  async list(options: { limit: number; after?: string; kind?: string }): Promise<{ items: ParticipantDto[]; nextCursor: string | null }> {
    const rows = this.organizations.list({ limit: options.limit + 1, after: options.after, kind: options.kind });
    const page = rows.slice(0, options.limit);
    return {
      items: await Promise.all(page.map((r) => this.toDto(r))),
      nextCursor: rows.length > options.limit ? page[page.length - 1].code : null,
    };
  }

  find(code: string): OrganizationRow | undefined {
    return this.organizations.get(code);
  }

  require(code: string): OrganizationRow {
    const org = this.organizations.get(code);
    if (!org) throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${code}`, { code });
    return org;
  }

  /**
   * What signs for a participant: its key in the keystore (unlocked on its first use), or, for an own-key
   * organisation (and for any organisation whose request is signed by the client), its account, which the gateway
   * cannot sign for.
   */
  async walletOf(code: string): Promise<TxSigner> {
    const org = this.require(code);
    const from = clientSigningScope()?.from;
    if (from) return new OwnKeyAccount(from);
    return org.custody === "own" ? new OwnKeyAccount(org.address) : this.keystore.get(org.code);
  }

  /** The account that signs for a participant (walletOf's address, without unlocking a key). */
  addressOf(code: string): string {
    const org = this.require(code);
    const from = clientSigningScope()?.from;
    if (from) return from;
    return org.custody === "own" ? org.address : this.keystore.address(org.code);
  }

  private async toDto(org: OrganizationRow): Promise<ParticipantDto> {
    const registry = this.contracts.participants;
    const [record, accounts] = await readChain(() => Promise.all([registry.organization(org.orgId), registry.accountsOf(org.orgId)]));
    const status = Number(record.status);
    return {
      code: org.code,
      orgId: org.orgId,
      name: org.name,
      kind: org.kind,
      status: status === 0 ? "NotRegistered" : ORG_STATUSES[status],
      validUntil: status === 0 || record.validUntil === 0n ? null : new Date(Number(record.validUntil) * 1000).toISOString(),
      metadataHash: status === 0 ? null : record.metadataHash,
      accounts: [...accounts],
      roles: org.roles,
      custody: org.custody,
      createdAt: org.createdAt,
    };
  }
}


