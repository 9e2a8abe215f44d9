/**
 * Writes the sample open-data catalogue (and, with --files, its distribution files so a file can be verified
 * against its registered hash).
 *   npm run catalogue -- [--count 540] [--seed 57] [--out .data/catalogue.json] [--files .data/catalogue-files]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateCatalogue } from "../lib/catalogue";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "540" },
    seed: { type: "string", default: "57" },
    out: { type: "string", default: path.join(process.env.DATA_DIR ?? ".data", "catalogue.json") },
    files: { type: "string" },
  },
});

const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  process.stderr.write("--count must be a positive whole number and --seed a whole number\n");
  process.exit(2);
}

const { catalogue, files } = generateCatalogue(count, seed);
fs.mkdirSync(path.dirname(values.out!), { recursive: true });
fs.writeFileSync(values.out!, JSON.stringify(catalogue, null, 2) + "\n");
if (values.files) {
  fs.mkdirSync(values.files, { recursive: true });
  for (const { fileName, content } of files.values()) fs.writeFileSync(path.join(values.files, fileName), content);
}
process.stdout.write(
  `wrote ${catalogue.dataset.length} datasets to ${values.out}${values.files ? ` and their files to ${values.files}` : ""}\n`,
);
