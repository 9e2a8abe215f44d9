/** The shapes of the gateway's answers the pages read (see /openapi.json). */
export interface AccountRef {
  address: string;
  organization: string | null;
}
export interface ChainPlace {
  transactionHash: string;
  blockNumber: number;
  timestamp?: string;
}
export interface Dataset {
  id: string;
  tokenId: string;
  contentHash: string;
  metadataHash: string;
  title: string;
  uri: string;
  classification: string;
  status: string;
  transferable: boolean;
  holder: AccountRef;
  custodian: AccountRef | null;
  parentId: string | null;
  children: string[];
  version: number;
  registered: ChainPlace;
  licenses: { organization: string; expiresAt: string | null; termsHash: string; active?: boolean }[];
  valuations: { amountVnd: string; valuationDate: string; method: string; appraiser: string }[];
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface HistoryEvent {
  blockNumber: number;
  timestamp: string;
  transactionHash: string;
  logIndex: number;
  organization: { code: string | null } | null;
  contract: string;
  event: string;
  args: Record<string, unknown>;
}
export interface Batch {
  id: string;
  project: { id: string | null };
  monitoringPeriod: { start: string; end: string };
  serials: { first: string; last: string; next: string };
  supply: { issued: string; circulating: string; retired: string; cancelled: string };
  frozen: boolean;
  correspondingAdjustment: string;
  issuedTo: AccountRef | null;
  issuance: ChainPlace | null;
}
export interface Listing {
  id: string;
  seller: AccountRef;
  batchId: string;
  amount: string;
  remaining: string;
  filled: string;
  unitPrice: string;
  minFill: string;
  expiresAt: string | null;
  buyer: AccountRef | null;
  status: string;
}
export interface Trade {
  listingId: string;
  seller: AccountRef;
  buyer: AccountRef;
  batchId: string;
  amount: string;
  unitPrice: string;
  cost: string;
  fee: string;
  transaction: ChainPlace;
}
export interface Certificate {
  id: string;
  batchId: string;
  project: { id: string | null };
  monitoringPeriod: { start: string; end: string } | null;
  holder: AccountRef | null;
  amount: string;
  serials: { first: string; last: string };
  beneficiary: { name: string; organization: string | null };
  reason: string;
  consumptionPeriod: { start: string; end: string };
  transaction: ChainPlace | null;
}
