import { AbiCoder, keccak256, MaxUint256, toBeHex, zeroPadValue } from "ethers";
import type { ChainContracts } from "../chain/contracts";
import { ContractRevertError } from "../chain/revert";
import { clientSigningScope, type TxSigner } from "../chain/tx/client-signing";
import type { OperationRegistry } from "../chain/tx/operations";
import type { TxCall, TxPipeline } from "../chain/tx/pipeline";

/** The contract errors that mean "the market may not move this yet" rather than a rule the request broke. */
const NEEDS = {
  credits: "ERC1155MissingApprovalForAll",
  vnd: "ERC20InsufficientAllowance",
} as const;

type Kind = keyof typeof NEEDS;

/**
 * Gas limit of an action simulated under a state override. Nodes do not estimate gas under overrides (Hardhat
 * refuses them in eth_estimateGas), and with the network's zero gas price a generous limit costs nothing; the
 * largest of these actions (a fill that retires) uses well under a third of it.
 */
export const OVERRIDDEN_GAS_LIMIT = 1_000_000n;

/** How many storage slots the probe tries for the base of an approval mapping (OpenZeppelin's sit in the first few). */
const MAX_PROBED_SLOT = 32;

/**
 * The market's standing approvals, sent in the same submission as the listing or purchase that first needs them
 * (ERC-1155 `setApprovalForAll` for credits into escrow; ERC-20 `approve` of the maximum for VND, which
 * OpenZeppelin's ERC-20 never decreases).
 *
 * A refused request leaves nothing on chain: before anything is signed the action is simulated as if the approval
 * were already in place (an `eth_call` whose state override sets the approval's storage slot), so a listing or fill
 * the contract would refuse for any other reason (too little balance, price over `maxCost`, a frozen batch…) is
 * answered 4xx without an approval being sent. Hardhat, anvil, Geth and Besu all take state overrides in eth_call.
 *
 * Standing approvals give the market no power the participant did not already grant: `list` only pulls from its
 * caller, `fill` only from its caller and at most the caller's `maxCost`, and the market is not upgradeable.
 */
export class MarketApprovals {
  /** The storage slot index of each token's approval mapping, found once by probing (see `mappingSlot`). */
  readonly #slots = new Map<Kind, Promise<bigint>>();

  constructor(
    private readonly contracts: ChainContracts,
    private readonly pipeline: TxPipeline,
    operations: OperationRegistry,
  ) {
    // An own-key organisation signs its first approval as a request of its own (Prefer: sign=client).
    const passThrough = ({ params }: { params: unknown }) => params;
    operations.register("market.approve.credits", passThrough);
    operations.register("market.approve.vnd", passThrough);
  }

  /**
   * The calls that perform `action` for the signer: `[action]` when the market may already move what it needs, or
   * `[approval, action]` once the action has been shown to succeed after the approval. Any contract error of the
   * action is thrown as it is, before anything is signed.
   */
  async callsFor(kind: Kind, signer: { orgCode: string; wallet: TxSigner }, action: TxCall): Promise<TxCall[]> {
    const from = signer.wallet.address;
    try {
      await this.pipeline.simulate(from, [action]);
      return [action];
    } catch (err) {
      if (!(err instanceof ContractRevertError) || err.revert?.name !== NEEDS[kind]) throw err;
    }
    const approval = this.approvalCall(kind);
    const token = approval.to!;
    const slot = await this.approvalSlot(kind, from);
    await this.pipeline.simulateWithState(from, action, { [token]: { stateDiff: { [slot]: approvedValue(kind) } } }, { callIndex: 1 });
    if (clientSigningScope()) {
      // Signing for the client: a signed request carries one call, so the approval is the request the client signs
      // first (the pipeline captures it here), and the client then asks for the action again.
      await this.pipeline.submit({
        ...signer,
        operation: `market.approve.${kind}`,
        params: { organization: signer.orgCode, market: this.contracts.addresses.market, approval: kind === "credits" ? "ERC-1155 setApprovalForAll" : "ERC-20 approve (maximum)" },
        calls: [approval],
      });
    }
    return [approval, { ...action, gasLimit: OVERRIDDEN_GAS_LIMIT }];
  }

  private approvalCall(kind: Kind): TxCall {
    const { carbon, settlement, addresses } = this.contracts;
    return kind === "credits"
      ? { to: addresses.carbon, data: carbon.interface.encodeFunctionData("setApprovalForAll", [addresses.market, true]) }
      : { to: addresses.settlement, data: settlement.interface.encodeFunctionData("approve", [addresses.market, MaxUint256]) };
  }

  /** The storage slot holding `owner`'s approval of the market: `keccak(market . keccak(owner . base))`. */
  private async approvalSlot(kind: Kind, owner: string): Promise<string> {
    let base = this.#slots.get(kind);
    if (!base) {
      base = this.mappingSlot(kind);
      base.catch(() => this.#slots.delete(kind));
      this.#slots.set(kind, base);
    }
    return nestedSlot(await base, owner, this.contracts.addresses.market);
  }

  /**
   * Finds the base slot of the token's `owner → spender → approval` mapping without trusting a storage layout:
   * the first slot index for which overriding the nested entry makes the token's own view report the approval.
   */
  private async mappingSlot(kind: Kind): Promise<bigint> {
    const { carbon, settlement, addresses } = this.contracts;
    // An address that holds nothing and approved nothing, so only the override can make the view answer yes.
    const probe = "0x00000000000000000000000000000000000cafe1";
    const [token, data] =
      kind === "credits"
        ? [addresses.carbon, carbon.interface.encodeFunctionData("isApprovedForAll", [probe, addresses.market])]
        : [addresses.settlement, settlement.interface.encodeFunctionData("allowance", [probe, addresses.market])];
    for (let base = 0n; base < BigInt(MAX_PROBED_SLOT); base++) {
      const slot = nestedSlot(base, probe, addresses.market);
      const answer = await this.pipeline.callWithState({ to: token, data }, { [token]: { stateDiff: { [slot]: approvedValue(kind) } } });
      if (BigInt(answer) !== 0n) return base;
    }
    throw new Error(`could not locate the ${kind} approval mapping of ${token} in its first ${MAX_PROBED_SLOT} storage slots`);
  }
}

const approvedValue = (kind: Kind): string => (kind === "credits" ? zeroPadValue("0x01", 32) : toBeHex(MaxUint256, 32));

/** Solidity's slot of `mapping(a => mapping(b => v))[a][b]` whose mapping sits at slot `base`. */
function nestedSlot(base: bigint, a: string, b: string): string {
  const coder = AbiCoder.defaultAbiCoder();
  const inner = keccak256(coder.encode(["address", "uint256"], [a, base]));
  return keccak256(coder.encode(["address", "bytes32"], [b, inner]));
}
