import { createHash } from "node:crypto";
import { generateCatalogue } from "../lib/catalogue";
import type { GatewayClient, WriteAnswer } from "./client";

/**
 * The demo scenario, through the HTTP API only: the data office imports the open-data catalogue, moves and licenses
 * some datasets; the carbon authority registers two projects, the verifier attests them and the authority issues
 * credits; the treasury mints VND to two businesses; the solar developer lists credits, the logistics company buys
 * part of them (once retiring on purchase) and retires more with a certificate.
 *
 * Every write carries an Idempotency-Key derived from the step, so running the scenario again against the same
 * gateway replays the first answers and changes nothing. With a `round` the carbon, settlement and market steps get
 * new keys and project ids (a new round of trading); the data steps are one-off by nature and are always replayed.
 */
export interface DemoOptions {
  /** Empty for the first (and repeatable) round; a tag for another round of carbon and market activity. */
  round?: string;
  catalogueSeed?: number;
  log?: (line: string) => void;
}

export interface DemoStep {
  org: string;
  what: string;
  href: string | null;
  /** Hash of the (last) chain transaction, and how many the write took. */
  transaction: string | null;
  chainTransactions: number;
  replayed: boolean;
}

export interface DemoOutcome {
  steps: DemoStep[];
  catalogue: { registered: number; transactions: number };
  datasets: { transferred: { id: string; to: string }[]; licensed: { id: string; to: string }[] };
  projects: string[];
  batches: { solar: string; fleet: string };
  listing: string;
  retirements: string[];
  /** The data exchange: an offer of a transport dataset and the licence BIZ-LOGISTICS bought from it. */
  licenceSale: { offer: string; dataset: string; priceVnd: string; expiresAt: string };
  organizations: Record<string, string>;
}

const sha256 = (text: string) => `0x${createHash("sha256").update(text).digest("hex")}`;

export const DEMO_AMOUNTS = {
  solarIssued: 5_000n,
  fleetIssued: 1_200n,
  listed: 2_000n,
  unitPrice: 250_000n,
  bought: 600n,
  boughtAndRetired: 200n,
  retired: 300n,
  vndToLogistics: 2_000_000_000n,
  vndToSolar: 500_000_000n,
  licencePrice: 2_500_000n,
} as const;

/** The demo's licence terms: use and reproduce for research and planning, with attribution; no redistribution. */
export const DEMO_POLICY = {
  "@context": "http://www.w3.org/ns/odrl.jsonld",
  "@type": "Offer",
  permission: [
    {
      action: "use",
      constraint: [{ leftOperand: "purpose", operator: "isAnyOf", rightOperand: ["research", "logistics-planning"] }],
      duty: [{ action: "attribute", attributedParty: "Department of Transport" }],
    },
    { action: "reproduce", constraint: [{ leftOperand: "recipient", operator: "eq", rightOperand: "BIZ-LOGISTICS" }] },
  ],
  prohibition: [{ action: "distribute" }],
} as const;

export async function runDemo(api: GatewayClient, options: DemoOptions = {}): Promise<DemoOutcome> {
  const log = options.log ?? (() => undefined);
  const round = options.round ? `${options.round}:` : "";
  const idPart = options.round ? `${options.round.toUpperCase()}-` : "";
  const steps: DemoStep[] = [];
  const A = DEMO_AMOUNTS;

  const write = async <R = Record<string, any>>(org: string, what: string, method: "POST" | "DELETE", path: string, key: string, body?: unknown) => {
    const answer: WriteAnswer<R> = await api.write<R>(org, method, path, key, body);
    const result = answer.result as Record<string, any>;
    steps.push({
      org,
      what,
      href: (result?.href as string) ?? null,
      transaction: answer.transaction.hash,
      chainTransactions: answer.transaction.chainTransactions.length,
      replayed: answer.replayed,
    });
    log(`  ${answer.replayed ? "↺" : "✓"} ${org.padEnd(16)} ${what}`);
    return answer.result;
  };

  // 1. Data: the catalogue, custody moves and usage licences.
  log("Datasets");
  const { catalogue } = generateCatalogue(540, options.catalogueSeed ?? 57);
  const imported = await write<{ registered: number; datasets: { identifier: string; id: string; holder: string; classification: string }[] }>(
    "DATA-OFFICE",
    `imported the open-data catalogue (${catalogue.dataset.length} datasets)`,
    "POST",
    "/v1/datasets/batch",
    "demo:catalogue",
    { holder: "DATA-OFFICE", holderByPublisher: { DONRE: "DONRE", DOT: "AGENCY-TRANSPORT" }, catalogue },
  );
  const importStep = steps[steps.length - 1];
  const ownOpen = imported.datasets.filter((d) => d.holder === "DATA-OFFICE" && d.classification === "Open");
  const transport = imported.datasets.filter((d) => d.holder === "AGENCY-TRANSPORT" && d.classification === "Open");
  const transfers = [
    { dataset: ownOpen[0], to: "AGENCY-TRANSPORT" },
    { dataset: ownOpen[1], to: "DONRE" },
  ];
  for (const t of transfers) {
    await write("DATA-OFFICE", `moved ${t.dataset.identifier} to ${t.to}`, "POST", `/v1/datasets/${t.dataset.id}/transfer`, `demo:transfer:${t.dataset.identifier}`, { to: t.to });
  }
  const terms = "CC-BY-4.0, https://creativecommons.org/licenses/by/4.0/";
  const licences = [
    { dataset: transport[0], to: "BIZ-LOGISTICS" },
    { dataset: ownOpen[2], to: "BIZ-SOLAR" },
  ];
  for (const l of licences) {
    await write("DATA-OFFICE", `licensed ${l.dataset.identifier} to ${l.to}`, "POST", `/v1/datasets/${l.dataset.id}/licenses`, `demo:license:${l.dataset.identifier}:${l.to}`, {
      organization: l.to,
      expiresAt: "2030-12-31T00:00:00Z",
      termsHash: sha256(terms),
      terms,
    });
  }

  // 2. Carbon: two projects, attested and issued.
  log("Carbon credits");
  const projects = [
    {
      id: `VN-CT-${idPart}0001`,
      developer: "BIZ-SOLAR",
      standard: "Domestic",
      methodology: "AMS-I.D Grid-connected renewable electricity generation",
      location: "Can Tho, Ninh Kieu district (rooftop solar, 4.2 MWp)",
      amount: A.solarIssued,
    },
    {
      id: `VN-CT-${idPart}0002`,
      developer: "BIZ-LOGISTICS",
      standard: "Domestic",
      methodology: "AMS-III.C Emission reductions by electric and hybrid vehicles",
      location: "Can Tho, Cai Rang district (electric delivery fleet)",
      amount: A.fleetIssued,
    },
  ];
  const batchIds: string[] = [];
  for (const p of projects) {
    await write("DONRE", `registered project ${p.id} (${p.developer})`, "POST", "/v1/carbon/projects", `demo:${round}project:${p.id}`, {
      id: p.id,
      developer: p.developer,
      standard: p.standard,
      methodology: p.methodology,
      location: p.location,
      metadataHash: sha256(`project document ${p.id}`),
    });
    const attestation = await write<{ attestationId: string }>(
      "VVB-1",
      `attested ${p.amount} tCO2e for ${p.id}, monitoring year 2024`,
      "POST",
      "/v1/carbon/attestations",
      `demo:${round}attest:${p.id}`,
      { project: p.id, monitoringPeriod: { start: "2024-01-01", end: "2025-01-01" }, amount: p.amount.toString(), reportHash: sha256(`monitoring report ${p.id} 2024`) },
    );
    const batch = await write<{ batchId: string }>("DONRE", `issued ${p.amount} tCO2e of ${p.id} to ${p.developer}`, "POST", "/v1/carbon/batches", `demo:${round}issue:${p.id}`, {
      attestationId: attestation.attestationId,
      to: p.developer,
      amount: p.amount.toString(),
    });
    batchIds.push(batch.batchId);
  }
  const [solar, fleet] = batchIds;
  await write("DONRE", `set the corresponding adjustment of batch ${fleet} to Pending`, "POST", `/v1/carbon/batches/${fleet}/adjustment`, `demo:${round}adjustment:${fleet}`, {
    status: "Pending",
    evidenceHash: sha256("letter to the national authority"),
  });

  // 3. Settlement: VND for the two businesses.
  log("Settlement (VND)");
  for (const [to, amount] of [["BIZ-LOGISTICS", A.vndToLogistics], ["BIZ-SOLAR", A.vndToSolar]] as const) {
    await write("TREASURY", `minted ${amount.toLocaleString("en")} VND to ${to}`, "POST", "/v1/settlement/mint", `demo:${round}mint:${to}`, {
      to,
      amount: amount.toString(),
      reference: `DEP-${idPart}${to}`.slice(0, 31),
    });
  }

  // 4. Market: list, buy part, buy and retire, retire with a certificate.
  log("Market");
  const listing = await write<{ listingId: string }>("BIZ-SOLAR", `listed ${A.listed} tCO2e of batch ${solar} at ${A.unitPrice.toLocaleString("en")} VND`, "POST", "/v1/market/listings", `demo:${round}list`, {
    batchId: solar,
    amount: A.listed.toString(),
    unitPrice: A.unitPrice.toString(),
    minFill: "100",
  });
  await write("BIZ-LOGISTICS", `bought ${A.bought} tCO2e from listing ${listing.listingId}`, "POST", `/v1/market/listings/${listing.listingId}/fill`, `demo:${round}buy`, {
    amount: A.bought.toString(),
    maxCost: (A.bought * A.unitPrice).toString(),
  });
  const claim = (reason: string, beneficiary: { name: string; organization?: string }) => ({
    beneficiary,
    reason,
    consumptionPeriod: { start: "2025-01-01", end: "2025-12-31" },
  });
  const onPurchase = await write<{ retirement: { id: string } }>(
    "BIZ-LOGISTICS",
    `bought and retired ${A.boughtAndRetired} tCO2e from listing ${listing.listingId}`,
    "POST",
    `/v1/market/listings/${listing.listingId}/fill`,
    `demo:${round}buy-retire`,
    {
      amount: A.boughtAndRetired.toString(),
      maxCost: (A.boughtAndRetired * A.unitPrice).toString(),
      retire: claim("Offsetting 2025 delivery fleet emissions", { name: "Mekong Logistics JSC", organization: "BIZ-LOGISTICS" }),
    },
  );
  const retired = await write<{ retirementId: string }>("BIZ-LOGISTICS", `retired ${A.retired} tCO2e of batch ${solar}`, "POST", "/v1/carbon/retirements", `demo:${round}retire`, {
    batchId: solar,
    amount: A.retired.toString(),
    ...claim("Carbon-neutral Tet market 2025", { name: "Can Tho City People's Committee" }),
  });

  // 5. Data exchange: the Department of Transport sells a usage licence of a dataset to the logistics company.
  log("Data exchange");
  // A dataset that needs a licence (class Other) when the catalogue has one, so the licence is what gives access.
  const sold = imported.datasets.find((d) => d.holder === "AGENCY-TRANSPORT" && d.classification === "Other") ?? transport[1];
  const offer = await write<{ offerId: string }>(
    "AGENCY-TRANSPORT",
    `offered licences of ${sold.identifier} at ${A.licencePrice.toLocaleString("en")} VND for 90 days`,
    "POST",
    `/v1/datasets/${sold.id}/offers`,
    `demo:${round}offer`,
    { priceVnd: A.licencePrice.toString(), termDays: 90, policy: DEMO_POLICY, maxLicences: 10 },
  );
  const purchase = await write<{ expiresAt: string }>(
    "BIZ-LOGISTICS",
    `bought a licence of ${sold.identifier} from offer ${offer.offerId}`,
    "POST",
    `/v1/offers/${offer.offerId}/purchase`,
    `demo:${round}purchase`,
    { maxPrice: A.licencePrice.toString() },
  );

  return {
    steps,
    catalogue: { registered: imported.registered, transactions: importStep.chainTransactions },
    datasets: {
      transferred: transfers.map((t) => ({ id: t.dataset.id, to: t.to })),
      licensed: licences.map((l) => ({ id: l.dataset.id, to: l.to })),
    },
    projects: projects.map((p) => p.id),
    batches: { solar, fleet },
    listing: listing.listingId,
    retirements: [onPurchase.retirement.id, retired.retirementId],
    licenceSale: { offer: offer.offerId, dataset: sold.id, priceVnd: A.licencePrice.toString(), expiresAt: purchase.expiresAt },
    organizations: Object.fromEntries(["DATA-OFFICE", "AGENCY-TRANSPORT", "DONRE", "BIZ-SOLAR", "BIZ-LOGISTICS"].map((o) => [o, api.address(o)])),
  };
}

