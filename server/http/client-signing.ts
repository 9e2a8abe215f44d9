import type { Request } from "express";
import { encodeBytes32String, getAddress, isAddress } from "ethers";
import { CapturedSubmission, runSigningForClient } from "../chain/tx/client-signing";
import type { ChainContracts } from "../chain/contracts";
import { BadRequestError, ForbiddenError, InternalError, UnprocessableError } from "../errors";
import { readChain } from "../services/chain-read";
import type { Principal } from "../services/principal";
import type { RelayService } from "../services/relay";
import type { Outcome } from "./route";
import type { Answer } from "./writes";

/**
 * `Prefer: sign=client` (optionally `; from=0x…`, the caller's account that will sign; its organisation's first account
 * otherwise), parsed from the Prefer header (RFC 7240); undefined when the client did not ask for it.
 */
export function clientSigningPreference(req: Request): { from?: string } | undefined {
  for (const preference of (req.get("prefer") ?? "").split(",")) {
    const [head, ...params] = preference.split(";").map((p) => p.trim());
    if (head.toLowerCase().replace(/\s/g, "") !== "sign=client") continue;
    const from = params.map((p) => p.split("=").map((x) => x.trim())).find(([k]) => k.toLowerCase() === "from")?.[1];
    if (from !== undefined && !isAddress(from)) throw new BadRequestError("INVALID_PREFER", "Prefer: sign=client; from= must be an account address", { from });
    return { from: from === undefined ? undefined : getAddress(from.toLowerCase()) };
  }
  return undefined;
}

/**
 * Runs a write's handler so that, where it would sign and send, the pipeline hands back the submission instead; the
 * answer is the ForwardRequest that performs it, for the caller to sign. No outbox row, nothing sent.
 */
export class ClientSigningHandler {
  constructor(
    private readonly relay: RelayService,
    private readonly contracts: ChainContracts,
  ) {}

  async answer(principal: Principal, preference: { from?: string }, successStatus: number, handler: () => Promise<Outcome>): Promise<Answer> {
    if (preference.from) {
      const orgId = await readChain(() => this.contracts.participants.orgOf(preference.from!));
      if (orgId !== encodeBytes32String(principal.orgCode)) {
        throw new ForbiddenError("ACCOUNT_NOT_OF_CALLER", `${preference.from} is not an account of ${principal.orgCode}`, { from: preference.from });
      }
    }
    try {
      const outcome = await runSigningForClient({ from: preference.from, successStatus }, handler);
      if ("submission" in outcome) throw new InternalError("A write was sent while signing for the client");
      return outcome;
    } catch (err) {
      if (!(err instanceof CapturedSubmission)) throw err;
      // The caller signs for itself only: a write the gateway signs with another key (the administrator's admitting an
      // account, the relayer's) is not the caller's to sign.
      const signerOrg = await readChain(() => this.contracts.participants.orgOf(err.request.wallet.address));
      if (signerOrg !== encodeBytes32String(principal.orgCode)) {
        throw new UnprocessableError("NOT_CLIENT_SIGNABLE", `${err.request.operation} is signed by the gateway's own key, not by ${principal.orgCode}`, {
          operation: err.request.operation,
        });
      }
      const prepared = await this.relay.prepare(err.request, successStatus);
      return { status: 200, body: prepared, headers: { "Preference-Applied": "sign=client" } };
    }
  }
}
