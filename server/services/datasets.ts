import type Database from "better-sqlite3";
import { ZeroAddress, ZeroHash, getAddress, toBeHex, zeroPadValue, type Provider } from "ethers";
import { verifyDigest } from "../../scripts/audit/verify-file";
import type { IDataAssetRegistry } from "../../typechain-types";
import type { ChainContracts } from "../chain/contracts";
import { ContractRevertError, isRevert } from "../chain/revert";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxCall, TxPipeline } from "../chain/tx/pipeline";
import { ApiError, BadRequestError, ChainUnavailableError, ForbiddenError, NotFoundError } from "../errors";
import { allPages } from "../indexer/readers/refs";
import {
  encodeCursor,
  getDataset,
  InvalidCursorError,
  listDatasets,
  listLicences,
  listValuations,
  MAX_PAGE_SIZE,
  versionsOf,
  type DatasetView,
} from "../indexer/queries";
import { readChain } from "./chain-read";
import type { AccountRef, OrgDirectory } from "./org-directory";
import { orgIdOf, type ParticipantService } from "./participants";
import type { Principal } from "./principal";

export const CLASSIFICATIONS = ["Open", "Other", "Important", "Core"] as const;
export const ASSET_STATUSES = ["Active", "Deprecated", "Revoked"] as const;
export type ClassificationName = (typeof CLASSIFICATIONS)[number];
export type AssetStatusName = (typeof ASSET_STATUSES)[number];

/** A registration as the API takes it: organisations by code, hashes as hex. */
export interface DatasetInput {
  contentHash: string;
  metadataHash: string;
  holder?: string;
  custodian?: string;
  classification: ClassificationName;
  transferable: boolean;
  title: string;
  uri: string;
}

export interface DatasetDto {
  id: string;
  tokenId: string;
  contentHash: string;
  metadataHash: string;
  title: string | null;
  uri: string | null;
  classification: ClassificationName;
  status: AssetStatusName;
  transferable: boolean;
  holder: AccountRef | null;
  custodian: AccountRef | null;
  parentId: string | null;
  children: string[];
  version: number;
  registered: { blockNumber: number; transactionHash: string } | null;
  licenses: { organization: string; orgId: string; expiresAt: string | null; termsHash: string; terms: string }[];
  valuations: { amountVnd: string; valuationDate: string; method: string; appraiser: string; reportHash: string; blockNumber: number; transactionHash: string }[];
}

/** What the dataset reads need of the gateway's index. */
export interface DatasetIndex {
  db: Database.Database;
  /** Waits (bounded) until the index holds a block; false when it did not in time. */
  reach(blockNumber: number, timeoutMs: number): Promise<boolean>;
  /** How long a read waits for the index to catch up with what the chain already shows. */
  writeWaitMs: number;
}

/** Dataset ids are uint256(contentHash); the API writes them as the 32-byte hex they are. */
export const idHex = (id: bigint): string => zeroPadValue(toBeHex(id), 32);
const iso = (seconds: bigint | number): string => new Date(Number(seconds) * 1000).toISOString();

/**
 * Datasets on the DataAssetRegistry. Writes are signed by the calling organisation's own key (the data office's
 * for registrations: it holds REGISTRAR on chain; the holder's for transfers); reads come from the event index.
 */
export class DatasetService {
  constructor(
    private readonly contracts: ChainContracts,
    private readonly provider: Provider,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    private readonly directory: OrgDirectory,
    private readonly chunkSize: number,
    operations: OperationRegistry,
    private readonly index: DatasetIndex,
  ) {
    const passThrough = ({ params }: { params: unknown }) => params;
    operations.register("datasets.register", passThrough);
    operations.register("datasets.version", passThrough);
    operations.register("datasets.transfer", passThrough);
    operations.register("datasets.status", passThrough);
    operations.register("datasets.license.grant", passThrough);
    operations.register("datasets.license.revoke", passThrough);
    operations.register("datasets.valuation", passThrough);
    operations.register<{ datasets: unknown[] }>("datasets.batch", ({ params, receipts }) => {
      const registered = receipts.reduce(
        (n, r) => n + r.logs.filter((l) => l.topics[0] === this.contracts.dataAssets.interface.getEvent("DatasetRegistered").topicHash).length,
        0,
      );
      return { registered, datasets: params.datasets };
    });
  }

  private get registry() {
    return this.contracts.dataAssets;
  }

  private get registryAddress(): string {
    return this.contracts.addresses.dataAssets;
  }

  private accountOf(code: string): Promise<string> {
    return this.directory.accountOf(code);
  }

  private async registration(caller: Principal, input: DatasetInput): Promise<IDataAssetRegistry.RegistrationStruct> {
    return {
      contentHash: input.contentHash,
      metadataHash: input.metadataHash,
      to: await this.accountOf(input.holder ?? caller.orgCode),
      custodian: input.custodian ? await this.accountOf(input.custodian) : ZeroAddress,
      classification: CLASSIFICATIONS.indexOf(input.classification),
      transferable: input.transferable,
      title: input.title,
      uri: input.uri,
    };
  }

  private async submit(caller: Principal, operation: string, params: unknown, calls: TxCall[], idempotency?: { orgCode: string; key: string }) {
    return this.pipeline.submit({ orgCode: caller.orgCode, wallet: await this.participants.walletOf(caller.orgCode), operation, params, calls, idempotency });
  }

  async register(caller: Principal, input: DatasetInput, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const r = await this.registration(caller, input);
    return this.submit(
      caller,
      "datasets.register",
      { id: input.contentHash, contentHash: input.contentHash, holder: input.holder ?? caller.orgCode, custodian: input.custodian ?? null, classification: input.classification, title: input.title },
      [{ to: this.registryAddress, data: this.registry.interface.encodeFunctionData("register", [r]) }],
      idempotency,
    );
  }

  /**
   * Registers many datasets in as few transactions as the chain allows (see `packBatches`); every transaction is
   * simulated before any is sent, so a catalogue is accepted whole or refused whole.
   */
  async registerBatch(
    caller: Principal,
    items: (DatasetInput & { identifier: string })[],
    idempotency?: { orgCode: string; key: string },
  ): Promise<SubmitOutcome> {
    const seen = new Map<string, string>();
    for (const item of items) {
      const first = seen.get(item.contentHash);
      if (first) {
        throw new BadRequestError("DUPLICATE_IN_BATCH", `${item.identifier} has the same content hash as ${first}`, {
          contentHash: item.contentHash,
          identifiers: [first, item.identifier],
        });
      }
      seen.set(item.contentHash, item.identifier);
    }
    const registrations = await Promise.all(items.map((i) => this.registration(caller, i)));
    const calls = await this.packBatches(this.participants.addressOf(caller.orgCode), registrations);
    return this.submit(
      caller,
      "datasets.batch",
      { datasets: items.map((i) => ({ identifier: i.identifier, id: i.contentHash, holder: i.holder ?? caller.orgCode, classification: i.classification })) },
      calls,
      idempotency,
    );
  }

  /**
   * Splits registrations into `registerBatch` calls as large as the block gas limit allows (the pipeline's gas limit
   * for each: TX_GAS_LIMIT when the call succeeds within it, otherwise its estimate plus the headroom), and never more than the contract's MAX_BATCH or BATCH_CHUNK_SIZE items. Each call's size
   * comes from simulating it: one that does not fit is shrunk in proportion to its estimate and tried again.
   */
  private async packBatches(from: string, registrations: IDataAssetRegistry.RegistrationStruct[]): Promise<TxCall[]> {
    const [maxBatch, block] = await readChain(() => Promise.all([this.registry.MAX_BATCH(), this.provider.getBlock("latest")]));
    if (!block) throw new ChainUnavailableError("The node has no latest block");
    const blockGas = block.gasLimit;
    const encode = (slice: IDataAssetRegistry.RegistrationStruct[]): TxCall => ({
      to: this.registryAddress,
      data: this.registry.interface.encodeFunctionData("registerBatch", [slice]),
    });
    const calls: TxCall[] = [];
    let size = Math.min(this.chunkSize, Number(maxBatch));
    for (let start = 0; start < registrations.length; ) {
      let count = Math.min(size, registrations.length - start);
      for (;;) {
        const call = encode(registrations.slice(start, start + count));
        let gas: bigint | undefined;
        try {
          [gas] = await this.pipeline.simulate(from, [call]);
        } catch (err) {
          if (err instanceof ContractRevertError) throw new ContractRevertError(err.revert, { callIndex: calls.length, firstItem: start, items: count });
          // Anything else but a node too small to even estimate the call is the caller's to see.
          if (err instanceof ApiError || count === 1) throw err;
        }
        if (gas !== undefined && gas <= blockGas) {
          calls.push(call);
          start += count;
          size = count;
          break;
        }
        const fitting = gas === undefined ? Math.floor(count / 2) : Math.floor((count * Number(blockGas)) / Number(gas));
        count = Math.max(1, Math.min(count - 1, fitting));
      }
    }
    return calls;
  }

  async registerVersion(caller: Principal, parentId: bigint, input: DatasetInput, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    await this.requireExists(parentId);
    const r = await this.registration(caller, input);
    return this.submit(
      caller,
      "datasets.version",
      { id: input.contentHash, parentId: idHex(parentId), parentStatus: "Deprecated", holder: input.holder ?? caller.orgCode, title: input.title },
      [{ to: this.registryAddress, data: this.registry.interface.encodeFunctionData("registerVersion", [parentId, r]) }],
      idempotency,
    );
  }

  /** A holder moves its dataset to another participant (signed with the holder's key). */
  async transfer(caller: Principal, id: bigint, to: string, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    const asset = await this.requireExists(id);
    const callerAccount = await this.accountOf(caller.orgCode);
    if (asset.holder !== callerAccount) {
      throw new ForbiddenError("NOT_HOLDER", `${caller.orgCode} does not hold dataset ${idHex(id)}`, { id: idHex(id) });
    }
    const toAccount = await this.accountOf(to);
    return this.submit(
      caller,
      "datasets.transfer",
      { id: idHex(id), from: caller.orgCode, to },
      [{ to: this.registryAddress, data: this.registry.interface.encodeFunctionData("transferFrom", [asset.holder, toAccount, id]) }],
      idempotency,
    );
  }

  async setStatus(caller: Principal, id: bigint, status: AssetStatusName, reason: string, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    await this.requireExists(id);
    return this.submit(
      caller,
      "datasets.status",
      { id: idHex(id), status, reason },
      [{ to: this.registryAddress, data: this.registry.interface.encodeFunctionData("setStatus", [id, ASSET_STATUSES.indexOf(status), reason]) }],
      idempotency,
    );
  }

  async grantLicense(
    caller: Principal,
    id: bigint,
    input: { organization: string; expiresAt: number; termsHash: string; terms: string },
    idempotency?: { orgCode: string; key: string },
  ): Promise<SubmitOutcome> {
    await this.requireExists(id);
    const orgId = orgIdOf(input.organization);
    return this.submit(
      caller,
      "datasets.license.grant",
      { id: idHex(id), organization: input.organization, orgId, expiresAt: input.expiresAt ? iso(input.expiresAt) : null, termsHash: input.termsHash },
      [
        {
          to: this.registryAddress,
          data: this.registry.interface.encodeFunctionData("grantLicense", [id, orgId, input.expiresAt, input.termsHash, input.terms]),
        },
      ],
      idempotency,
    );
  }

  async revokeLicense(caller: Principal, id: bigint, organization: string, reason: string, idempotency?: { orgCode: string; key: string }): Promise<SubmitOutcome> {
    await this.requireExists(id);
    const orgId = orgIdOf(organization);
    return this.submit(
      caller,
      "datasets.license.revoke",
      { id: idHex(id), organization, orgId, reason },
      [{ to: this.registryAddress, data: this.registry.interface.encodeFunctionData("revokeLicense", [id, orgId, reason]) }],
      idempotency,
    );
  }

  async recordValuation(
    caller: Principal,
    id: bigint,
    input: { amountVnd: string; valuationDate: number; method: string; appraiser: string; reportHash: string },
    idempotency?: { orgCode: string; key: string },
  ): Promise<SubmitOutcome> {
    await this.requireExists(id);
    return this.submit(
      caller,
      "datasets.valuation",
      { id: idHex(id), amountVnd: input.amountVnd, valuationDate: iso(input.valuationDate), method: input.method, appraiser: input.appraiser, reportHash: input.reportHash },
      [
        {
          to: this.registryAddress,
          data: this.registry.interface.encodeFunctionData("recordValuation", [
            id,
            BigInt(input.amountVnd),
            input.valuationDate,
            input.method,
            input.appraiser,
            input.reportHash,
          ]),
        },
      ],
      idempotency,
    );
  }

  /** The on-chain record, or 404 DATASET_NOT_FOUND. */
  async requireExists(id: bigint): Promise<IDataAssetRegistry.AssetStructOutput> {
    try {
      return await readChain(() => this.registry.assetOf(id));
    } catch (err) {
      if (isRevert(err) || (err as { status?: number }).status === 404) {
        throw new NotFoundError("DATASET_NOT_FOUND", `No dataset ${idHex(id)}`, { id: idHex(id) });
      }
      throw err;
    }
  }

  async get(id: bigint): Promise<DatasetDto> {
    const view = getDataset(this.index.db, idHex(id));
    if (!view) throw new NotFoundError("DATASET_NOT_FOUND", `No dataset ${idHex(id)}`, { id: idHex(id) });
    return this.toDto(view);
  }

  /** Registered datasets in registration order, filtered; `cursor` is the id of the last item of the previous page. */
  async list(filters: { holder?: string; classification?: ClassificationName; status?: AssetStatusName; text?: string; limit: number; cursor?: bigint }) {
    const holder = filters.holder ? await this.accountOf(filters.holder) : undefined;
    const db = this.index.db;
    const page = await readChain(async () => {
      let after: string | undefined;
      if (filters.cursor !== undefined) {
        // The API's cursor is the last dataset id of the previous page; the index pages on where each was registered.
        const last = getDataset(db, idHex(filters.cursor));
        if (!last) throw new InvalidCursorError(idHex(filters.cursor));
        after = encodeCursor(last.registered.blockNumber, last.registered.logIndex);
      }
      return listDatasets(db, { holder, classification: filters.classification, status: filters.status, text: filters.text }, { after, limit: filters.limit });
    });
    const items = await Promise.all(page.items.map((v) => this.toDto(v)));
    return { items, nextCursor: page.next ? items[items.length - 1].id : null };
  }

  /**
   * The licences an organisation holds, in the order first granted (granted by the office or bought on the exchange),
   * each with its dataset's title; `inForce` keeps those not revoked and not expired now.
   */
  async licencesOf(filter: { organization: string; inForce?: boolean; cursor?: string; limit: number }) {
    await this.accountOf(filter.organization); // an unknown organisation is a 404, not an empty list
    const now = Math.floor(Date.now() / 1000);
    const db = this.index.db;
    const page = await readChain(async () =>
      listLicences(db, { orgId: orgIdOf(filter.organization), inForceAt: filter.inForce ? now : undefined }, { after: filter.cursor, limit: filter.limit }, now),
    );
    return {
      items: page.items.map((l) => ({
        datasetId: l.datasetId,
        title: getDataset(db, l.datasetId)?.title ?? null,
        organization: this.directory.codeOf(l.orgId),
        expiresAt: l.expiresAt === null ? null : iso(l.expiresAt),
        inForce: l.inForce,
        revoked: l.revoked,
        termsHash: l.termsHash,
        terms: l.terms,
        granted: { transactionHash: l.granted.txHash, timestamp: iso(l.granted.timestamp) },
      })),
      nextCursor: page.next,
    };
  }

  /**
   * Whether these bytes are registered: by whom, when, which version, and its state now. The chain answers through
   * the audit tool's own check (scripts/audit/verify-file.ts); the index adds the dataset as the API shows it.
   */
  /** Whether a content hash is already registered (as the index sees it). */
  async isRegistered(contentHash: string): Promise<boolean> {
    const hex = contentHash.startsWith("0x") ? contentHash : `0x${contentHash}`;
    return Boolean(getDataset(this.index.db, idHex(BigInt(hex))));
  }

  async verify(contentHash: string) {
    const v = await readChain(() => verifyDigest(contentHash, { provider: this.provider, deployment: this.contracts.record }));
    if (!v.registered || !v.dataset) return { sha256: v.sha256.slice(2), registered: false as const };
    const registration = v.dataset.registration;
    await this.index.reach(registration.blockNumber, this.index.writeWaitMs);
    const registrant = this.index.db.prepare("SELECT actor_account FROM idx_events WHERE tx_hash = ? AND log_index = ?").get(registration.txHash, registration.logIndex) as
      | { actor_account: string | null }
      | undefined;
    return {
      sha256: v.sha256.slice(2),
      registered: true as const,
      registeredBy: registrant?.actor_account ? await this.directory.ref(getAddress(registrant.actor_account)) : null,
      registeredAt: iso(registration.timestamp),
      version: v.dataset.version,
      latestVersion: v.dataset.successorIds.length === 0,
      dataset: await this.get(BigInt(v.sha256)),
    };
  }

  private async toDto(view: DatasetView): Promise<DatasetDto> {
    const db = this.index.db;
    const children = allPages((after) => listDatasets(db, { parentId: view.id }, { after, limit: MAX_PAGE_SIZE }));
    const licences = allPages((after) => listLicences(db, { datasetId: view.id }, { after, limit: MAX_PAGE_SIZE })).filter((l) => !l.revoked);
    const valuations = allPages((after) => listValuations(db, view.id, { after, limit: MAX_PAGE_SIZE }));
    const versions = view.parentId === null ? [] : versionsOf(db, view.id);
    return {
      id: view.id,
      tokenId: BigInt(view.id).toString(),
      contentHash: view.id,
      metadataHash: view.metadataHash ?? ZeroHash,
      title: view.title,
      uri: view.uri,
      classification: view.classification,
      status: view.status,
      transferable: view.transferable,
      holder: await this.directory.ref(getAddress(view.holder)),
      custodian: view.custodian ? await this.directory.ref(getAddress(view.custodian)) : null,
      parentId: view.parentId,
      children: children.map((c) => c.id),
      version: view.parentId === null ? 1 : versions.findIndex((v) => v.id === view.id) + 1,
      registered: { blockNumber: view.registered.blockNumber, transactionHash: view.registered.txHash },
      licenses: licences.map((l) => ({
        organization: this.directory.codeOf(l.orgId),
        orgId: l.orgId,
        expiresAt: l.expiresAt === null ? null : iso(l.expiresAt),
        termsHash: l.termsHash,
        terms: l.terms,
      })),
      valuations: valuations.map((v) => ({
        amountVnd: v.amountVnd,
        valuationDate: iso(v.valuationDate),
        method: v.method,
        appraiser: v.appraiser,
        reportHash: v.reportHash,
        blockNumber: v.recorded.blockNumber,
        transactionHash: v.recorded.txHash,
      })),
    };
  }
}
