import { createHash } from "node:crypto";

/**
 * A sample open-data catalogue shaped like a city portal's DCAT export (Project Open Data / DCAT-US 1.1 field
 * names, as CKAN's ckanext-dcat emits them), modelled on Can Tho's portal of 540+ datasets. Deterministic: the same
 * seed gives the same datasets, files and hashes, so a demo run and an auditor's check agree.
 */
export interface CatalogueDistribution {
  title: string;
  downloadURL: string;
  mediaType: string;
  format: string;
  byteSize: number;
  checksum: { algorithm: "sha256"; checksumValue: string };
}

export interface CatalogueDataset {
  identifier: string;
  title: string;
  description: string;
  publisher: { name: string; code: string };
  theme: string[];
  keyword: string[];
  license: string;
  accessLevel: "public" | "restricted public" | "non-public";
  /** Law on Data (2024) class: Open for the public portal; a few restricted datasets show the other classes. */
  classification: "Open" | "Other" | "Important" | "Core";
  issued: string;
  modified: string;
  distribution: CatalogueDistribution[];
}

export interface Catalogue {
  "@type": "dcat:Catalog";
  conformsTo: string;
  title: string;
  publisher: { name: string };
  dataset: CatalogueDataset[];
}

export interface GeneratedCatalogue {
  catalogue: Catalogue;
  /** The distribution files, by dataset identifier, whose sha256 the catalogue records. */
  files: Map<string, { fileName: string; content: string }>;
}

const AGENCIES = [
  { code: "DOST", name: "Can Tho Department of Science and Technology" },
  { code: "DONRE", name: "Can Tho Department of Natural Resources and Environment" },
  { code: "DOT", name: "Can Tho Department of Transport" },
  { code: "DOH", name: "Can Tho Department of Health" },
  { code: "DOET", name: "Can Tho Department of Education and Training" },
  { code: "DOF", name: "Can Tho Department of Finance" },
  { code: "DOC", name: "Can Tho Department of Construction" },
  { code: "DARD", name: "Can Tho Department of Agriculture and Rural Development" },
  { code: "DOIT", name: "Can Tho Department of Industry and Trade" },
  { code: "DCST", name: "Can Tho Department of Culture, Sports and Tourism" },
] as const;

const THEMES = [
  { theme: "Environment", agency: "DONRE", subjects: ["air quality readings", "river water levels", "solid waste collection", "tree canopy survey", "flood risk zones"] },
  { theme: "Transport", agency: "DOT", subjects: ["bus stops", "bus ridership", "traffic counts", "parking facilities", "ferry crossings"] },
  { theme: "Health", agency: "DOH", subjects: ["clinics and hospitals", "vaccination coverage", "dengue cases", "pharmacy licences", "emergency response times"] },
  { theme: "Education", agency: "DOET", subjects: ["school locations", "enrolment by ward", "teacher ratios", "exam pass rates", "library branches"] },
  { theme: "Economy", agency: "DOIT", subjects: ["business registrations", "market prices", "industrial parks", "export volumes", "retail markets"] },
  { theme: "Tourism and culture", agency: "DCST", subjects: ["tourism arrivals", "heritage sites", "festivals calendar", "hotel capacity", "sports venues"] },
  { theme: "Land and construction", agency: "DOC", subjects: ["building permits", "land use plan", "public works projects", "housing supply", "street lighting"] },
  { theme: "Agriculture", agency: "DARD", subjects: ["rice yields", "aquaculture farms", "fruit orchards", "irrigation canals", "salinity monitoring"] },
  { theme: "Public finance", agency: "DOF", subjects: ["budget execution", "public procurement", "state asset register", "tax collection", "public investment"] },
  { theme: "Science and technology", agency: "DOST", subjects: ["research projects", "innovation grants", "technology transfer", "standards and measurement", "digital services usage"] },
] as const;

const DISTRICTS = ["Ninh Kieu", "Binh Thuy", "Cai Rang", "O Mon", "Thot Not", "Phong Dien", "Co Do", "Thoi Lai", "Vinh Thanh"];
const LICENSES = ["https://creativecommons.org/licenses/by/4.0/", "http://opendatacommons.org/licenses/odbl/1-0/"];
const FORMATS = [
  { format: "CSV", mediaType: "text/csv", ext: "csv" },
  { format: "JSON", mediaType: "application/json", ext: "json" },
  { format: "GeoJSON", mediaType: "application/geo+json", ext: "geojson" },
] as const;

/** mulberry32: small, fast, and deterministic, which is all a sample catalogue needs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

export function generateCatalogue(count = 540, seed = 57): GeneratedCatalogue {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const datasets: CatalogueDataset[] = [];
  const files = new Map<string, { fileName: string; content: string }>();

  for (let i = 1; i <= count; i++) {
    const { theme, agency: agencyCode, subjects } = pick(THEMES);
    const subject = pick(subjects);
    const district = pick(DISTRICTS);
    const year = 2019 + Math.floor(random() * 7);
    const agency = AGENCIES.find((a) => a.code === agencyCode)!;
    const format = pick(FORMATS);
    const identifier = `cantho-${String(i).padStart(4, "0")}`;
    const title = `${subject[0].toUpperCase()}${subject.slice(1)}, ${district} district, ${year}`;
    const content = distributionContent(identifier, subject, district, year, format.ext, random);
    const fileName = `${identifier}.${format.ext}`;
    files.set(identifier, { fileName, content });
    // Roughly one in thirty datasets is not for the public portal: it exercises the other Law on Data classes.
    const roll = random();
    const classification = roll < 0.02 ? "Important" : roll < 0.033 ? "Other" : "Open";
    const modified = `${year}-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`;
    datasets.push({
      identifier,
      title,
      description: `${title}. Published by the ${agency.name} on the Can Tho open-data portal.`,
      publisher: { name: agency.name, code: agency.code },
      theme: [theme],
      keyword: [theme.toLowerCase(), subject, district.toLowerCase(), String(year)],
      license: pick(LICENSES),
      accessLevel: classification === "Open" ? "public" : "restricted public",
      classification,
      issued: `${year}-01-01`,
      modified,
      distribution: [
        {
          title: `${title} (${format.format})`,
          downloadURL: `https://opendata.cantho.gov.vn/dataset/${identifier}/resource/${fileName}`,
          mediaType: format.mediaType,
          format: format.format,
          byteSize: Buffer.byteLength(content),
          checksum: { algorithm: "sha256", checksumValue: sha256Hex(content) },
        },
      ],
    });
  }

  return {
    catalogue: {
      "@type": "dcat:Catalog",
      conformsTo: "https://project-open-data.cio.gov/v1.1/schema",
      title: "Can Tho open data (sample)",
      publisher: { name: "Can Tho City People's Committee" },
      dataset: datasets,
    },
    files,
  };
}

function distributionContent(
  identifier: string,
  subject: string,
  district: string,
  year: number,
  ext: string,
  random: () => number,
): string {
  const rows = 5 + Math.floor(random() * 20);
  const records = Array.from({ length: rows }, (_, r) => ({
    id: `${identifier}-${r + 1}`,
    ward: `${district} ward ${1 + Math.floor(random() * 12)}`,
    lat: +(10.0 + random() * 0.1).toFixed(5),
    lon: +(105.7 + random() * 0.1).toFixed(5),
    value: Math.round(random() * 10_000) / 10,
    year,
  }));
  if (ext === "csv") {
    return [`# ${subject}, ${district}, ${year}`, "id,ward,lat,lon,value,year", ...records.map((x) => `${x.id},${x.ward},${x.lat},${x.lon},${x.value},${x.year}`)].join("\n") + "\n";
  }
  if (ext === "geojson") {
    const features = records.map((x) => ({ type: "Feature", geometry: { type: "Point", coordinates: [x.lon, x.lat] }, properties: { id: x.id, ward: x.ward, value: x.value, year } }));
    return JSON.stringify({ type: "FeatureCollection", name: `${subject} ${district} ${year}`, features }) + "\n";
  }
  return JSON.stringify({ subject, district, year, records }) + "\n";
}
