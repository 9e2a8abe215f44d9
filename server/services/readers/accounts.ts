/** What an account holds outside the carbon registry: datasets (ERC-721) and VND. */
export interface AccountReader {
  /** Ids of the datasets the account holds now. */
  datasetsHeld(account: string): Promise<bigint[]>;
  /** VND balance, and what the market may draw from it (the buyer's allowance). */
  vnd(account: string, market: string): Promise<{ balance: bigint; marketAllowance: bigint }>;
}
