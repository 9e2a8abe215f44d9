import { MaxUint256 } from "ethers";
import type { ChainContracts } from "../chain/contracts";
import { ContractRevertError } from "../chain/revert";
import { clientSigningScope, type TxSigner } from "../chain/tx/client-signing";
import type { OperationRegistry } from "../chain/tx/operations";
import type { TxCall, TxPipeline } from "../chain/tx/pipeline";
import { ApiError, ConflictError } from "../errors";

/** The contract errors that mean "the market may not move this yet" rather than a rule the request broke. */
const NEEDS = {
  credits: "ERC1155MissingApprovalForAll",
  vnd: "ERC20InsufficientAllowance",
} as const;

/**
 * One-time standing approvals of the market contract, signed by the participant's own key when its first listing
 * (credits into escrow: ERC-1155 `setApprovalForAll`) or first purchase (VND: ERC-20 `approve` of the maximum, which
 * OpenZeppelin's ERC-20 never decreases) needs one.
 *
 * Why standing rather than exact approvals in the same submission: the pipeline simulates every call before it signs
 * any, and a fill simulated before its approval is mined always fails, so it could not be checked first. Standing
 * approvals give the market no power the participant did not already grant: `list` only pulls from its caller,
 * `fill` only from its caller and at most the caller's `maxCost`, and the market is not upgradeable.
 *
 * Crash safety: the approval is its own submission in the outbox (re-sent like any other), and approving again is
 * harmless, so a request interrupted after it simply approves (at most) once more when retried. The request itself
 * is simulated first: any other contract error is answered before an approval is sent.
 */
export class MarketApprovals {
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    private readonly waitTimeoutMs: number,
    operations: OperationRegistry,
  ) {
    const passThrough = ({ params }: { params: unknown }) => params;
    operations.register("market.approve.credits", passThrough);
    operations.register("market.approve.vnd", passThrough);
  }

  /**
   * Simulates `call` from the signer; if the only obstacle is the market's missing approval of `kind`, approves
   * (once, waiting until mined). Any other contract error is thrown as it is.
   */
  async ensure(kind: keyof typeof NEEDS, signer: { orgCode: string; wallet: TxSigner }, call: TxCall): Promise<void> {
    try {
      await this.pipeline.simulate(signer.wallet.address, [call]);
      return;
    } catch (err) {
      if (!(err instanceof ContractRevertError) || err.revert?.name !== NEEDS[kind]) throw err;
    }
    // Signing for the client: the approval is the request the client signs first (the pipeline captures it).
    if (clientSigningScope()) return this.approve(kind, signer);
    const key = `${kind}:${signer.wallet.address}`;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.approve(kind, signer).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    await pending;
  }

  private async approve(kind: keyof typeof NEEDS, signer: { orgCode: string; wallet: TxSigner }): Promise<void> {
    const { carbon, settlement, addresses } = this.contracts;
    const market = addresses.market;
    const call: TxCall =
      kind === "credits"
        ? { to: addresses.carbon, data: carbon.interface.encodeFunctionData("setApprovalForAll", [market, true]) }
        : { to: addresses.settlement, data: settlement.interface.encodeFunctionData("approve", [market, MaxUint256]) };
    const { submissionId } = await this.pipeline.submit({
      orgCode: signer.orgCode,
      wallet: signer.wallet,
      operation: `market.approve.${kind}`,
      params: { organization: signer.orgCode, market, approval: kind === "credits" ? "ERC-1155 setApprovalForAll" : "ERC-20 approve (maximum)" },
      calls: [call],
    });
    const done = await this.pipeline.waitFor(submissionId, this.waitTimeoutMs);
    if (!done) {
      throw new ConflictError("MARKET_APPROVAL_PENDING", "The market's one-time approval for this organisation is not mined yet; retry shortly", {
        transaction: `/v1/transactions/${submissionId}`,
      });
    }
    if (done.status !== "mined") {
      const e = done.error!;
      throw new ApiError(e.status, e.code, `The market's one-time approval failed: ${e.message}`, e.details);
    }
  }
}
