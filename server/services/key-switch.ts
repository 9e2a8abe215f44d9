import { getAddress } from "ethers";
import type { ChainContracts } from "../chain/contracts";
import type { Keystore } from "../chain/key-store";
import type { OperationRegistry } from "../chain/tx/operations";
import type { TxCall, TxPipeline } from "../chain/tx/pipeline";
import type { TxSigner } from "../chain/tx/client-signing";
import type { OrganizationsRepository } from "../db/repositories/organizations";
import { ChainRejectedError, ChainUnavailableError, ConflictError, UnprocessableError } from "../errors";
import { readChain } from "./chain-read";
import type { AccountProofInput, ParticipantService } from "./participants";
import type { AccountReader } from "./readers/accounts";
import type { CarbonReader } from "./readers/carbon";
import type { MarketReader } from "./readers/market";

export interface KeySwitchResult {
  code: string;
  account: string;
  retiredAccount: string;
  moved: { batches: string[]; vnd: string; datasets: string[] };
  custody: "own";
}

const STEP_TIMEOUT_MS = 120_000;

/**
 * Moves a custodial organisation to its own key. Every step reads the chain first and does only what is left, so a
 * call after a crash (of the gateway or the node) finishes the job: (1) the administrator adds the new account, (2)
 * the custodial key moves credits, VND and datasets to it, (3) the administrator removes the custodial account, (4)
 * the key file is deleted and the organisation is marked own-key. The key is deleted only once the chain no longer
 * lists its account and it holds nothing, so nothing is ever stranded on an account nobody can sign for.
 */
export class KeySwitchService {
  constructor(
    private readonly deps: {
      participants: ParticipantService;
      organizations: OrganizationsRepository;
      keystore: Keystore;
      contracts: ChainContracts;
      pipeline: TxPipeline;
      admin: { orgCode: string; wallet: TxSigner };
      accounts: AccountReader;
      carbon: CarbonReader;
      market: MarketReader;
      /** Waits until the index has read up to a block (holdings come from the index). */
      indexReach: (blockNumber: number, timeoutMs: number) => Promise<boolean>;
    },
    operations: OperationRegistry,
  ) {
    operations.register("participants.keys.move", ({ params }) => params);
    operations.register("participants.account.remove", ({ params }) => params);
  }

  async switchToOwnKeys(code: string, proof: AccountProofInput): Promise<KeySwitchResult> {
    const { participants, keystore, contracts } = this.deps;
    const org = participants.require(code);
    if (org.custody === "own") throw new ConflictError("ALREADY_OWN_KEY", `${code} already signs with its own keys`, { code });
    if (org.code === this.deps.admin.orgCode) {
      throw new UnprocessableError("ADMIN_ORGANIZATION", "The city administrator's key signs governance and stays with the gateway");
    }
    await participants.checkAccountProof(code, proof);
    const account = getAddress(proof.account);
    // A retry after the key was deleted (crash before the database was marked) finds the old account in the row.
    const old = keystore.has(code) ? keystore.address(code) : getAddress(org.address);
    if (account === old) throw new UnprocessableError("SAME_ACCOUNT", "The new account must differ from the custodial one", { account });
    const registry = contracts.participants;
    const [owner, accounts] = await readChain(() => Promise.all([registry.orgOf(account), registry.accountsOf(org.orgId)]));
    if (owner !== org.orgId && BigInt(owner) !== 0n) {
      throw new ConflictError("ACCOUNT_OF_ANOTHER_ORGANIZATION", `${account} belongs to another organisation`, { account, orgId: owner });
    }
    const oldListed = accounts.includes(old);
    if (oldListed && keystore.has(code)) {
      // Open listings escrow credits in the market for the custodial account: cancelling them first would be a second
      // write on the organisation's behalf it did not ask for, so the switch waits until it has cancelled them.
      await this.catchUpIndex();
      const escrow = await this.deps.market.escrowedBy(old);
      if (escrow.size > 0) {
        throw new ConflictError("OPEN_LISTINGS", `${code} has open market listings; cancel them before switching to own keys`, {
          batches: [...escrow.keys()].map(String),
        });
      }
    }

    // (1) The new account joins the organisation (the operator's GOVERNOR key; its roles are granted by the administrator
    // through scheduled grantRole operations); the proof's nonce is spent with this write.
    if (owner !== org.orgId) {
      await this.run({ orgCode: this.deps.admin.orgCode, wallet: this.deps.admin.wallet, operation: "participants.account.add", params: { code, account, custody: "gateway" }, calls: [participants.addAccountCall(org, account)], record: () => participants.useAccountProof(code, proof) });
    } else {
      participants.useAccountProof(code, proof);
    }

    const moved = { batches: [] as string[], vnd: "0", datasets: [] as string[] };
    if (keystore.has(code)) {
      // (2) Everything the custodial account holds moves to the new one, signed by the custodial key.
      const calls = await this.transferCalls(old, account, moved);
      if (calls.length > 0) await this.run({ orgCode: code, wallet: await keystore.get(code), operation: "participants.keys.move", params: { code, from: old, to: account }, calls });
      // (3) The operator's GOVERNOR key removes the custodial account: a removed account holds no role power on chain
      // (CityAccessManager.hasRole), so no revocation needs to wait for the administrator.
      if (oldListed) await this.run({ orgCode: this.deps.admin.orgCode, wallet: this.deps.admin.wallet, operation: "participants.account.remove", params: { code, account: old }, calls: [this.removeCall(old)] });
      // (4) The key is retired before the row is marked, so a crash in between is finished by the branch above.
      keystore.retire(code);
    } else if (oldListed) {
      throw new ConflictError("KEY_ALREADY_RETIRED", `${code}'s custodial key is gone but its account is still on chain`, { account: old });
    }
    this.deps.organizations.switchToOwnKey(code, account);
    return { code, account, retiredAccount: old, moved, custody: "own" };
  }

  private async catchUpIndex(): Promise<void> {
    const block = await readChain(() => this.deps.contracts.participants.runner!.provider!.getBlockNumber());
    if (!(await this.deps.indexReach(block, STEP_TIMEOUT_MS))) throw new ChainUnavailableError("The index is behind the chain; try again later");
  }

  /** Transfers of every credit batch, the VND and every dataset `from` holds, by the chain's balances. */
  private async transferCalls(from: string, to: string, moved: KeySwitchResult["moved"]): Promise<TxCall[]> {
    const { carbon, settlement, dataAssets, addresses } = this.deps.contracts;
    await this.catchUpIndex();
    const [holdings, datasets] = await Promise.all([this.deps.carbon.holdings(from), this.deps.accounts.datasetsHeld(from)]);
    const calls: TxCall[] = [];
    for (const h of holdings) {
      const balance = await readChain(() => carbon.balanceOf(from, h.batchId));
      if (balance === 0n) continue;
      moved.batches.push(h.batchId.toString());
      calls.push({ to: addresses.carbon, data: carbon.interface.encodeFunctionData("safeTransferFrom", [from, to, h.batchId, balance, "0x"]) });
    }
    const vnd = await readChain(() => settlement.balanceOf(from));
    if (vnd > 0n) {
      moved.vnd = vnd.toString();
      calls.push({ to: addresses.settlement, data: settlement.interface.encodeFunctionData("transfer", [to, vnd]) });
    }
    for (const id of datasets) {
      if (getAddress(await readChain(() => dataAssets.ownerOf(id))) !== from) continue;
      moved.datasets.push(id.toString());
      calls.push({ to: addresses.dataAssets, data: dataAssets.interface.encodeFunctionData("transferFrom", [from, to, id]) });
    }
    return calls;
  }

  private removeCall(account: string): TxCall {
    const am = this.deps.contracts.accessManager.interface;
    const inner = [
      am.encodeFunctionData("execute", [this.deps.contracts.addresses.participants, this.deps.contracts.participants.interface.encodeFunctionData("removeAccount", [account])]),
    ];
    return { to: this.deps.contracts.addresses.accessManager, data: am.encodeFunctionData("multicall", [inner]) };
  }

  /** Submits one step and waits until it is mined: the next step reads its effects. */
  private async run(request: Parameters<TxPipeline["submit"]>[0]): Promise<void> {
    const { submissionId } = await this.deps.pipeline.submit(request);
    const done = await this.deps.pipeline.waitFor(submissionId, STEP_TIMEOUT_MS);
    if (!done) throw new ChainUnavailableError("A step of the switch is not mined yet; call again to finish it", { submissionId });
    if (done.status !== "mined") throw new ChainRejectedError(`The step ${request.operation} failed on chain; call again to finish the switch`, { submissionId, status: done.status });
  }
}
