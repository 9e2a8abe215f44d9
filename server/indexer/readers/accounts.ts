import type Database from "better-sqlite3";
import type { SettlementToken } from "../../../typechain-types";
import type { AccountReader } from "../../services/readers/accounts";
import { listDatasets, MAX_PAGE_SIZE, vndBalanceOf } from "../queries";
import { allPages } from "./refs";

/** AccountReader answered by the index; the market's VND allowance (not projected) is the token's view. */
export class IndexAccountReader implements AccountReader {
  constructor(
    private readonly db: Database.Database,
    private readonly settlement: SettlementToken,
  ) {}

  // In registration order (the index does not keep when each holder received a dataset).
  async datasetsHeld(account: string): Promise<bigint[]> {
    return allPages((after) => listDatasets(this.db, { holder: account }, { after, limit: MAX_PAGE_SIZE })).map((d) => BigInt(d.id));
  }

  async vnd(account: string, market: string): Promise<{ balance: bigint; marketAllowance: bigint }> {
    const marketAllowance = await this.settlement.allowance(account, market);
    return { balance: BigInt(vndBalanceOf(this.db, account)), marketAllowance };
  }
}
