import { expect } from "chai";
import { generateCatalogue, sha256Hex } from "../../scripts/lib/catalogue";

describe("sample catalogue", function () {
  const { catalogue, files } = generateCatalogue();

  it("has 540 datasets with unique identifiers and content hashes", function () {
    expect(catalogue.dataset).to.have.length(540);
    expect(new Set(catalogue.dataset.map((d) => d.identifier)).size).to.equal(540);
    expect(new Set(catalogue.dataset.map((d) => d.distribution[0].checksum.checksumValue)).size).to.equal(540);
  });

  it("records the sha256 of each generated distribution file", function () {
    for (const dataset of catalogue.dataset) {
      const file = files.get(dataset.identifier)!;
      expect(dataset.distribution[0].checksum.checksumValue).to.equal(sha256Hex(file.content));
      expect(dataset.distribution[0].byteSize).to.equal(Buffer.byteLength(file.content));
    }
  });

  it("is deterministic for a seed and differs across seeds", function () {
    expect(generateCatalogue(20, 7).catalogue).to.deep.equal(generateCatalogue(20, 7).catalogue);
    expect(generateCatalogue(20, 7).catalogue.dataset[0].distribution[0].checksum).to.not.deep.equal(
      generateCatalogue(20, 8).catalogue.dataset[0].distribution[0].checksum,
    );
  });

  it("is mostly open data with a few restricted datasets", function () {
    const byClass = catalogue.dataset.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.classification]: (acc[d.classification] ?? 0) + 1 }), {});
    expect(byClass.Open).to.be.greaterThan(500);
    expect((byClass.Important ?? 0) + (byClass.Other ?? 0)).to.be.greaterThan(0);
  });
});
