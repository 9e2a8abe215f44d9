import type { ChainContracts } from "../chain/contracts";
import type { AccountReader } from "./readers/accounts";
import type { CarbonReader } from "./readers/carbon";
import type { MarketReader } from "./readers/market";
import { NotFoundError } from "../errors";
import type { CarbonService } from "./carbon";
import { readChain } from "./chain-read";
import { idHex } from "./datasets";
import type { OrgDirectory } from "./org-directory";
import { encodeBytes32String } from "ethers";
import { isoOf } from "../util/time";

/** What the data exchange's index knows of an organisation: licences it bought, VND its accounts earned from data. */
export interface DataSalesReader {
  licencesBought(orgId: string): { offerId: string; datasetId: string; price: string; expiresAt: number; sold: { txHash: string } }[];
  earned(accounts: string[]): { sales: number; earned: string };
}

/**
 * What an organisation holds, summed over all its accounts: datasets, credits by batch (in its wallet and in the
 * market's escrow for its open listings), credits retired by batch, and VND.
 */
export class AccountService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly directory: OrgDirectory,
    private readonly accounts: AccountReader,
    private readonly carbon: CarbonReader,
    private readonly market: MarketReader,
    private readonly carbonService: CarbonService,
    private readonly dataSales?: DataSalesReader,
  ) {}

  async balances(organization: string) {
    const accounts = await this.directory.accountsOf(organization);
    if (accounts.length === 0) throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${organization}`, { code: organization });
    const marketAddress = this.contracts.addresses.market;
    const per = await readChain(() =>
      Promise.all(
        accounts.map(async (account) => {
          const [datasets, holdings, escrow, vnd, frozen, approved] = await Promise.all([
            this.accounts.datasetsHeld(account),
            this.carbon.holdings(account),
            this.market.escrowedBy(account),
            this.accounts.vnd(account, marketAddress),
            this.carbon.isAccountFrozen(account),
            this.carbon.isMarketApproved(account, marketAddress),
          ]);
          return { account, datasets, holdings, escrow, vnd, frozen, approved };
        }),
      ),
    );

    const credits = new Map<bigint, { held: bigint; listed: bigint; retired: bigint }>();
    const entry = (id: bigint) => credits.get(id) ?? credits.set(id, { held: 0n, listed: 0n, retired: 0n }).get(id)!;
    let vnd = 0n;
    let allowance = 0n;
    for (const a of per) {
      for (const h of a.holdings) {
        entry(h.batchId).held += h.balance;
        entry(h.batchId).retired += h.retired;
      }
      for (const [batchId, amount] of a.escrow) entry(batchId).listed += amount;
      vnd += a.vnd.balance;
      allowance = a.vnd.marketAllowance > allowance ? a.vnd.marketAllowance : allowance;
    }
    const batches = [...credits.entries()].sort(([x], [y]) => (x < y ? -1 : 1));
    const projects = await Promise.all(batches.map(([id]) => this.carbonService.projectIdOfBatch(id)));
    const datasets = per.flatMap((a) => a.datasets);

    return {
      organization,
      accounts: per.map((a) => ({ address: a.account, creditsFrozen: a.frozen, marketApproved: { credits: a.approved, vnd: a.vnd.marketAllowance > 0n } })),
      datasets: { count: datasets.length, ids: datasets.map(idHex) },
      credits: batches
        .filter(([, c]) => c.held > 0n || c.listed > 0n)
        .map(([id, c]) => ({ batchId: id.toString(), project: projects[batches.findIndex(([b]) => b === id)], held: c.held.toString(), listed: c.listed.toString(), href: `/v1/carbon/batches/${id}` })),
      retired: batches
        .filter(([, c]) => c.retired > 0n)
        .map(([id, c]) => ({ batchId: id.toString(), project: projects[batches.findIndex(([b]) => b === id)], amount: c.retired.toString(), href: `/v1/carbon/batches/${id}` })),
      vnd: { balance: vnd.toString(), ...(this.dataSales ? { earnedFromData: this.dataSales.earned(accounts.map((a) => a.toLowerCase())).earned } : {}) },
      ...(this.dataSales ? { licencesBought: this.licencesBought(organization) } : {}),
    };
  }

  /** Every licence purchase of the organisation, oldest first (an extension is a purchase of its own). */
  private licencesBought(organization: string) {
    return this.dataSales!.licencesBought(encodeBytes32String(organization)).map((p) => ({
      offerId: p.offerId,
      datasetId: p.datasetId,
      priceVnd: p.price,
      expiresAt: isoOf(p.expiresAt),
      transactionHash: p.sold.txHash,
      href: `/v1/offers/${p.offerId}`,
    }));
  }
}
