import { ZeroHash } from "ethers";
import type Database from "better-sqlite3";
import { NotFoundError } from "../errors";
import { getBatch, getDataset, getProject } from "../indexer/queries";
import { idHex } from "./datasets";
import type { OrgDirectory } from "./org-directory";

const isoOrNull = (seconds: number | null) => (seconds ? new Date(seconds * 1000).toISOString() : null);

/**
 * Token metadata for wallets, explorers and indexers, in the shape of the ERC-721 / ERC-1155 metadata JSON schema
 * (`name`, `description`, `properties`, plus `attributes` as most marketplaces read them), from the gateway's index.
 * Public: everything in it is on chain already.
 */
export class TokenMetadataService {
  constructor(
    private readonly db: Database.Database,
    private readonly directory: OrgDirectory,
  ) {}

  dataset(id: bigint) {
    const hex = idHex(id);
    const d = getDataset(this.db, hex);
    if (!d) throw new NotFoundError("DATASET_NOT_FOUND", `No dataset ${hex}`, { id: hex });
    const holder = d.holderOrg && d.holderOrg !== ZeroHash ? this.directory.codeOf(d.holderOrg) : d.holder;
    const properties = {
      class: "dataset",
      contentHash: d.id,
      classification: d.classification,
      status: d.status,
      holder,
      transferable: d.transferable,
      parentId: d.parentId,
      metadataHash: d.metadataHash,
      uri: d.uri,
      registeredAt: isoOrNull(d.registered.timestamp),
    };
    return {
      name: d.title,
      description: `${d.classification} dataset held by ${holder} (${d.status}). Content hash ${d.id}: the sha256 of its distribution.`,
      external_url: d.uri,
      properties,
      attributes: [
        { trait_type: "Classification", value: d.classification },
        { trait_type: "Status", value: d.status },
        { trait_type: "Holder", value: holder },
        { trait_type: "Transferable", value: d.transferable ? "yes" : "no" },
      ],
    };
  }

  credit(id: bigint) {
    const b = getBatch(this.db, id);
    if (!b) throw new NotFoundError("BATCH_NOT_FOUND", `No batch ${id}`, { id: id.toString() });
    const project = getProject(this.db, b.projectKey);
    const vintage = { start: isoOrNull(b.periodStart), end: isoOrNull(b.periodEnd) };
    const status = b.frozen ? "Frozen" : BigInt(b.circulating) === 0n ? "Closed" : "Active";
    const projectName = project?.projectId ?? b.projectKey;
    return {
      name: `${projectName} carbon credits, vintage ${vintage.start?.slice(0, 4) ?? "unknown"} (batch ${b.batchId})`,
      description:
        `Carbon credits of project ${projectName}` +
        (project ? ` (${project.standard}, ${project.methodology}, ${project.location})` : "") +
        `; one unit is one tonne of CO2e, serials ${b.serialFirst}–${b.serialLast}.`,
      decimals: 0,
      properties: {
        class: "carbon credit (tCO2e)",
        batchId: b.batchId,
        status,
        project: project
          ? { id: project.projectId, standard: project.standard, methodology: project.methodology, location: project.location, developer: this.directory.codeOf(project.developerOrg) }
          : { key: b.projectKey },
        vintage,
        serials: { first: b.serialFirst, last: b.serialLast },
        supply: { issued: b.issued, circulating: b.circulating, retired: b.retired, cancelled: b.cancelled },
        correspondingAdjustment: b.adjustment,
        attestationId: b.attestationId,
      },
      attributes: [
        { trait_type: "Project", value: projectName },
        { trait_type: "Vintage", value: vintage.start?.slice(0, 4) ?? "unknown" },
        { trait_type: "Status", value: status },
        { trait_type: "Corresponding adjustment", value: b.adjustment },
      ],
    };
  }
}
