import { Contract, Interface, concat, getAddress, type Provider } from "ethers";
import {
  FORWARDER_ABI,
  FORWARD_REQUEST_TYPES,
  forwardRequestData,
  forwardRequestDigest,
  forwardRequestSigner,
  forwarderDomain,
  signableRequest,
  type ForwardRequestMessage,
  type ForwarderDomain,
  type SignableRequest,
} from "../client/forward-request";
import type { ChainContracts } from "../chain/contracts";
import type { Keystore } from "../chain/key-store";
import { isChainUnreachable } from "../chain/chain-errors";
import { isRevert, revertErrorFrom } from "../chain/revert";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, SubmitRequest, TxPipeline } from "../chain/tx/pipeline";
import type { SignedRequestsRepository } from "../db/repositories/signed-requests";
import { ApiError, BadRequestError, ChainUnavailableError, ConflictError, ForbiddenError, UnprocessableError } from "../errors";
import { readChain } from "./chain-read";
import type { OrgDirectory } from "./org-directory";
import type { ParticipantService } from "./participants";

/** The gateway's own key that sends `Forwarder.execute`; it holds no role and no asset, only the relay's nonces. */
export const RELAYER_ALIAS = "GATEWAY-RELAYER";

/** How long a prepared request stays valid (seconds): enough to read it, sign it and post it back. */
export const SIGNED_REQUEST_TTL_SECONDS = 15 * 60;

/**
 * Operations a write may need signed first (the market's one-time approvals, the exchange's approval of exactly the
 * price): the client signs, relays, and asks again.
 */
const PREREQUISITES = new Set(["market.approve.credits", "market.approve.vnd", "exchange.approve"]);

/** What `Prefer: sign=client` answers: the typed data, plus what it does. */
export interface PreparedRequest extends SignableRequest {
  operation: string;
  /** True when this request must be relayed (and mined) before the write asked for can be prepared. */
  prerequisite: boolean;
  expiresAt: string;
}

export interface RelayedRequest {
  submission: SubmitOutcome;
  successStatus: number;
  signer: string;
}

type Claim = { orgCode: string; key: string };

/**
 * Signed requests (DESIGN.md "Trust model" rule 1): prepares the EIP-712 ForwardRequest of any write for the caller to
 * sign, and relays signed requests through the Forwarder with the gateway's relayer key, via the outbox like any other
 * transaction. Every check that can refuse a request runs before anything is written: domain and chain id, target,
 * deadline, signature, forwarder nonce (replay), the signer's standing, and a simulation of the call as the signer.
 */
export class RelayService {
  readonly #forwarder: Interface = new Interface(FORWARDER_ABI);
  readonly #bySigner = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: {
      contracts: ChainContracts;
      provider: Provider;
      pipeline: TxPipeline;
      keystore: Keystore;
      participants: ParticipantService;
      directory: OrgDirectory;
      repo: SignedRequestsRepository;
      gasLimitHeadroomPercent: number;
    },
    operations: OperationRegistry,
  ) {
    // A request a client built itself from the ABI: the gateway knows only what it called.
    operations.register("relay.call", ({ params }) => params);
  }

  /** The Forwarder's address; 503 when the deployment has none (an older deployment record). */
  get forwarderAddress(): string {
    const address = (this.deps.contracts.addresses as Record<string, string | undefined>).forwarder;
    if (!address) throw new ApiError(503, "FORWARDER_NOT_DEPLOYED", "This deployment has no Forwarder: signed requests are not available");
    return address;
  }

  async domain(): Promise<ForwarderDomain> {
    const { chainId } = await readChain(() => this.deps.provider.getNetwork());
    return forwarderDomain(chainId, this.forwarderAddress);
  }

  /** The system's contracts a relayed request may call (every one but the Forwarder itself). */
  targets(): Set<string> {
    const forwarder = this.forwarderAddress;
    return new Set(Object.values(this.deps.contracts.addresses).filter((a) => a !== forwarder).map((a) => getAddress(a)));
  }

  // ---------------------------------------------------------------- prepare (Prefer: sign=client)

  /** Turns what a write would have submitted into the ForwardRequest its signer signs. Nothing is sent. */
  async prepare(captured: SubmitRequest, successStatus: number): Promise<PreparedRequest> {
    if (captured.calls.length !== 1 || captured.calls[0].to === null) {
      throw new UnprocessableError("NOT_ONE_CALL", "This request needs several transactions; a signed request carries one (split it, e.g. one account at a time)", {
        operation: captured.operation,
        calls: captured.calls.length,
      });
    }
    const [call] = captured.calls;
    const from = getAddress(captured.wallet.address);
    const to = getAddress(call.to!);
    await this.requireRelayable(to);
    const [domain, nonce, gas, now] = await Promise.all([this.domain(), this.nonceOf(from), this.simulateAs(from, to, call.data), this.chainTime()]);
    const deadline = now + SIGNED_REQUEST_TTL_SECONDS;
    const message: ForwardRequestMessage = {
      from,
      to,
      value: "0",
      gas: ((gas * BigInt(100 + this.deps.gasLimitHeadroomPercent)) / 100n).toString(),
      nonce: nonce.toString(),
      deadline: deadline.toString(),
      data: call.data,
    };
    const digest = forwardRequestDigest(domain, message);
    const prerequisite = PREREQUISITES.has(captured.operation);
    // A prerequisite is not the write asked for: relaying it answers 200 with its own result.
    this.deps.repo.remember({ digest, orgCode: captured.orgCode, operation: captured.operation, params: captured.params, successStatus: prerequisite ? 200 : successStatus });
    return {
      ...signableRequest(domain, message),
      operation: captured.operation,
      prerequisite,
      expiresAt: new Date(deadline * 1000).toISOString(),
    };
  }

  // ---------------------------------------------------------------- relay

  /** Verifies a signed request and relays it; `onSigner` learns the signer as soon as it is known (for the action log). */
  async relay(body: { request: Omit<SignableRequest, "types" | "primaryType"> & { types?: SignableRequest["types"] }; signature: string }, idempotency: Claim | undefined, onSigner: (signer: string) => void): Promise<RelayedRequest> {
    const { request, signature } = body;
    const m = request.message;
    const domain = await this.domain();
    if (request.domain.chainId !== domain.chainId) {
      throw new BadRequestError("WRONG_CHAIN", `The request is for chain ${request.domain.chainId}; this ledger is chain ${domain.chainId}`, {
        expected: domain.chainId,
        got: request.domain.chainId,
      });
    }
    if (request.domain.name !== domain.name || request.domain.version !== domain.version || getAddress(request.domain.verifyingContract) !== domain.verifyingContract) {
      throw new BadRequestError("WRONG_DOMAIN", "The request is not for this ledger's Forwarder (see GET /v1/network)", { expected: domain, got: request.domain });
    }
    if (request.types && JSON.stringify(request.types.ForwardRequest) !== JSON.stringify(FORWARD_REQUEST_TYPES.ForwardRequest)) {
      throw new BadRequestError("MALFORMED_TYPED_DATA", "types.ForwardRequest differs from the Forwarder's ForwardRequest type", { expected: FORWARD_REQUEST_TYPES });
    }
    let signer: string;
    try {
      signer = forwardRequestSigner(domain, m, signature);
    } catch {
      throw new BadRequestError("MALFORMED_SIGNATURE", "The signature is not a valid ECDSA signature", {});
    }
    const from = getAddress(m.from);
    if (signer !== from) {
      throw new UnprocessableError("INVALID_SIGNATURE", `The request is from ${from} but signed by ${signer}`, { from, signer });
    }
    onSigner(signer);
    const to = getAddress(m.to);
    if (!this.targets().has(to)) {
      throw new UnprocessableError("FOREIGN_TARGET", `${to} is not one of the system's contracts`, { to, targets: [...this.targets()] });
    }
    await this.requireRelayable(to);
    if (BigInt(m.value) !== 0n) throw new UnprocessableError("VALUE_NOT_ALLOWED", "Relayed requests carry no ether", { value: m.value });
    const now = await this.chainTime();
    if (BigInt(m.deadline) < BigInt(now)) {
      throw new UnprocessableError("REQUEST_EXPIRED", `The request expired at ${new Date(Number(m.deadline) * 1000).toISOString()}`, {
        deadline: m.deadline,
        chainTime: now,
      });
    }
    // One relay per signer at a time: the nonce check and the outbox write cannot interleave with another's.
    return this.serialised(from, async () => {
      const expected = await this.nonceOf(from);
      const pending = this.deps.repo.pendingRelay(from, m.nonce);
      if (BigInt(m.nonce) < expected || pending) {
        throw new ConflictError("REQUEST_REPLAYED", "This request (its forwarder nonce) was relayed already", {
          nonce: m.nonce,
          nextNonce: expected.toString(),
          ...(pending ? { transaction: `/v1/transactions/${pending}` } : {}),
        });
      }
      if (BigInt(m.nonce) > expected) {
        throw new ConflictError("NONCE_AHEAD", `The Forwarder expects nonce ${expected} from ${from}: an earlier request is not mined yet, or was never sent`, {
          nonce: m.nonce,
          nextNonce: expected.toString(),
        });
      }
      const active = await readChain(() => this.deps.contracts.participants.isActive(from));
      if (!active) throw new ForbiddenError("SIGNER_NOT_ACTIVE", `${from} is not an account of an active participant`, { signer: from });
      const needed = await this.simulateAs(from, to, m.data);
      if (BigInt(m.gas) < needed) {
        throw new UnprocessableError("GAS_TOO_LOW", `The request allows ${m.gas} gas; the call needs about ${needed}`, { gas: m.gas, needed: needed.toString() });
      }

      const digest = forwardRequestDigest(domain, m);
      const intent = this.deps.repo.intent(digest);
      const orgId = await readChain(() => this.deps.contracts.participants.orgOf(from));
      const orgCode = this.deps.directory.codeOf(orgId);
      const relayer = await this.deps.keystore.ensure(RELAYER_ALIAS);
      const submission = await this.deps.pipeline.submit({
        orgCode,
        wallet: relayer,
        operation: intent?.operation ?? "relay.call",
        params: intent?.params ?? { signer: from, to, selector: m.data.slice(0, 10), nonce: m.nonce },
        calls: [{ to: this.forwarderAddress, data: this.#forwarder.encodeFunctionData("execute", [forwardRequestData(m, signature)]) }],
        idempotency,
        record: (submissionId) => {
          this.deps.repo.recordRelay({ digest, submissionId, signer: from, nonce: m.nonce, signature });
          if (intent?.operation === "participants.register") this.adoptRegistration(intent.params);
        },
      });
      return { submission, successStatus: intent?.successStatus ?? 200, signer: from };
    });
  }

  /** An own-key organisation admitted through a relayed request is recorded like one admitted directly. */
  private adoptRegistration(params: unknown): void {
    const p = params as { code: string; orgId: string; account: string; kind: string; roles: string[]; name?: string; custody?: "own" | "gateway" };
    if (p.custody === "own") this.deps.participants.adopt({ ...p, name: p.name ?? p.code, custody: "own" });
  }

  // ---------------------------------------------------------------- chain views

  readonly #trusted = new Map<string, boolean>();

  /** A system contract that does not trust the Forwarder (ParticipantRegistry, AuditAnchor) sees the Forwarder, not the signer. */
  private async requireRelayable(to: string): Promise<void> {
    let trusted = this.#trusted.get(to);
    if (trusted === undefined) {
      const target = new Contract(to, ["function isTrustedForwarder(address) view returns (bool)"], this.deps.provider);
      trusted = await readChain(() => (target.isTrustedForwarder(this.forwarderAddress) as Promise<boolean>).catch((err: unknown) => {
        if (isRevert(err) || (err as { code?: string }).code === "BAD_DATA") return false;
        throw err;
      }));
      this.#trusted.set(to, trusted);
    }
    if (!trusted) {
      throw new UnprocessableError("TARGET_NOT_RELAYABLE", `${to} does not accept requests relayed by the Forwarder; this write is signed by the gateway only`, { to });
    }
  }

  private nonceOf(account: string): Promise<bigint> {
    const forwarder = new Contract(this.forwarderAddress, FORWARDER_ABI, this.deps.provider);
    return readChain(() => forwarder.nonces(account) as Promise<bigint>);
  }

  private async chainTime(): Promise<number> {
    const block = await readChain(() => this.deps.provider.getBlock("latest"));
    return Math.max(block?.timestamp ?? 0, Math.floor(Date.now() / 1000));
  }

  /** Simulates the call exactly as the target will see it through the Forwarder (ERC-2771: the signer appended). */
  private async simulateAs(from: string, to: string, data: string): Promise<bigint> {
    try {
      return await this.deps.provider.estimateGas({ from: this.forwarderAddress, to, data: concat([data, from]), value: 0n });
    } catch (err) {
      if (isChainUnreachable(err)) throw new ChainUnavailableError();
      if (isRevert(err)) throw revertErrorFrom(err);
      throw err;
    }
  }

  private serialised<T>(signer: string, work: () => Promise<T>): Promise<T> {
    const tail = this.#bySigner.get(signer) ?? Promise.resolve();
    const result = tail.then(work, work);
    this.#bySigner.set(
      signer,
      result.catch(() => undefined),
    );
    return result;
  }
}
