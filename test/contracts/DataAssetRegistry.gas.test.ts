import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { systemFixture } from "./fixtures/system";
import { GasSnapshot, printGasTable } from "./helpers/gas-snapshot";
import { Classification, idOf, registration } from "./helpers/datasets";
import { PlainERC721__factory } from "../../typechain-types";

const BATCH = 50;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

async function gasFixture() {
  const system = await systemFixture();
  const plain = await new PlainERC721__factory(system.signers.admin).deploy();
  return { ...system, plain };
}

describe("DataAssetRegistry gas", function () {
  const snapshot = new GasSnapshot("DataAssetRegistry");
  const measured: Record<string, number> = {};
  const record = (name: string, gas: number) => {
    measured[name] = gas;
    snapshot.check(name, gas);
  };

  after(function () {
    snapshot.write();
    printGasTable([
      { operation: "plain ERC-721 mint (holder holds one)", gas: measured["plain ERC-721 mint"] },
      { operation: "plain ERC-721 transfer (new holder)", gas: measured["plain ERC-721 transfer"] },
      { operation: "register single, Open (holder holds one)", gas: measured["register single open"], baseline: measured["plain ERC-721 mint"], target: "≤ 120000" },
      { operation: "register single, Other", gas: measured["register single other"], baseline: measured["plain ERC-721 mint"], target: "≤ 120000" },
      { operation: "register single, Core + custodian + soulbound", gas: measured["register single core custodian locked"], baseline: measured["plain ERC-721 mint"] },
      { operation: `register batch of ${BATCH}, Open, per item`, gas: measured["register batch per item open"], baseline: measured["plain ERC-721 mint"], target: "≤ 95000" },
      { operation: `register batch of ${BATCH}, Other, per item`, gas: measured["register batch per item other"], baseline: measured["plain ERC-721 mint"], target: "≤ 95000" },
      { operation: "transfer (new holder)", gas: measured["transfer"], baseline: measured["plain ERC-721 transfer"], target: "≤ 1.3× baseline" },
      { operation: "transfer Core data (new holder)", gas: measured["transfer core"], baseline: measured["plain ERC-721 transfer"], target: "≤ 1.3× baseline" },
      { operation: "grant licence", gas: measured["grant licence"] },
      { operation: "register new version", gas: measured["register version"] },
    ]);
  });

  it("plain OpenZeppelin ERC-721 mint and transfer (baseline)", async function () {
    const { plain, signers } = await loadFixture(gasFixture);
    const { agencyA, agencyB } = signers;
    await plain.mint(agencyA.address, 1n);
    await plain.mint(agencyA.address, 2n);
    record("plain ERC-721 mint", await gasOf(plain.mint(agencyA.address, 3n)));
    record("plain ERC-721 transfer", await gasOf(plain.connect(agencyA).transferFrom(agencyA.address, agencyB.address, 3n)));
  });

  it("register (single) to a holder that already holds one", async function () {
    const { dataAssets, signers } = await loadFixture(gasFixture);
    const { registrar, agencyA, agencyB } = signers;
    await dataAssets.connect(registrar).register(registration("first", agencyA.address));
    // Open data kept by its holder: the commonest case, whose record slot stays zero.
    const open = await gasOf(
      dataAssets.connect(registrar).register(registration("open", agencyA.address, { classification: Classification.Open })),
    );
    record("register single open", open);
    // Any other class (or a custodian, or soulbound) writes the record slot too.
    record("register single other", await gasOf(dataAssets.connect(registrar).register(registration("other", agencyA.address))));
    record(
      "register single core custodian locked",
      await gasOf(
        dataAssets.connect(registrar).register(
          registration("core", agencyA.address, { classification: Classification.Core, custodian: agencyB.address, transferable: false }),
        ),
      ),
    );
    expect(open).to.be.at.most(120_000);
  });

  it(`register (batch of ${BATCH}), per item`, async function () {
    const { dataAssets, signers } = await loadFixture(gasFixture);
    const { registrar, agencyA } = signers;
    await dataAssets.connect(registrar).register(registration("first", agencyA.address));
    const perItem = async (label: string, classification: number) => {
      const batch = Array.from({ length: BATCH }, (_, i) => registration(`${label}-${i}`, agencyA.address, { classification }));
      return Math.round((await gasOf(dataAssets.connect(registrar).registerBatch(batch))) / BATCH);
    };
    const open = await perItem("open-catalogue", Classification.Open);
    const other = await perItem("other-catalogue", Classification.Other);
    record("register batch per item open", open);
    record("register batch per item other", other);
    expect(open).to.be.at.most(95_000);
    expect(other).to.be.at.most(95_000);
  });

  it("transfer to a new holder, within 1.3× a plain ERC-721 transfer", async function () {
    const { dataAssets, plain, signers } = await loadFixture(gasFixture);
    const { registrar, agencyA, agencyB, businessA } = signers;
    await plain.mint(agencyA.address, 1n);
    await plain.mint(agencyA.address, 2n);
    const baseline = await gasOf(plain.connect(agencyA).transferFrom(agencyA.address, agencyB.address, 2n));

    const open = registration("open", agencyA.address, { classification: Classification.Open });
    const core = registration("core", agencyA.address, { classification: Classification.Core });
    await dataAssets.connect(registrar).registerBatch([registration("kept", agencyA.address), open, core]);
    const gas = await gasOf(dataAssets.connect(agencyA).transferFrom(agencyA.address, businessA.address, idOf(open.contentHash)));
    record("transfer", gas);
    record("transfer core", await gasOf(dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, idOf(core.contentHash))));
    expect(gas / baseline).to.be.at.most(1.3);
    expect(measured["transfer core"] / baseline).to.be.at.most(1.3);
  });

  it("grant licence", async function () {
    const { dataAssets, signers, orgs } = await loadFixture(gasFixture);
    const { registrar, agencyA } = signers;
    const r = registration("licensed", agencyA.address, { classification: Classification.Important });
    await dataAssets.connect(registrar).register(r);
    const expiresAt = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 24 * 3600;
    record(
      "grant licence",
      await gasOf(
        dataAssets
          .connect(registrar)
          .grantLicense(idOf(r.contentHash), orgs.businessA.id, expiresAt, ethers.id("terms"), "CC BY 4.0 with city terms v2"),
      ),
    );
  });

  it("register a new version", async function () {
    const { dataAssets, signers } = await loadFixture(gasFixture);
    const { registrar, agencyA } = signers;
    const v1 = registration("v1", agencyA.address);
    await dataAssets.connect(registrar).register(v1);
    record("register version", await gasOf(dataAssets.connect(registrar).registerVersion(idOf(v1.contentHash), registration("v2", agencyA.address))));
  });
});
