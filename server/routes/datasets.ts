import crypto from "node:crypto";
import type { Request } from "express";
import { sizeInBytes } from "../config";
import type { GatewayServices } from "../core";
import { BadRequestError, PayloadTooLargeError } from "../errors";
import type { RouteBuilder } from "../http/route";
import type { z } from "../http/zod";
import type { ClassificationName, DatasetInput } from "../services/datasets";
import { SCOPE } from "../services/scopes";
import { canonicalJson } from "../util/canonical-json";
import {
  BatchResult,
  CataloguePreview,
  Dataset,
  DatasetLicenseParams,
  DatasetPage,
  DatasetParams,
  DatasetWriteResult,
  HashParams,
  LicenseBody,
  ListDatasetsQuery,
  RegisterBatchBody,
  RegisterDatasetBody,
  RevokeLicenseQuery,
  StatusBody,
  TransferBody,
  ValuationBody,
  Verification,
  VerifyBody,
} from "./schemas/datasets";

const ACCESS_LEVEL_CLASS: Record<string, ClassificationName> = { public: "Open", "restricted public": "Other", "non-public": "Important" };
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function datasetRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const datasets = s.datasets;
  const tags = ["datasets"];

  routes.add({
    method: "post",
    path: "/v1/datasets",
    operationId: "registerDataset",
    summary: "Register a dataset (its content hash becomes its id)",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    body: RegisterDatasetBody,
    success: { status: 201, description: "Registered", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [403, 404, 409, 422, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({ submission: await datasets.register(principal, body, idempotency) }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/batch",
    operationId: "registerCatalogue",
    summary: "Register a whole catalogue (DCAT/CKAN export), a chunk of datasets per transaction",
    description: "All chunks are simulated before any is sent: a catalogue is accepted whole or refused whole.",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    body: RegisterBatchBody,
    success: { status: 201, description: "Registered", schema: BatchResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ body, principal, idempotency }, req) => ({
      submission: await datasets.registerBatch(principal, catalogueItems(body, req), idempotency),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/batch/validate",
    operationId: "validateCatalogue",
    summary: "Check a catalogue before registering it: what each entry becomes, and which are already registered",
    description:
      "Changes nothing. The same body as POST /v1/datasets/batch; an invalid catalogue is 400 with every problem in `details`.",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    body: RegisterBatchBody,
    readOnly: true,
    success: { status: 200, description: "The preview", schema: CataloguePreview },
    errors: [],
    handler: async ({ body }, req) => {
      const items = catalogueItems(body, req);
      const seen = new Map<string, string>();
      const preview = await Promise.all(
        items.map(async (item) => {
          const problems: string[] = [];
          const first = seen.get(item.contentHash);
          if (first) problems.push(`DUPLICATE_IN_BATCH:${first}`);
          seen.set(item.contentHash, item.identifier);
          if (await datasets.isRegistered(item.contentHash)) problems.push("ALREADY_REGISTERED");
          const { identifier, title, uri, contentHash, classification, holder } = item;
          return { identifier, title, uri, contentHash, classification, holder: holder ?? null, problems };
        }),
      );
      return { status: 200, body: { valid: preview.every((p) => p.problems.length === 0), count: preview.length, items: preview } };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/datasets",
    operationId: "listDatasets",
    summary: "List datasets (filters: holder, classification, status, text)",
    tags,
    scope: SCOPE.DATASETS_READ,
    query: ListDatasetsQuery,
    success: { status: 200, description: "A page of datasets, in registration order", schema: DatasetPage },
    errors: [404, 503],
    handler: async ({ query }) => ({ status: 200, body: await datasets.list(query) }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/verify",
    operationId: "verifyDataset",
    summary: "Is this file (or hash) registered: by whom, when, which version?",
    description: "Send the file itself as application/octet-stream (hashed as it streams, not stored), or {\"sha256\": …} as JSON.",
    tags,
    scope: SCOPE.DATASETS_READ,
    body: VerifyBody,
    upload: { description: "The file to check" },
    readOnly: true,
    success: { status: 200, description: "Whether and how it is registered", schema: Verification },
    errors: [503],
    handler: async ({ body }, req) => {
      const sha256 = body ? body.sha256 : await sha256OfUpload(req, s.config.UPLOAD_LIMIT);
      return { status: 200, body: await datasets.verify(sha256) };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/datasets/by-hash/{sha256}",
    operationId: "getDatasetByHash",
    summary: "The dataset registered with this content hash",
    tags,
    scope: SCOPE.DATASETS_READ,
    params: HashParams,
    success: { status: 200, description: "The dataset", schema: Dataset },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await datasets.get(BigInt(params.sha256)) }),
  });

  routes.add({
    method: "get",
    path: "/v1/datasets/{id}",
    operationId: "getDataset",
    summary: "A dataset: record, holder, custodian, versions, licences, valuations",
    tags,
    scope: SCOPE.DATASETS_READ,
    params: DatasetParams,
    success: { status: 200, description: "The dataset", schema: Dataset },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await datasets.get(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/{id}/versions",
    operationId: "registerDatasetVersion",
    summary: "Register a new version; the current one becomes Deprecated",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    params: DatasetParams,
    body: RegisterDatasetBody,
    success: { status: 201, description: "Registered", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await datasets.registerVersion(principal, params.id, body, idempotency),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/{id}/transfer",
    operationId: "transferDataset",
    summary: "Move a dataset to another participant (signed by the holder)",
    tags,
    scope: SCOPE.DATASETS_TRANSFER,
    params: DatasetParams,
    body: TransferBody,
    success: { status: 200, description: "Transferred", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await datasets.transfer(principal, params.id, body.to, idempotency),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/{id}/status",
    operationId: "setDatasetStatus",
    summary: "Set a dataset's status (Active, Deprecated, Revoked; Revoked is final)",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    params: DatasetParams,
    body: StatusBody,
    success: { status: 200, description: "Changed", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await datasets.setStatus(principal, params.id, body.status, body.reason, idempotency),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/{id}/licenses",
    operationId: "grantDatasetLicense",
    summary: "Grant (or renew) a usage licence to an organisation",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    params: DatasetParams,
    body: LicenseBody,
    success: { status: 201, description: "Granted", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await datasets.grantLicense(
        principal,
        params.id,
        { organization: body.organization, expiresAt: body.expiresAt ? seconds(body.expiresAt) : 0, termsHash: body.termsHash, terms: body.terms },
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "delete",
    path: "/v1/datasets/{id}/licenses/{org}",
    operationId: "revokeDatasetLicense",
    summary: "Revoke an organisation's usage licence",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    params: DatasetLicenseParams,
    query: RevokeLicenseQuery,
    success: { status: 200, description: "Revoked", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, query, principal, idempotency }) => ({
      submission: await datasets.revokeLicense(principal, params.id, params.org, query.reason ?? "revoked by the data office", idempotency),
    }),
  });

  routes.add({
    method: "post",
    path: "/v1/datasets/{id}/valuations",
    operationId: "recordDatasetValuation",
    summary: "Record an appraisal (amount in whole VND, as a string)",
    tags,
    scope: SCOPE.DATASETS_WRITE,
    params: DatasetParams,
    body: ValuationBody,
    success: { status: 201, description: "Recorded", schema: DatasetWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await datasets.recordValuation(
        principal,
        params.id,
        { ...body, valuationDate: seconds(`${body.valuationDate}T00:00:00Z`) },
        idempotency,
      ),
    }),
  });
}

/** sha256 of an uploaded file, computed as it streams in; nothing is kept. */
async function sha256OfUpload(req: Request, limit: string): Promise<string> {
  const max = sizeInBytes(limit);
  const hash = crypto.createHash("sha256");
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.unpipe();
      req.resume();
      throw new PayloadTooLargeError(limit);
    }
    hash.update(chunk);
  }
  if (size === 0) throw new BadRequestError("EMPTY_UPLOAD", "The uploaded file is empty");
  return `0x${hash.digest("hex")}`;
}

type CatalogueBody = z.output<typeof RegisterBatchBody>;

/** What each catalogue entry registers as (shared by the registration and its preview). */
function catalogueItems(body: CatalogueBody, req: Request): (DatasetInput & { identifier: string })[] {
  // The metadata hash is of each entry exactly as the catalogue has it, so anyone holding the export can recompute it.
  const rawEntries = (req.body as { catalogue: { dataset: unknown[] } }).catalogue.dataset;
  return body.catalogue.dataset.map((d, i) => {
    const distribution = d.distribution[0];
    return {
      identifier: d.identifier,
      contentHash: distribution.checksum.checksumValue,
      metadataHash: `0x${crypto.createHash("sha256").update(canonicalJson(rawEntries[i])).digest("hex")}`,
      holder: (d.publisher?.code && body.holderByPublisher?.[d.publisher.code]) || body.holder,
      classification: d.classification ?? ACCESS_LEVEL_CLASS[d.accessLevel ?? "public"],
      transferable: body.transferable,
      title: d.title,
      uri: distribution.downloadURL,
    };
  });
}
