import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { describeVerification, sha256OfFile, verifyDigest, verifyFile, type FileVerification } from "../../scripts/audit/verify-file";
import { historyFixture } from "./fixtures/history";

describe("verify a file against the registry", function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cal-verify-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const hex = (id: bigint) => ethers.toBeHex(id, 32);

  it("finds a catalogue file: holder and organisation, class, status, version and the registering transaction", async function () {
    const { deployment, catalogue, files, signers, orgs, dataAssets } = await loadFixture(historyFixture);
    const entry = catalogue.dataset[4];
    const file = path.join(dir, files.get(entry.identifier)!.fileName);
    fs.writeFileSync(file, files.get(entry.identifier)!.content);
    expect(await sha256OfFile(file)).to.equal("0x" + entry.distribution[0].checksum.checksumValue);

    const result = await verifyFile(file, { provider: ethers.provider, deployment, chunkSize: 7 });
    expect(result.registered).to.equal(true);
    const d = result.dataset!;
    expect(d.id).to.equal("0x" + entry.distribution[0].checksum.checksumValue);
    expect(d.holder).to.equal(signers.agencyA.address);
    expect(d.holderOrg).to.deep.equal({ id: orgs.agencyA.id, code: "AGENCY-A" });
    expect([d.classification, d.status, d.version, d.parentId, d.successorIds]).to.deep.equal([entry.classification, "Active", 1, null, []]);
    expect([d.title, d.uri]).to.deep.equal([entry.title, entry.distribution[0].downloadURL]);
    const [registered] = await dataAssets.queryFilter(dataAssets.filters.DatasetRegistered(BigInt(d.id)));
    expect(d.registration).to.deep.include({ txHash: registered.transactionHash, blockNumber: registered.blockNumber, logIndex: registered.index });
    expect(d.registration.timestamp).to.equal((await registered.getBlock()).timestamp);
    expect(describeVerification(result)).to.contain(`REGISTERED as dataset ${d.id}`).and.contain("organisation AGENCY-A");
  });

  it("names the versions around a dataset and its latest title", async function () {
    const { deployment, ids } = await loadFixture(historyFixture);
    const options = { provider: ethers.provider, deployment };
    const first = (await verifyDigest(hex(ids.open), options)).dataset!;
    expect([first.status, first.version, first.successorIds]).to.deep.equal(["Deprecated", 1, [hex(ids.openV2)]]);
    const second = (await verifyDigest(hex(ids.openV2).slice(2).toUpperCase(), options)).dataset!;
    expect([second.status, second.version, second.parentId]).to.deep.equal(["Active", 2, hex(ids.open)]);
    expect(second.title).to.equal("Bus stops of Da Nang (2026, corrected)");
  });

  it("says when a file is not registered, and refuses a malformed hash", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const file = path.join(dir, "unknown.csv");
    fs.writeFileSync(file, "id,value\n1,2\n");
    const result = await verifyFile(file, { provider: ethers.provider, deployment });
    expect(result).to.deep.equal({ sha256: await sha256OfFile(file), registered: false, blockNumber: await ethers.provider.getBlockNumber() });
    expect(describeVerification(result)).to.contain("NOT REGISTERED");
    await expect(verifyDigest("0x1234", { provider: ethers.provider, deployment })).to.be.rejectedWith(/64 hex digits/);
  });

  it("runs as `hardhat audit:verify-file <path>` with the deployment record file", async function () {
    const { deployment, catalogue, files } = await loadFixture(historyFixture);
    const entry = catalogue.dataset[0];
    const file = path.join(dir, "data.csv");
    fs.writeFileSync(file, files.get(entry.identifier)!.content);
    const record = path.join(dir, "deployment.json");
    fs.writeFileSync(record, JSON.stringify(deployment));
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    let result: FileVerification;
    try {
      result = await hre.run("audit:verify-file", { file, deployment: record });
    } finally {
      process.stdout.write = write;
    }
    expect(result.registered).to.equal(true);
    // The first catalogue dataset moved to agency B during the history.
    expect(printed).to.contain("organisation AGENCY-B");
    expect(process.exitCode ?? 0).to.equal(0);
  });
});
