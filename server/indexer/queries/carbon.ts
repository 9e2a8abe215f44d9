import type Database from "better-sqlite3";
import { keccak256, toUtf8Bytes } from "ethers";
import { ADJUSTMENT_STATUSES, type AdjustmentStatusName } from "../../../scripts/lib/enums";
import { accountParam, bytes32Param, idParam, type ChainRef } from "./common";
import { conditions, keysetPage, type Page, type PageOptions } from "./page";

export interface ProjectView {
  projectKey: string;
  projectId: string;
  developerOrg: string;
  standard: string;
  methodology: string;
  location: string;
  metadataHash: string;
  registered: ChainRef;
}

export interface AttestationView {
  attestationId: string;
  projectKey: string;
  verifier: string;
  periodStart: number;
  periodEnd: number;
  /** tCO2e attested, decimal text. */
  amount: string;
  reportHash: string;
  /** The batch issued against it, if any (one at most). */
  batchId: string | null;
  attested: ChainRef;
}

export interface BatchView {
  batchId: string;
  projectKey: string;
  projectId: string | null;
  attestationId: string;
  periodStart: number | null;
  periodEnd: number | null;
  firstHolder: string;
  serialFirst: string;
  serialLast: string;
  /** tCO2e, decimal text: issued = circulating + retired + cancelled. */
  issued: string;
  circulating: string;
  retired: string;
  cancelled: string;
  frozen: boolean;
  frozenReason: string | null;
  adjustment: AdjustmentStatusName;
  adjustmentEvidence: string | null;
  issuedAt: ChainRef;
}

export interface RetirementView {
  /** The certificate number: the first serial retired. */
  retirementId: string;
  batchId: string;
  projectId: string | null;
  holder: string;
  amount: string;
  serialFirst: string;
  serialLast: string;
  beneficiaryName: string;
  beneficiaryOrg: string;
  reason: string;
  consumptionStart: number;
  consumptionEnd: number;
  /** The trade that bought these credits, for a retirement on purchase. */
  purchase: { txHash: string; logIndex: number; listingId: string } | null;
  retired: ChainRef;
}

export interface CancellationView {
  batchId: string;
  holder: string;
  amount: string;
  serialFirst: string;
  serialLast: string;
  reason: string;
  cancelled: ChainRef;
}

export interface CreditBalanceView {
  account: string;
  batchId: string;
  /** Circulating units held, decimal text. */
  balance: string;
  /** Units this account retired (or had retired in its name) from the batch. */
  retired: string;
}

/** Projects in the order registered. */
export function listProjects(db: Database.Database, filter: { developerOrg?: string }, page: PageOptions): Page<ProjectView> {
  const where = conditions(filter.developerOrg !== undefined && { sql: "t.developer_org = ?", params: [bytes32Param(filter.developerOrg, "developer organisation")] });
  return keysetPage(db, { from: "idx_projects t", where }, page, projectView);
}

/** A project by its id string (e.g. `VN-DN-0001`) or its key (keccak256 of the id), or null. */
export function getProject(db: Database.Database, idOrKey: string): ProjectView | null {
  const key = /^0x[0-9a-fA-F]{64}$/.test(idOrKey) ? idOrKey.toLowerCase() : keccak256(toUtf8Bytes(idOrKey));
  const row = db.prepare("SELECT * FROM idx_projects WHERE project_key = ?").get(key) as ProjectRow | undefined;
  return row ? projectView(row) : null;
}

export function listAttestations(db: Database.Database, filter: { projectKey?: string }, page: PageOptions): Page<AttestationView> {
  const where = conditions(filter.projectKey !== undefined && { sql: "t.project_key = ?", params: [bytes32Param(filter.projectKey, "project key")] });
  return keysetPage(db, { from: "idx_attestations t", where }, page, attestationView);
}

function attestationView(row: AttestationRow): AttestationView {
  return {
    attestationId: row.attestation_id,
    projectKey: row.project_key,
    verifier: row.verifier,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    amount: row.amount,
    reportHash: row.report_hash,
    batchId: row.batch_id,
    attested: { txHash: row.attested_tx, blockNumber: row.created_block, logIndex: row.created_log_index, timestamp: row.attested_at },
  };
}

/** An attestation by id, or null. */
export function getAttestation(db: Database.Database, attestationId: string): AttestationView | null {
  const row = db.prepare("SELECT * FROM idx_attestations WHERE attestation_id = ?").get(bytes32Param(attestationId, "attestation id")) as AttestationRow | undefined;
  return row ? attestationView(row) : null;
}

/** Whether the issuer has frozen this account's credits (as the index last saw it). */
export function isAccountFrozen(db: Database.Database, account: string): boolean {
  const row = db.prepare("SELECT frozen FROM idx_frozen_accounts WHERE account = ?").get(accountParam(account)) as { frozen: number } | undefined;
  return row?.frozen === 1;
}

/** An account's VND balance, decimal text ("0" for one never credited). */
export function vndBalanceOf(db: Database.Database, account: string): string {
  const row = db.prepare("SELECT balance FROM idx_vnd_balances WHERE account = ?").get(accountParam(account)) as { balance: string } | undefined;
  return row?.balance ?? "0";
}

const BATCH_FROM = `idx_batches t LEFT JOIN idx_projects p ON p.project_key = t.project_key LEFT JOIN idx_attestations att ON att.attestation_id = t.attestation_id`;
const BATCH_SELECT = "t.*, p.project_id AS project_id, att.period_start AS period_start, att.period_end AS period_end";

/** Batches in the order issued. */
export function listBatches(db: Database.Database, filter: { projectKey?: string; frozen?: boolean }, page: PageOptions): Page<BatchView> {
  const where = conditions(
    filter.projectKey !== undefined && { sql: "t.project_key = ?", params: [bytes32Param(filter.projectKey, "project key")] },
    filter.frozen !== undefined && { sql: "t.frozen = ?", params: [filter.frozen ? 1 : 0] },
  );
  return keysetPage(db, { from: BATCH_FROM, select: BATCH_SELECT, where }, page, batchView);
}

export function getBatch(db: Database.Database, batchId: string | number | bigint): BatchView | null {
  const row = db.prepare(`SELECT ${BATCH_SELECT} FROM ${BATCH_FROM} WHERE t.batch_id = ?`).get(idParam(batchId, "batch id")) as BatchRow | undefined;
  return row ? batchView(row) : null;
}

const RETIREMENT_FROM = `idx_retirements t LEFT JOIN idx_batches b ON b.batch_id = t.batch_id LEFT JOIN idx_projects p ON p.project_key = b.project_key
  LEFT JOIN idx_trades tr ON tr.tx_hash = t.retired_tx AND tr.retirement_id = t.retirement_id`;
const RETIREMENT_SELECT = "t.*, p.project_id AS project_id, tr.tx_hash AS trade_tx, tr.log_index AS trade_log_index, tr.listing_id AS trade_listing_id";

/** Retirements (certificates) in the order made. */
export function listRetirements(
  db: Database.Database,
  filter: { batchId?: string; holder?: string; beneficiaryOrg?: string },
  page: PageOptions,
): Page<RetirementView> {
  const where = conditions(
    filter.batchId !== undefined && { sql: "t.batch_id = ?", params: [idParam(filter.batchId, "batch id")] },
    filter.holder !== undefined && { sql: "t.holder = ?", params: [accountParam(filter.holder, "holder")] },
    filter.beneficiaryOrg !== undefined && { sql: "t.beneficiary_org = ?", params: [bytes32Param(filter.beneficiaryOrg, "beneficiary organisation")] },
  );
  return keysetPage(db, { from: RETIREMENT_FROM, select: RETIREMENT_SELECT, where }, page, retirementView);
}

/** A retirement certificate by its id (its first serial), or null. */
export function getRetirement(db: Database.Database, retirementId: string | number | bigint): RetirementView | null {
  const row = db.prepare(`SELECT ${RETIREMENT_SELECT} FROM ${RETIREMENT_FROM} WHERE t.retirement_id = ?`).get(idParam(retirementId, "retirement id")) as
    | RetirementRow
    | undefined;
  return row ? retirementView(row) : null;
}

export function listCancellations(db: Database.Database, filter: { batchId?: string }, page: PageOptions): Page<CancellationView> {
  const where = conditions(filter.batchId !== undefined && { sql: "t.batch_id = ?", params: [idParam(filter.batchId, "batch id")] });
  return keysetPage(db, { from: "idx_cancellations t", where }, page, (row: CancellationRow) => ({
    batchId: row.batch_id,
    holder: row.holder,
    amount: row.amount,
    serialFirst: row.serial_first,
    serialLast: row.serial_last,
    reason: row.reason,
    cancelled: { txHash: row.tx_hash, blockNumber: row.created_block, logIndex: row.log_index, timestamp: row.cancelled_at },
  }));
}

/** Credit balances (and retired amounts) per account and batch, e.g. the holders of a batch. Zero rows omitted. */
export function listCreditBalances(db: Database.Database, filter: { batchId?: string; account?: string }, page: PageOptions): Page<CreditBalanceView> {
  const where = conditions(
    { sql: "(t.balance != '0' OR t.retired != '0')", params: [] },
    filter.batchId !== undefined && { sql: "t.batch_id = ?", params: [idParam(filter.batchId, "batch id")] },
    filter.account !== undefined && { sql: "t.account = ?", params: [accountParam(filter.account)] },
  );
  return keysetPage(db, { from: "idx_carbon_balances t", where }, page, creditView);
}

export interface OrganisationBalances {
  orgId: string;
  accounts: string[];
  credits: CreditBalanceView[];
  /** VND per account, decimal text. */
  vnd: { account: string; balance: string }[];
  /** Accounts of the organisation the issuer has frozen. */
  frozenAccounts: string[];
}

/** Everything an organisation's accounts hold: credits per batch (and retired), VND, and freezes. */
export function balancesOfOrganisation(db: Database.Database, orgId: string): OrganisationBalances {
  const org = bytes32Param(orgId, "organisation id");
  const accounts = (db.prepare("SELECT account FROM idx_accounts WHERE org_id = ? ORDER BY account").all(org) as { account: string }[]).map((r) => r.account);
  const credits = db
    .prepare(
      `SELECT t.* FROM idx_carbon_balances t JOIN idx_accounts a ON a.account = t.account
       WHERE a.org_id = ? AND (t.balance != '0' OR t.retired != '0') ORDER BY t.account, CAST(t.batch_id AS INTEGER)`,
    )
    .all(org) as CreditRow[];
  const vnd = db
    .prepare("SELECT v.account, v.balance FROM idx_vnd_balances v JOIN idx_accounts a ON a.account = v.account WHERE a.org_id = ? ORDER BY v.account")
    .all(org) as { account: string; balance: string }[];
  const frozen = db
    .prepare("SELECT f.account FROM idx_frozen_accounts f JOIN idx_accounts a ON a.account = f.account WHERE a.org_id = ? AND f.frozen = 1 ORDER BY f.account")
    .all(org) as { account: string }[];
  return { orgId: org, accounts, credits: credits.map(creditView), vnd, frozenAccounts: frozen.map((r) => r.account) };
}

/** The VND supply as the index saw it minted and burned. */
export function vndSupply(db: Database.Database): { minted: string; burned: string; supply: string } {
  const row = (db.prepare("SELECT minted, burned FROM idx_vnd_supply WHERE id = 1").get() as { minted: string; burned: string } | undefined) ?? { minted: "0", burned: "0" };
  return { ...row, supply: (BigInt(row.minted) - BigInt(row.burned)).toString() };
}

interface ProjectRow {
  project_key: string;
  project_id: string;
  developer_org: string;
  standard: string;
  methodology: string;
  location: string;
  metadata_hash: string;
  registered_tx: string;
  registered_at: number;
  created_block: number;
  created_log_index: number;
}

interface AttestationRow {
  attestation_id: string;
  project_key: string;
  verifier: string;
  period_start: number;
  period_end: number;
  amount: string;
  report_hash: string;
  batch_id: string | null;
  attested_tx: string;
  attested_at: number;
  created_block: number;
  created_log_index: number;
}

interface BatchRow {
  batch_id: string;
  project_key: string;
  project_id: string | null;
  attestation_id: string;
  period_start: number | null;
  period_end: number | null;
  first_holder: string;
  serial_first: string;
  serial_last: string;
  issued: string;
  circulating: string;
  retired: string;
  cancelled: string;
  frozen: number;
  frozen_reason: string | null;
  adjustment: number;
  adjustment_evidence: string | null;
  issued_tx: string;
  issued_at: number;
  created_block: number;
  created_log_index: number;
}

interface RetirementRow {
  retirement_id: string;
  batch_id: string;
  project_id: string | null;
  holder: string;
  amount: string;
  serial_first: string;
  serial_last: string;
  beneficiary_name: string;
  beneficiary_org: string;
  reason: string;
  consumption_start: number;
  consumption_end: number;
  retired_tx: string;
  retired_at: number;
  created_block: number;
  created_log_index: number;
  trade_tx: string | null;
  trade_log_index: number | null;
  trade_listing_id: string | null;
}

interface CancellationRow {
  tx_hash: string;
  log_index: number;
  batch_id: string;
  holder: string;
  amount: string;
  serial_first: string;
  serial_last: string;
  reason: string;
  cancelled_at: number;
  created_block: number;
}

interface CreditRow {
  account: string;
  batch_id: string;
  balance: string;
  retired: string;
}

function projectView(row: ProjectRow): ProjectView {
  return {
    projectKey: row.project_key,
    projectId: row.project_id,
    developerOrg: row.developer_org,
    standard: row.standard,
    methodology: row.methodology,
    location: row.location,
    metadataHash: row.metadata_hash,
    registered: { txHash: row.registered_tx, blockNumber: row.created_block, logIndex: row.created_log_index, timestamp: row.registered_at },
  };
}

function batchView(row: BatchRow): BatchView {
  return {
    batchId: row.batch_id,
    projectKey: row.project_key,
    projectId: row.project_id,
    attestationId: row.attestation_id,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    firstHolder: row.first_holder,
    serialFirst: row.serial_first,
    serialLast: row.serial_last,
    issued: row.issued,
    circulating: row.circulating,
    retired: row.retired,
    cancelled: row.cancelled,
    frozen: row.frozen === 1,
    frozenReason: row.frozen_reason,
    adjustment: ADJUSTMENT_STATUSES[row.adjustment],
    adjustmentEvidence: row.adjustment_evidence,
    issuedAt: { txHash: row.issued_tx, blockNumber: row.created_block, logIndex: row.created_log_index, timestamp: row.issued_at },
  };
}

function retirementView(row: RetirementRow): RetirementView {
  return {
    retirementId: row.retirement_id,
    batchId: row.batch_id,
    projectId: row.project_id,
    holder: row.holder,
    amount: row.amount,
    serialFirst: row.serial_first,
    serialLast: row.serial_last,
    beneficiaryName: row.beneficiary_name,
    beneficiaryOrg: row.beneficiary_org,
    reason: row.reason,
    consumptionStart: row.consumption_start,
    consumptionEnd: row.consumption_end,
    purchase: row.trade_tx ? { txHash: row.trade_tx, logIndex: row.trade_log_index!, listingId: row.trade_listing_id! } : null,
    retired: { txHash: row.retired_tx, blockNumber: row.created_block, logIndex: row.created_log_index, timestamp: row.retired_at },
  };
}

function creditView(row: CreditRow): CreditBalanceView {
  return { account: row.account, batchId: row.batch_id, balance: row.balance, retired: row.retired };
}
