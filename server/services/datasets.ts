import { ZeroAddress, toBeHex, zeroPadValue, type Provider } from "ethers";
import type { IDataAssetRegistry } from "../../typechain-types";
import type { ChainContracts } from "../chain/contracts";
import { DatasetEvents, type DatasetEvent } from "../chain/readers/dataset-events";
import { isRevert } from "../chain/revert";
import type { OperationRegistry } from "../chain/tx/operations";
import type { SubmitOutcome, TxCall, TxPipeline } from "../chain/tx/pipeline";
import { BadRequestError, ForbiddenError, NotFoundError } from "../errors";
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

/** Dataset ids are uint256(contentHash); the API writes them as the 32-byte hex they are. */
export const idHex = (id: bigint): string => zeroPadValue(toBeHex(id), 32);
const iso = (seconds: bigint | number): string => new Date(Number(seconds) * 1000).toISOString();

/**
 * Datasets on the DataAssetRegistry. Writes are signed by the calling organisation's own key (the data office's
 * for registrations: it holds REGISTRAR on chain; the holder's for transfers); reads come straight from the chain.
 */
export class DatasetService {
  readonly events: DatasetEvents;

  constructor(
    private readonly contracts: ChainContracts,
    private readonly provider: Provider,
    private readonly pipeline: TxPipeline,
    private readonly participants: ParticipantService,
    private readonly directory: OrgDirectory,
    private readonly chunkSize: number,
    operations: OperationRegistry,
  ) {
    this.events = new DatasetEvents(provider, contracts.dataAssets, contracts.addresses.dataAssets, contracts.record.deploymentBlock);
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

  /** The account that acts for an organisation: the gateway's key for it, else its first account on chain. */
  private async accountOf(code: string): Promise<string> {
    const known = this.participants.find(code);
    if (known) return known.address;
    const accounts = await readChain(() => this.contracts.participants.accountsOf(orgIdOf(code)));
    if (accounts.length === 0) throw new NotFoundError("PARTICIPANT_NOT_FOUND", `No participant ${code}`, { code });
    return accounts[0];
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

  private submit(caller: Principal, operation: string, params: unknown, calls: TxCall[], idempotency?: { orgCode: string; key: string }) {
    return this.pipeline.submit({ orgCode: caller.orgCode, wallet: this.participants.walletOf(caller.orgCode), operation, params, calls, idempotency });
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

  /** Registers many datasets, `chunkSize` per transaction; all chunks are simulated before any is sent. */
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
    const calls: TxCall[] = [];
    for (let start = 0; start < registrations.length; start += this.chunkSize) {
      calls.push({
        to: this.registryAddress,
        data: this.registry.interface.encodeFunctionData("registerBatch", [registrations.slice(start, start + this.chunkSize)]),
      });
    }
    return this.submit(
      caller,
      "datasets.batch",
      { datasets: items.map((i) => ({ identifier: i.identifier, id: i.contentHash, holder: i.holder ?? caller.orgCode, classification: i.classification })) },
      calls,
      idempotency,
    );
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
    const asset = await this.requireExists(id);
    const events = await readChain(() => this.events.ofDataset(id));
    return this.toDto(id, asset, events);
  }

  /** Registered datasets in registration order, filtered; `cursor` is the id of the last item of the previous page. */
  async list(filters: { holder?: string; classification?: ClassificationName; status?: AssetStatusName; text?: string; limit: number; cursor?: bigint }) {
    const [registered, metadata] = await readChain(() => Promise.all([this.events.named("DatasetRegistered"), this.events.named("DatasetMetadataChanged")]));
    const latest = new Map<bigint, { title: string; uri: string }>();
    for (const e of [...registered, ...metadata]) latest.set(e.args.id as bigint, { title: e.args.title as string, uri: e.args.uri as string });
    const holderAccount = filters.holder ? await this.accountOf(filters.holder) : undefined;
    const text = filters.text?.toLowerCase();

    let started = filters.cursor === undefined;
    const items: DatasetDto[] = [];
    let more = false;
    for (const e of registered) {
      const id = e.args.id as bigint;
      if (!started) {
        started = id === filters.cursor;
        continue;
      }
      if (filters.classification && CLASSIFICATIONS[Number(e.args.classification)] !== filters.classification) continue;
      const meta = latest.get(id)!;
      if (text && !meta.title.toLowerCase().includes(text) && !meta.uri.toLowerCase().includes(text)) continue;
      const asset = await readChain(() => this.registry.assetOf(id));
      if (filters.status && ASSET_STATUSES[Number(asset.status)] !== filters.status) continue;
      if (holderAccount && asset.holder !== holderAccount) continue;
      if (items.length === filters.limit) {
        more = true;
        break;
      }
      items.push(await this.toDto(id, asset, [e], meta));
    }
    return { items, nextCursor: more ? items[items.length - 1].id : null };
  }

  /** Whether these bytes are registered: by whom, when, which version, and its state now. */
  async verify(contentHash: string) {
    const id = BigInt(contentHash);
    const registered = await readChain(() => this.registry.isRegistered(contentHash));
    if (!registered) return { sha256: contentHash.slice(2), registered: false as const };
    const dataset = await this.get(id);
    const registration = dataset.registered;
    const [tx, block] = registration
      ? await readChain(() => Promise.all([this.provider.getTransaction(registration.transactionHash), this.provider.getBlock(registration.blockNumber)]))
      : [null, null];
    return {
      sha256: contentHash.slice(2),
      registered: true as const,
      registeredBy: tx ? await this.directory.ref(tx.from) : null,
      registeredAt: block ? iso(block.timestamp) : null,
      version: dataset.version,
      latestVersion: dataset.children.length === 0,
      dataset,
    };
  }

  private async toDto(
    id: bigint,
    asset: IDataAssetRegistry.AssetStructOutput,
    events: DatasetEvent[],
    meta?: { title: string; uri: string },
  ): Promise<DatasetDto> {
    let title = meta?.title ?? null;
    let uri = meta?.uri ?? null;
    let registered: DatasetDto["registered"] = null;
    const children: string[] = [];
    const licenses = new Map<string, DatasetDto["licenses"][number]>();
    const valuations: DatasetDto["valuations"] = [];
    for (const e of events) {
      const a = e.args;
      switch (e.name) {
        case "DatasetRegistered":
          if (a.id === id) {
            registered = { blockNumber: e.blockNumber, transactionHash: e.transactionHash };
            title ??= a.title as string;
            uri ??= a.uri as string;
          }
          break;
        case "DatasetMetadataChanged":
          if (!meta) {
            title = a.title as string;
            uri = a.uri as string;
          }
          break;
        case "DatasetVersioned":
          if (a.parentId === id) children.push(idHex(a.id as bigint));
          break;
        case "LicenseGranted":
          licenses.set(a.orgId as string, {
            organization: this.directory.codeOf(a.orgId as string),
            orgId: a.orgId as string,
            expiresAt: (a.expiresAt as bigint) === 0n ? null : iso(a.expiresAt as bigint),
            termsHash: a.termsHash as string,
            terms: a.terms as string,
          });
          break;
        case "LicenseRevoked":
          licenses.delete(a.orgId as string);
          break;
        case "ValuationRecorded":
          valuations.push({
            amountVnd: (a.amountVnd as bigint).toString(),
            valuationDate: iso(a.valuationDate as bigint),
            method: a.method as string,
            appraiser: a.appraiser as string,
            reportHash: a.reportHash as string,
            blockNumber: e.blockNumber,
            transactionHash: e.transactionHash,
          });
          break;
      }
    }
    let version = 1;
    for (let parent = asset.parentId; parent !== 0n && version < 1_000; version++) {
      parent = (await readChain(() => this.registry.assetOf(parent))).parentId;
    }
    return {
      id: idHex(id),
      tokenId: id.toString(),
      contentHash: asset.contentHash,
      metadataHash: asset.metadataHash,
      title,
      uri,
      classification: CLASSIFICATIONS[Number(asset.classification)],
      status: ASSET_STATUSES[Number(asset.status)],
      transferable: asset.transferable,
      holder: await this.directory.ref(asset.holder),
      custodian: await this.directory.ref(asset.custodian),
      parentId: asset.parentId === 0n ? null : idHex(asset.parentId),
      children,
      version,
      registered,
      licenses: [...licenses.values()],
      valuations,
    };
  }
}
