import type { ChainContracts } from "../chain/contracts";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxPipeline } from "../chain/tx/pipeline";
import type { OrgDirectory } from "./org-directory";
import type { ParticipantService } from "./participants";
import type { Principal } from "./principal";

type Claim = { orgCode: string; key: string };

/**
 * The VND settlement token: the treasury mints against deposits and burns against withdrawals, with its own key. It
 * burns only its own balance (VND holders handed in); the chain refuses any other `from` (SettlementTokenBurnNotHandedIn).
 */
export class SettlementService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    private readonly directory: OrgDirectory,
    operations: OperationRegistry,
  ) {
    const passThrough = ({ params }: { params: unknown }) => params;
    operations.register("settlement.mint", passThrough);
    operations.register("settlement.burn", passThrough);
  }

  /** `reference` is the treasury's deposit or withdrawal reference as given; `ref` its bytes32 on chain. */
  async move(
    caller: Principal,
    action: "mint" | "burn",
    input: { organization: string; amount: string; reference: string; ref: string },
    idempotency?: Claim,
  ): Promise<SubmitOutcome> {
    const account = await this.directory.accountOf(input.organization);
    const token = this.contracts.settlement;
    return this.pipeline.submit({
      orgCode: caller.orgCode,
      wallet: await this.participants.walletOf(caller.orgCode),
      operation: `settlement.${action}`,
      params: { [action === "mint" ? "to" : "from"]: input.organization, amount: input.amount, reference: input.reference, ref: input.ref },
      calls: [{ to: this.contracts.addresses.settlement, data: token.interface.encodeFunctionData(action as "mint", [account, BigInt(input.amount), input.ref]) }],
      idempotency,
    });
  }
}
