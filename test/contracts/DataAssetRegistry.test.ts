import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { orgId, systemFixture } from "./fixtures/system";
import { AssetStatus, Classification, contentHashOf, idOf, registration } from "./helpers/datasets";
import { DELAYS, orgStatus } from "../../scripts/lib/roles";

const TERMS = ethers.id("city data licence v2");
const TERMS_TEXT = "https://data.danang.gov.vn/licence/v2";
const YEAR = 365 * 24 * 3600;

async function fixture() {
  const system = await systemFixture();
  const { dataAssets, participants, signers, orgs } = system;
  const registry = dataAssets.connect(signers.registrar);
  // A second account of agency A, and one of agency B (used to show that access follows organisations).
  const all = await ethers.getSigners();
  const agencyA2 = all[13];
  const agencyB2 = all[14];
  await participants.connect(signers.governor).addAccount(orgs.agencyA.id, agencyA2.address);
  await participants.connect(signers.governor).addAccount(orgs.agencyB.id, agencyB2.address);
  return { ...system, registry, agencyA2, agencyB2 };
}

/** Three datasets held by agency A: Open, Other and Core. */
async function registeredFixture() {
  const base = await fixture();
  const { registry, signers } = base;
  const open = registration("open", signers.agencyA.address, { classification: Classification.Open });
  const other = registration("other", signers.agencyA.address, { classification: Classification.Other });
  const core = registration("core", signers.agencyA.address, { classification: Classification.Core });
  await registry.registerBatch([open, other, core]);
  return { ...base, ids: { open: idOf(open.contentHash), other: idOf(other.contentHash), core: idOf(core.contentHash) } };
}

describe("DataAssetRegistry", function () {
  describe("deployment", function () {
    it("is an ERC-721 named City Data Asset, managed by the city's AccessManager", async function () {
      const { dataAssets, accessManager, participants } = await loadFixture(fixture);
      expect(await dataAssets.name()).to.equal("City Data Asset");
      expect(await dataAssets.symbol()).to.equal("CDA");
      expect(await dataAssets.authority()).to.equal(await accessManager.getAddress());
      expect(await dataAssets.participants()).to.equal(await participants.getAddress());
      expect(await dataAssets.MAX_BATCH()).to.equal(200n);
      expect(await dataAssets.paused()).to.equal(false);
    });

    it("declares ERC-165, ERC-721, ERC-721 Metadata, ERC-4906 and ERC-5192", async function () {
      const { dataAssets } = await loadFixture(fixture);
      for (const id of ["0x01ffc9a7", "0x80ac58cd", "0x5b5e139f", "0x49064906", "0xb45a3c0e"]) {
        expect(await dataAssets.supportsInterface(id), id).to.equal(true);
      }
      expect(await dataAssets.supportsInterface("0xffffffff")).to.equal(false);
      expect(await dataAssets.supportsInterface("0xd9b67a26")).to.equal(false); // ERC-1155
    });
  });

  describe("#register", function () {
    it("mints the dataset to the holder with id = content hash and emits Transfer and DatasetRegistered", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("air-quality", signers.agencyA.address);
      const id = idOf(r.contentHash);
      expect(await registry.register.staticCall(r)).to.equal(id);
      await expect(registry.register(r))
        .to.emit(registry, "Transfer")
        .withArgs(ethers.ZeroAddress, signers.agencyA.address, id)
        .and.to.emit(registry, "DatasetRegistered")
        .withArgs(id, r.metadataHash, Classification.Other, true, ethers.ZeroAddress, r.title, r.uri)
        .and.not.to.emit(registry, "Locked");
      expect(await registry.ownerOf(id)).to.equal(signers.agencyA.address);
      expect(await registry.balanceOf(signers.agencyA.address)).to.equal(1n);
      expect(await registry.isRegistered(r.contentHash)).to.equal(true);
      expect(await registry.locked(id)).to.equal(false);
      const asset = await registry.assetOf(id);
      expect(asset.holder).to.equal(signers.agencyA.address);
      expect(asset.custodian).to.equal(ethers.ZeroAddress);
      expect(asset.classification).to.equal(Classification.Other);
      expect(asset.status).to.equal(AssetStatus.Active);
      expect(asset.transferable).to.equal(true);
      expect(asset.contentHash).to.equal(r.contentHash);
      expect(asset.parentId).to.equal(0n);
      // The metadata hash is in the DatasetRegistered event only (checked above), not in storage.
      expect(asset).not.to.have.property("metadataHash");
      expect(await registry.custodianOf(id)).to.equal(signers.agencyA.address);
    });

    it("stores the all-default record (Open, transferable, kept by the holder) correctly", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("open", signers.businessA.address, { classification: Classification.Open });
      await registry.register(r);
      const asset = await registry.assetOf(idOf(r.contentHash));
      expect(asset.classification).to.equal(Classification.Open);
      expect(asset.status).to.equal(AssetStatus.Active);
      expect(asset.transferable).to.equal(true);
      expect(asset.custodian).to.equal(ethers.ZeroAddress);
    });

    it("registers a soulbound dataset: emits Locked and reports locked", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("cadastre", signers.agencyA.address, { classification: Classification.Core, transferable: false });
      const id = idOf(r.contentHash);
      await expect(registry.register(r))
        .to.emit(registry, "Locked")
        .withArgs(id)
        .and.to.emit(registry, "DatasetRegistered")
        .withArgs(id, r.metadataHash, Classification.Core, false, ethers.ZeroAddress, r.title, r.uri);
      expect(await registry.locked(id)).to.equal(true);
      const asset = await registry.assetOf(id);
      expect(asset.transferable).to.equal(false);
      expect(asset.classification).to.equal(Classification.Core);
    });

    it("records a custodian other than the holder", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("traffic", signers.businessA.address, { custodian: signers.agencyB.address });
      const id = idOf(r.contentHash);
      await expect(registry.register(r))
        .to.emit(registry, "DatasetRegistered")
        .withArgs(id, r.metadataHash, Classification.Other, true, signers.agencyB.address, r.title, r.uri);
      expect((await registry.assetOf(id)).custodian).to.equal(signers.agencyB.address);
      expect(await registry.custodianOf(id)).to.equal(signers.agencyB.address);
    });

    it("registers Open and Other data to a Business, Important and Core only to a CityAgency", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const biz = signers.businessA.address;
      await registry.register(registration("o", biz, { classification: Classification.Open }));
      await registry.register(registration("x", biz, { classification: Classification.Other }));
      for (const classification of [Classification.Important, Classification.Core]) {
        await expect(registry.register(registration(`c${classification}`, biz, { classification })))
          .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationRestricted")
          .withArgs(classification, biz);
        await registry.register(registration(`c${classification}`, signers.agencyB.address, { classification }));
      }
    });

    it("refuses a content hash already registered, whoever holds it and whatever its metadata", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("budget", signers.agencyA.address);
      await registry.register(r);
      const again = registration("budget", signers.agencyB.address, { metadataHash: ethers.id("other metadata"), title: "Copy" });
      await expect(registry.register(again))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryDuplicateContent")
        .withArgs(r.contentHash);
      expect(await registry.ownerOf(idOf(r.contentHash))).to.equal(signers.agencyA.address);
      expect(await registry.balanceOf(signers.agencyB.address)).to.equal(0n);
    });

    it("refuses a zero content hash and a zero metadata hash", async function () {
      const { registry, signers } = await loadFixture(fixture);
      await expect(registry.register(registration("z", signers.agencyA.address, { contentHash: ethers.ZeroHash }))).to.be.revertedWithCustomError(
        registry,
        "DataAssetRegistryZeroContentHash",
      );
      await expect(registry.register(registration("z", signers.agencyA.address, { metadataHash: ethers.ZeroHash }))).to.be.revertedWithCustomError(
        registry,
        "DataAssetRegistryZeroMetadataHash",
      );
    });

    it("refuses a holder that is not an active participant", async function () {
      const { registry, participants, signers, orgs } = await loadFixture(fixture);
      for (const to of [signers.stranger.address, ethers.ZeroAddress]) {
        await expect(registry.register(registration("a", to)))
          .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
          .withArgs(to);
      }
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(registry.register(registration("a", signers.businessA.address)))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(signers.businessA.address);
      await participants.connect(signers.governor).revoke(orgs.businessB.id, "closed");
      await expect(registry.register(registration("a", signers.businessB.address)))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(signers.businessB.address);
      expect(await registry.isRegistered(contentHashOf("a"))).to.equal(false);
    });

    it("refuses a custodian that is inactive, or not a CityAgency for Important and Core data", async function () {
      const { registry, signers } = await loadFixture(fixture);
      await expect(registry.register(registration("a", signers.agencyA.address, { custodian: signers.stranger.address })))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(signers.stranger.address);
      await expect(
        registry.register(
          registration("a", signers.agencyA.address, { classification: Classification.Important, custodian: signers.businessA.address }),
        ),
      )
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationRestricted")
        .withArgs(Classification.Important, signers.businessA.address);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, signers } = await loadFixture(fixture);
      for (const caller of [signers.stranger, signers.admin, signers.agencyA, signers.governor]) {
        await expect(dataAssets.connect(caller).register(registration("a", signers.agencyA.address)))
          .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
    });

    it("refuses while paused", async function () {
      const { registry, dataAssets, signers } = await loadFixture(fixture);
      await dataAssets.connect(signers.guardian).pause();
      await expect(registry.register(registration("a", signers.agencyA.address))).to.be.revertedWithCustomError(
        registry,
        "EnforcedPause",
      );
    });
  });

  describe("#registerBatch", function () {
    it("registers every dataset in order and returns their ids", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const { agencyA, agencyB, businessA } = signers;
      // Holders alternate, so the cached holder check is exercised on every change.
      const batch = [
        registration("b0", agencyA.address),
        registration("b1", agencyA.address, { classification: Classification.Core }),
        registration("b2", businessA.address, { classification: Classification.Open }),
        registration("b3", agencyB.address, { classification: Classification.Important, transferable: false }),
        registration("b4", agencyA.address, { custodian: agencyB.address }),
      ];
      const ids = batch.map((r) => idOf(r.contentHash));
      expect(await registry.registerBatch.staticCall(batch)).to.deep.equal(ids);
      const tx = registry.registerBatch(batch);
      for (const [i, r] of batch.entries()) {
        await expect(tx).to.emit(registry, "Transfer").withArgs(ethers.ZeroAddress, r.to, ids[i]);
        await expect(tx)
          .to.emit(registry, "DatasetRegistered")
          .withArgs(ids[i], r.metadataHash, r.classification, r.transferable, r.custodian, r.title, r.uri);
      }
      await expect(tx).to.emit(registry, "Locked").withArgs(ids[3]);
      for (const [i, r] of batch.entries()) {
        const asset = await registry.assetOf(ids[i]);
        expect(asset.holder).to.equal(r.to);
        expect(asset.classification).to.equal(r.classification);
        expect(asset.transferable).to.equal(r.transferable);
        expect(asset.custodian).to.equal(r.custodian);
      }
      expect(await registry.balanceOf(agencyA.address)).to.equal(3n);
    });

    it("registers all or nothing: a duplicate within the batch reverts the whole batch", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("dup", signers.agencyA.address);
      const batch = [registration("ok", signers.agencyA.address), r, { ...r, title: "again" }];
      await expect(registry.registerBatch(batch))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryDuplicateContent")
        .withArgs(r.contentHash);
      expect(await registry.isRegistered(contentHashOf("ok"))).to.equal(false);
    });

    it("refuses a batch containing a dataset already registered", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const r = registration("old", signers.agencyA.address);
      await registry.register(r);
      await expect(registry.registerBatch([registration("new", signers.agencyA.address), r]))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryDuplicateContent")
        .withArgs(r.contentHash);
    });

    it("checks every holder, including after a change of holder", async function () {
      const { registry, signers } = await loadFixture(fixture);
      const { agencyA, businessA, stranger } = signers;
      await expect(
        registry.registerBatch([registration("a", agencyA.address), registration("b", stranger.address), registration("c", agencyA.address)]),
      )
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(stranger.address);
      await expect(
        registry.registerBatch([
          registration("a", businessA.address, { classification: Classification.Open }),
          registration("b", businessA.address, { classification: Classification.Core }),
        ]),
      )
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationRestricted")
        .withArgs(Classification.Core, businessA.address);
      // The first item's holder is checked too (no stale cache from a zero address).
      await expect(registry.registerBatch([registration("z", ethers.ZeroAddress)]))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(ethers.ZeroAddress);
      expect(await registry.isRegistered(contentHashOf("a"))).to.equal(false);
    });

    it("refuses an empty batch and one larger than MAX_BATCH", async function () {
      const { registry, signers } = await loadFixture(fixture);
      await expect(registry.registerBatch([])).to.be.revertedWithCustomError(registry, "DataAssetRegistryEmptyBatch");
      const tooMany = Array.from({ length: 201 }, (_, i) => registration(`big-${i}`, signers.agencyA.address));
      await expect(registry.registerBatch(tooMany))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryBatchTooLarge")
        .withArgs(201, 200);
    });

    it("refuses callers without the REGISTRAR role and refuses while paused", async function () {
      const { registry, dataAssets, signers } = await loadFixture(fixture);
      const batch = [registration("a", signers.agencyA.address)];
      await expect(dataAssets.connect(signers.stranger).registerBatch(batch))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.stranger.address);
      await dataAssets.connect(signers.guardian).pause();
      await expect(registry.registerBatch(batch)).to.be.revertedWithCustomError(registry, "EnforcedPause");
    });
  });

  describe("#registerVersion", function () {
    it("refuses a class lower than the parent's (attack: relabel Core data as Open to hand it to a business)", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      const lower = registration("core-v2", signers.businessA.address, { classification: Classification.Open });
      await expect(registry.registerVersion(ids.core, lower))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationLowered")
        .withArgs(ids.core, Classification.Core, Classification.Open);
      // One step below at the boundary is refused too; the same class is accepted.
      await expect(registry.registerVersion(ids.core, registration("core-v2b", signers.agencyA.address, { classification: Classification.Important })))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationLowered")
        .withArgs(ids.core, Classification.Core, Classification.Important);
      await expect(registry.registerVersion(ids.core, registration("core-v2c", signers.agencyA.address, { classification: Classification.Core }))).to.emit(
        registry,
        "DatasetVersioned",
      );
    });

    it("registers the new version linked to its parent and deprecates the parent", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      const v2 = registration("other-v2", signers.agencyA.address);
      const id = idOf(v2.contentHash);
      expect(await registry.registerVersion.staticCall(ids.other, v2)).to.equal(id);
      await expect(registry.registerVersion(ids.other, v2))
        .to.emit(registry, "DatasetRegistered")
        .withArgs(id, v2.metadataHash, v2.classification, true, ethers.ZeroAddress, v2.title, v2.uri)
        .and.to.emit(registry, "DatasetVersioned")
        .withArgs(id, ids.other)
        .and.to.emit(registry, "DatasetStatusChanged")
        .withArgs(ids.other, AssetStatus.Active, AssetStatus.Deprecated, "superseded")
        .and.to.emit(registry, "MetadataUpdate")
        .withArgs(ids.other);
      expect((await registry.assetOf(id)).parentId).to.equal(ids.other);
      expect((await registry.assetOf(id)).status).to.equal(AssetStatus.Active);
      expect((await registry.assetOf(ids.other)).status).to.equal(AssetStatus.Deprecated);
      // The parent keeps everything else.
      expect((await registry.assetOf(ids.other)).classification).to.equal(Classification.Other);
    });

    it("deprecates an all-default (Open) parent without disturbing its record", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      await registry.registerVersion(ids.open, registration("open-v2", signers.businessA.address, { classification: Classification.Open }));
      const parent = await registry.assetOf(ids.open);
      expect(parent.status).to.equal(AssetStatus.Deprecated);
      expect(parent.classification).to.equal(Classification.Open);
      expect(parent.transferable).to.equal(true);
      expect(parent.custodian).to.equal(ethers.ZeroAddress);
    });

    it("lets versions form a chain: only the latest can be versioned", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      const v2 = registration("core-v2", signers.agencyA.address, { classification: Classification.Core });
      await registry.registerVersion(ids.core, v2);
      await expect(registry.registerVersion(ids.core, registration("core-v2b", signers.agencyA.address)))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryParentNotActive")
        .withArgs(ids.core, AssetStatus.Deprecated);
      await registry.registerVersion(idOf(v2.contentHash), registration("core-v3", signers.agencyA.address, { classification: Classification.Core }));
    });

    it("refuses to version a revoked dataset", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      await registry.setStatus(ids.other, AssetStatus.Revoked, "unlawful collection");
      await expect(registry.registerVersion(ids.other, registration("v2", signers.agencyA.address)))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryParentNotActive")
        .withArgs(ids.other, AssetStatus.Revoked);
    });

    it("refuses a parent that does not exist", async function () {
      const { registry, signers } = await loadFixture(registeredFixture);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.registerVersion(missing, registration("v2", signers.agencyA.address)))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("refuses content already registered and leaves the parent Active", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      const same = registration("core", signers.agencyA.address);
      await expect(registry.registerVersion(ids.other, same))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryDuplicateContent")
        .withArgs(same.contentHash);
      expect((await registry.assetOf(ids.other)).status).to.equal(AssetStatus.Active);
    });

    it("applies the holder rules to the new version", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      await expect(registry.registerVersion(ids.other, registration("v2", signers.stranger.address)))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(signers.stranger.address);
      await expect(registry.registerVersion(ids.core, registration("v2", signers.businessA.address, { classification: Classification.Core })))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationRestricted")
        .withArgs(Classification.Core, signers.businessA.address);
    });

    it("refuses callers without the REGISTRAR role and refuses while paused", async function () {
      const { registry, dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const v2 = registration("v2", signers.agencyA.address);
      await expect(dataAssets.connect(signers.stranger).registerVersion(ids.other, v2))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.stranger.address);
      await dataAssets.connect(signers.guardian).pause();
      await expect(registry.registerVersion(ids.other, v2)).to.be.revertedWithCustomError(registry, "EnforcedPause");
    });
  });

  describe("#setStatus", function () {
    it("moves Active → Deprecated → Active → Revoked with a reason and an ERC-4906 MetadataUpdate", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      const steps: [number, number, string][] = [
        [AssetStatus.Active, AssetStatus.Deprecated, "outdated methodology"],
        [AssetStatus.Deprecated, AssetStatus.Active, "deprecated by mistake"],
        [AssetStatus.Active, AssetStatus.Revoked, "personal data found"],
      ];
      for (const [from, to, reason] of steps) {
        await expect(registry.setStatus(ids.open, to, reason))
          .to.emit(registry, "DatasetStatusChanged")
          .withArgs(ids.open, from, to, reason)
          .and.to.emit(registry, "MetadataUpdate")
          .withArgs(ids.open);
        expect((await registry.assetOf(ids.open)).status).to.equal(to);
      }
      expect((await registry.assetOf(ids.open)).classification).to.equal(Classification.Open);
    });

    it("revokes a Deprecated dataset", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      await registry.setStatus(ids.other, AssetStatus.Deprecated, "old");
      await expect(registry.setStatus(ids.other, AssetStatus.Revoked, "wrong"))
        .to.emit(registry, "DatasetStatusChanged")
        .withArgs(ids.other, AssetStatus.Deprecated, AssetStatus.Revoked, "wrong");
    });

    it("refuses the current status and any change of a Revoked dataset", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      await expect(registry.setStatus(ids.other, AssetStatus.Active, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInvalidStatusTransition")
        .withArgs(ids.other, AssetStatus.Active, AssetStatus.Active);
      await registry.setStatus(ids.other, AssetStatus.Revoked, "wrong");
      for (const to of [AssetStatus.Active, AssetStatus.Deprecated, AssetStatus.Revoked]) {
        await expect(registry.setStatus(ids.other, to, "x"))
          .to.be.revertedWithCustomError(registry, "DataAssetRegistryInvalidStatusTransition")
          .withArgs(ids.other, AssetStatus.Revoked, to);
      }
    });

    it("refuses a status outside the enum and a dataset that does not exist", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      await expect(registry.setStatus(ids.other, 3, "x")).to.be.reverted;
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.setStatus(missing, AssetStatus.Deprecated, "x"))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await expect(dataAssets.connect(signers.agencyA).setStatus(ids.other, AssetStatus.Deprecated, "x"))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.agencyA.address);
    });
  });

  describe("#updateMetadata", function () {
    it("replaces the metadata hash and emits DatasetMetadataChanged and MetadataUpdate", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      const meta = ethers.id("metadata v2");
      await expect(registry.updateMetadata(ids.core, meta, "Land parcels 2025", "https://data.danang.gov.vn/land"))
        .to.emit(registry, "DatasetMetadataChanged")
        .withArgs(ids.core, meta, "Land parcels 2025", "https://data.danang.gov.vn/land")
        .and.to.emit(registry, "MetadataUpdate")
        .withArgs(ids.core);
      expect((await registry.assetOf(ids.core)).contentHash).to.equal(ethers.toBeHex(ids.core, 32));
    });

    it("refuses a zero hash, a revoked dataset and a missing one", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      await expect(registry.updateMetadata(ids.core, ethers.ZeroHash, "t", "u")).to.be.revertedWithCustomError(
        registry,
        "DataAssetRegistryZeroMetadataHash",
      );
      await registry.setStatus(ids.core, AssetStatus.Revoked, "x");
      await expect(registry.updateMetadata(ids.core, ethers.id("m"), "t", "u"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryAssetRevoked")
        .withArgs(ids.core);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.updateMetadata(missing, ethers.id("m"), "t", "u"))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await expect(dataAssets.connect(signers.stranger).updateMetadata(ids.core, ethers.id("m"), "t", "u"))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.stranger.address);
    });
  });

  describe("#setCustodian", function () {
    it("moves custody to another agency and back to the holder", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB } = signers;
      await expect(registry.setCustodian(ids.core, agencyB.address))
        .to.emit(registry, "CustodianChanged")
        .withArgs(ids.core, ethers.ZeroAddress, agencyB.address)
        .and.to.emit(registry, "MetadataUpdate")
        .withArgs(ids.core);
      expect(await registry.custodianOf(ids.core)).to.equal(agencyB.address);
      const asset = await registry.assetOf(ids.core);
      expect(asset.custodian).to.equal(agencyB.address);
      expect(asset.classification).to.equal(Classification.Core);
      expect(asset.status).to.equal(AssetStatus.Active);
      await expect(registry.setCustodian(ids.core, ethers.ZeroAddress))
        .to.emit(registry, "CustodianChanged")
        .withArgs(ids.core, agencyB.address, ethers.ZeroAddress);
      expect(await registry.custodianOf(ids.core)).to.equal(agencyA.address);
    });

    it("lets a Business keep Open and Other data but not Important or Core data", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      await registry.setCustodian(ids.other, signers.businessA.address);
      await expect(registry.setCustodian(ids.core, signers.businessA.address))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryClassificationRestricted")
        .withArgs(Classification.Core, signers.businessA.address);
    });

    it("refuses an inactive custodian, the same custodian, a revoked dataset and a missing one", async function () {
      const { registry, participants, ids, signers, orgs } = await loadFixture(registeredFixture);
      await participants.connect(signers.governor).suspend(orgs.agencyB.id, "merger");
      await expect(registry.setCustodian(ids.other, signers.agencyB.address))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInactiveParticipant")
        .withArgs(signers.agencyB.address);
      await expect(registry.setCustodian(ids.other, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryCustodianUnchanged")
        .withArgs(ids.other, ethers.ZeroAddress);
      await registry.setStatus(ids.other, AssetStatus.Revoked, "x");
      await expect(registry.setCustodian(ids.other, signers.businessA.address))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryAssetRevoked")
        .withArgs(ids.other);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.setCustodian(missing, signers.businessA.address))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("stays with the dataset when the holder transfers it", async function () {
      const { registry, dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await registry.setCustodian(ids.other, signers.agencyB.address);
      await dataAssets.connect(signers.agencyA).transferFrom(signers.agencyA.address, signers.businessA.address, ids.other);
      expect(await registry.custodianOf(ids.other)).to.equal(signers.agencyB.address);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await expect(dataAssets.connect(signers.agencyA).setCustodian(ids.other, signers.agencyB.address))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.agencyA.address);
    });
  });

  describe("#setTransferable and #locked (ERC-5192)", function () {
    it("locks with Locked and unlocks with Unlocked", async function () {
      const { registry, dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await expect(registry.setTransferable(ids.open, false)).to.emit(registry, "Locked").withArgs(ids.open);
      expect(await registry.locked(ids.open)).to.equal(true);
      await expect(dataAssets.connect(signers.agencyA).transferFrom(signers.agencyA.address, signers.agencyB.address, ids.open))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryLockedAsset")
        .withArgs(ids.open);
      await expect(registry.setTransferable(ids.open, true)).to.emit(registry, "Unlocked").withArgs(ids.open);
      expect(await registry.locked(ids.open)).to.equal(false);
      await dataAssets.connect(signers.agencyA).transferFrom(signers.agencyA.address, signers.agencyB.address, ids.open);
      expect((await registry.assetOf(ids.open)).classification).to.equal(Classification.Open);
    });

    it("refuses an unchanged setting, a revoked dataset and a missing one", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      await expect(registry.setTransferable(ids.other, true))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryTransferabilityUnchanged")
        .withArgs(ids.other, true);
      await registry.setTransferable(ids.other, false);
      await expect(registry.setTransferable(ids.other, false))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryTransferabilityUnchanged")
        .withArgs(ids.other, false);
      await registry.setStatus(ids.other, AssetStatus.Revoked, "x");
      await expect(registry.setTransferable(ids.other, true))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryAssetRevoked")
        .withArgs(ids.other);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.setTransferable(missing, true))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
      await expect(registry.locked(missing)).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(missing);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await expect(dataAssets.connect(signers.agencyA).setTransferable(ids.other, false))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.agencyA.address);
    });
  });

  describe("#grantLicense", function () {
    it("grants a licence with expiry and terms, and a renewal replaces it", async function () {
      const { registry, ids, orgs } = await loadFixture(registeredFixture);
      const expiresAt = (await time.latest()) + YEAR;
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, expiresAt, TERMS, TERMS_TEXT))
        .to.emit(registry, "LicenseGranted")
        .withArgs(ids.core, orgs.businessA.id, expiresAt, TERMS, TERMS_TEXT);
      let license = await registry.licenseOf(ids.core, orgs.businessA.id);
      expect(license.termsHash).to.equal(TERMS);
      expect(license.expiresAt).to.equal(expiresAt);
      const terms2 = ethers.id("terms v3");
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, 0, terms2, "perpetual"))
        .to.emit(registry, "LicenseGranted")
        .withArgs(ids.core, orgs.businessA.id, 0, terms2, "perpetual");
      license = await registry.licenseOf(ids.core, orgs.businessA.id);
      expect(license.termsHash).to.equal(terms2);
      expect(license.expiresAt).to.equal(0n);
    });

    it("refuses zero terms and an expiry that is not in the future", async function () {
      const { registry, ids, orgs } = await loadFixture(registeredFixture);
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, 0, ethers.ZeroHash, "x")).to.be.revertedWithCustomError(
        registry,
        "DataAssetRegistryZeroTermsHash",
      );
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 10);
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, now + 10, TERMS, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryLicenseExpiryPassed")
        .withArgs(now + 10);
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, 1, TERMS, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryLicenseExpiryPassed")
        .withArgs(1);
    });

    it("refuses an organisation that is unknown or not Active", async function () {
      const { registry, participants, ids, orgs, signers } = await loadFixture(registeredFixture);
      const unknown = orgId("NOBODY");
      await expect(registry.grantLicense(ids.core, unknown, 0, TERMS, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryOrganizationNotActive")
        .withArgs(unknown, orgStatus("None"));
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, 0, TERMS, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryOrganizationNotActive")
        .withArgs(orgs.businessA.id, orgStatus("Suspended"));
    });

    it("refuses a revoked dataset and a missing one", async function () {
      const { registry, ids, orgs } = await loadFixture(registeredFixture);
      await registry.setStatus(ids.core, AssetStatus.Revoked, "x");
      await expect(registry.grantLicense(ids.core, orgs.businessA.id, 0, TERMS, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryAssetRevoked")
        .withArgs(ids.core);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.grantLicense(missing, orgs.businessA.id, 0, TERMS, "x"))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, ids, orgs, signers } = await loadFixture(registeredFixture);
      await expect(dataAssets.connect(signers.agencyA).grantLicense(ids.core, orgs.businessA.id, 0, TERMS, "x"))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.agencyA.address);
    });
  });

  describe("#revokeLicense", function () {
    it("removes the licence and emits LicenseRevoked", async function () {
      const { registry, ids, orgs, signers } = await loadFixture(registeredFixture);
      await registry.grantLicense(ids.core, orgs.businessA.id, 0, TERMS, TERMS_TEXT);
      expect(await registry.hasAccess(ids.core, signers.businessA.address)).to.equal(true);
      await expect(registry.revokeLicense(ids.core, orgs.businessA.id, "breach of terms"))
        .to.emit(registry, "LicenseRevoked")
        .withArgs(ids.core, orgs.businessA.id, "breach of terms");
      const license = await registry.licenseOf(ids.core, orgs.businessA.id);
      expect(license.termsHash).to.equal(ethers.ZeroHash);
      expect(license.expiresAt).to.equal(0n);
      expect(await registry.hasAccess(ids.core, signers.businessA.address)).to.equal(false);
    });

    it("works on a revoked dataset", async function () {
      const { registry, ids, orgs } = await loadFixture(registeredFixture);
      await registry.grantLicense(ids.core, orgs.businessA.id, 0, TERMS, TERMS_TEXT);
      await registry.setStatus(ids.core, AssetStatus.Revoked, "x");
      await expect(registry.revokeLicense(ids.core, orgs.businessA.id, "cleanup")).to.emit(registry, "LicenseRevoked");
    });

    it("refuses when the organisation holds no licence", async function () {
      const { registry, ids, orgs } = await loadFixture(registeredFixture);
      await expect(registry.revokeLicense(ids.core, orgs.businessA.id, "x"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryNoLicense")
        .withArgs(ids.core, orgs.businessA.id);
      await registry.grantLicense(ids.core, orgs.businessA.id, 0, TERMS, TERMS_TEXT);
      await registry.revokeLicense(ids.core, orgs.businessA.id, "x");
      await expect(registry.revokeLicense(ids.core, orgs.businessA.id, "again"))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryNoLicense")
        .withArgs(ids.core, orgs.businessA.id);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { registry, dataAssets, ids, orgs, signers } = await loadFixture(registeredFixture);
      await registry.grantLicense(ids.core, orgs.businessA.id, 0, TERMS, TERMS_TEXT);
      await expect(dataAssets.connect(signers.businessA).revokeLicense(ids.core, orgs.businessA.id, "x"))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.businessA.address);
    });
  });

  describe("#hasAccess", function () {
    it("opens Open data to everyone, participant or not", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      for (const account of [signers.stranger.address, signers.businessA.address, ethers.ZeroAddress]) {
        expect(await registry.hasAccess(ids.open, account)).to.equal(true);
      }
    });

    it("gives the holder's and the custodian's organisations access to non-open data", async function () {
      const { registry, ids, signers, agencyA2, agencyB2 } = await loadFixture(registeredFixture);
      expect(await registry.hasAccess(ids.core, signers.agencyA.address)).to.equal(true);
      expect(await registry.hasAccess(ids.core, agencyA2.address)).to.equal(true);
      expect(await registry.hasAccess(ids.core, signers.agencyB.address)).to.equal(false);
      expect(await registry.hasAccess(ids.core, signers.stranger.address)).to.equal(false);
      expect(await registry.hasAccess(ids.core, ethers.ZeroAddress)).to.equal(false);
      await registry.setCustodian(ids.core, signers.agencyB.address);
      expect(await registry.hasAccess(ids.core, signers.agencyB.address)).to.equal(true);
      expect(await registry.hasAccess(ids.core, agencyB2.address)).to.equal(true);
    });

    it("gives every active account of a licensed organisation access until the licence expires", async function () {
      const { registry, participants, ids, orgs, signers } = await loadFixture(registeredFixture);
      const extra = (await ethers.getSigners())[15];
      await participants.connect(signers.governor).addAccount(orgs.businessA.id, extra.address);
      expect(await registry.hasAccess(ids.other, signers.businessA.address)).to.equal(false);
      const expiresAt = (await time.latest()) + 1000;
      await registry.grantLicense(ids.other, orgs.businessA.id, expiresAt, TERMS, TERMS_TEXT);
      expect(await registry.hasAccess(ids.other, signers.businessA.address)).to.equal(true);
      expect(await registry.hasAccess(ids.other, extra.address)).to.equal(true);
      expect(await registry.hasAccess(ids.other, signers.businessB.address)).to.equal(false);
      await time.increaseTo(expiresAt);
      expect(await registry.hasAccess(ids.other, signers.businessA.address)).to.equal(true);
      await time.increase(1);
      expect(await registry.hasAccess(ids.other, signers.businessA.address)).to.equal(false);
    });

    it("denies a licensee whose organisation is suspended or whose admission expired", async function () {
      const { registry, participants, ids, orgs, signers } = await loadFixture(registeredFixture);
      await registry.grantLicense(ids.other, orgs.businessA.id, 0, TERMS, TERMS_TEXT);
      await registry.grantLicense(ids.other, orgs.businessB.id, 0, TERMS, TERMS_TEXT);
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      expect(await registry.hasAccess(ids.other, signers.businessA.address)).to.equal(false);
      const validUntil = (await time.latest()) + 100;
      await participants.connect(signers.governor).updateOrganization(orgs.businessB.id, validUntil, ethers.ZeroHash);
      expect(await registry.hasAccess(ids.other, signers.businessB.address)).to.equal(true);
      await time.increaseTo(validUntil + 1);
      expect(await registry.hasAccess(ids.other, signers.businessB.address)).to.equal(false);
    });

    it("denies the holder and the custodian of non-Open data while their organisations are inactive", async function () {
      const { registry, participants, ids, orgs, signers } = await loadFixture(registeredFixture);
      await registry.setCustodian(ids.other, signers.agencyB.address);
      expect(await registry.hasAccess(ids.other, signers.agencyA.address)).to.equal(true);
      await participants.connect(signers.governor).suspend(orgs.agencyA.id, "audit");
      await participants.connect(signers.governor).revoke(orgs.agencyB.id, "dissolved");
      expect(await registry.hasAccess(ids.other, signers.agencyA.address)).to.equal(false);
      expect(await registry.hasAccess(ids.other, signers.agencyB.address)).to.equal(false);
      // Open data stays public.
      expect(await registry.hasAccess(ids.open, signers.agencyA.address)).to.equal(true);
    });

    it("closes a revoked dataset to everyone, its holder and custodian included", async function () {
      const { registry, ids, orgs, signers, agencyA2 } = await loadFixture(registeredFixture);
      await registry.grantLicense(ids.other, orgs.businessA.id, 0, TERMS, TERMS_TEXT);
      await registry.setCustodian(ids.other, signers.agencyB.address);
      await registry.setStatus(ids.other, AssetStatus.Revoked, "unlawful");
      await registry.setStatus(ids.open, AssetStatus.Revoked, "unlawful");
      expect(await registry.hasAccess(ids.other, signers.agencyA.address)).to.equal(false);
      expect(await registry.hasAccess(ids.other, signers.agencyB.address)).to.equal(false);
      expect(await registry.hasAccess(ids.other, agencyA2.address)).to.equal(false);
      expect(await registry.hasAccess(ids.other, signers.businessA.address)).to.equal(false);
      expect(await registry.hasAccess(ids.open, signers.stranger.address)).to.equal(false);
      expect(await registry.hasAccess(ids.open, signers.agencyA.address)).to.equal(false);
    });

    it("keeps deprecated versions accessible", async function () {
      const { registry, ids, signers } = await loadFixture(registeredFixture);
      await registry.setStatus(ids.open, AssetStatus.Deprecated, "superseded");
      expect(await registry.hasAccess(ids.open, signers.stranger.address)).to.equal(true);
    });

    it("refuses a dataset that does not exist", async function () {
      const { registry, signers } = await loadFixture(registeredFixture);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.hasAccess(missing, signers.agencyA.address))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });
  });

  describe("#recordValuation", function () {
    it("emits the appraisal as a ValuationRecorded event", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      const date = await time.latest();
      const amount = 1_250_000_000_000_000_000_000_000n; // far above 2^64: amounts are uint256
      const report = ethers.id("appraisal report 2025-17");
      await expect(registry.recordValuation(ids.core, amount, date, "income approach", "Da Nang Valuation JSC", report))
        .to.emit(registry, "ValuationRecorded")
        .withArgs(ids.core, amount, date, "income approach", "Da Nang Valuation JSC", report);
    });

    it("refuses a zero amount and a valuation date that is zero or in the future", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      const now = await time.latest();
      await expect(registry.recordValuation(ids.core, 0, now, "cost", "x", ethers.ZeroHash)).to.be.revertedWithCustomError(
        registry,
        "DataAssetRegistryZeroValuation",
      );
      await expect(registry.recordValuation(ids.core, 1, 0, "cost", "x", ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInvalidValuationDate")
        .withArgs(0);
      await expect(registry.recordValuation(ids.core, 1, now + 3600, "cost", "x", ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryInvalidValuationDate")
        .withArgs(now + 3600);
    });

    it("refuses a revoked dataset and a missing one", async function () {
      const { registry, ids } = await loadFixture(registeredFixture);
      const now = await time.latest();
      await registry.setStatus(ids.core, AssetStatus.Revoked, "x");
      await expect(registry.recordValuation(ids.core, 1, now, "cost", "x", ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "DataAssetRegistryAssetRevoked")
        .withArgs(ids.core);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.recordValuation(missing, 1, now, "cost", "x", ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("refuses callers without the REGISTRAR role", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await expect(dataAssets.connect(signers.agencyA).recordValuation(ids.core, 1, await time.latest(), "cost", "x", ethers.ZeroHash))
        .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
        .withArgs(signers.agencyA.address);
    });
  });

  describe("#transferFrom / #safeTransferFrom", function () {
    it("moves a dataset between active participants", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, businessA } = signers;
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, businessA.address, ids.other))
        .to.emit(dataAssets, "Transfer")
        .withArgs(agencyA.address, businessA.address, ids.other);
      expect(await dataAssets.ownerOf(ids.other)).to.equal(businessA.address);
      await dataAssets
        .connect(businessA)
        ["safeTransferFrom(address,address,uint256)"](businessA.address, signers.businessB.address, ids.other);
      expect(await dataAssets.ownerOf(ids.other)).to.equal(signers.businessB.address);
    });

    it("lets an approved operator move it, and tells an unapproved caller so before anything else", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB, stranger } = signers;
      await expect(dataAssets.connect(stranger).transferFrom(agencyA.address, agencyB.address, ids.core))
        .to.be.revertedWithCustomError(dataAssets, "ERC721InsufficientApproval")
        .withArgs(stranger.address, ids.core);
      await dataAssets.connect(agencyA).approve(stranger.address, ids.core);
      await dataAssets.connect(stranger).transferFrom(agencyA.address, agencyB.address, ids.core);
      expect(await dataAssets.ownerOf(ids.core)).to.equal(agencyB.address);
      expect(await dataAssets.getApproved(ids.core)).to.equal(ethers.ZeroAddress);
    });

    it("keeps Important and Core data with CityAgency holders", async function () {
      const { registry, dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB, businessA } = signers;
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, businessA.address, ids.core))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryClassificationRestricted")
        .withArgs(Classification.Core, businessA.address);
      const important = registration("important", agencyA.address, { classification: Classification.Important });
      await registry.register(important);
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, businessA.address, idOf(important.contentHash)))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryClassificationRestricted")
        .withArgs(Classification.Important, businessA.address);
      await dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.core);
      expect(await dataAssets.ownerOf(ids.core)).to.equal(agencyB.address);
    });

    it("refuses a suspended, revoked, expired or unknown sender or receiver", async function () {
      const { participants, dataAssets, ids, orgs, signers } = await loadFixture(registeredFixture);
      const { agencyA, businessA, businessB, governor, stranger } = signers;
      const send = (from: typeof agencyA, to: string) => dataAssets.connect(from).transferFrom(from.address, to, ids.other);
      await expect(send(agencyA, stranger.address))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryInactiveParticipant")
        .withArgs(stranger.address);

      await participants.connect(governor).suspend(orgs.businessA.id, "audit");
      await expect(send(agencyA, businessA.address))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryInactiveParticipant")
        .withArgs(businessA.address);
      await participants.connect(governor).reinstate(orgs.businessA.id, "ok");
      await send(agencyA, businessA.address);

      // The holder itself suspended: it can neither send...
      await participants.connect(governor).suspend(orgs.businessA.id, "audit");
      await expect(send(businessA, businessB.address))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryInactiveParticipant")
        .withArgs(businessA.address);
      await participants.connect(governor).revoke(orgs.businessA.id, "closed");
      await expect(send(businessA, businessB.address))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryInactiveParticipant")
        .withArgs(businessA.address);

      // ...and an expired admission counts as inactive.
      const validUntil = (await time.latest()) + 100;
      await participants.connect(governor).updateOrganization(orgs.businessB.id, validUntil, ethers.ZeroHash);
      await time.increaseTo(validUntil + 1);
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, businessB.address, ids.open))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryInactiveParticipant")
        .withArgs(businessB.address);
    });

    it("refuses a revoked dataset but moves a deprecated one", async function () {
      const { registry, dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB } = signers;
      await registry.setStatus(ids.other, AssetStatus.Deprecated, "old");
      await dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.other);
      await registry.setStatus(ids.open, AssetStatus.Revoked, "unlawful");
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.open))
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryAssetRevoked")
        .withArgs(ids.open);
    });

    it("refuses a soulbound dataset", async function () {
      const { registry, dataAssets, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB } = signers;
      const r = registration("soulbound", agencyA.address, { transferable: false });
      await registry.register(r);
      await expect(
        dataAssets.connect(agencyA)["safeTransferFrom(address,address,uint256)"](agencyA.address, agencyB.address, idOf(r.contentHash)),
      )
        .to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryLockedAsset")
        .withArgs(idOf(r.contentHash));
    });

    it("keeps the ERC-721 errors: wrong owner, zero receiver, missing token", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB } = signers;
      await expect(dataAssets.connect(agencyA).transferFrom(agencyB.address, agencyA.address, ids.other))
        .to.be.revertedWithCustomError(dataAssets, "ERC721IncorrectOwner")
        .withArgs(agencyB.address, ids.other, agencyA.address);
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, ethers.ZeroAddress, ids.other))
        .to.be.revertedWithCustomError(dataAssets, "ERC721InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
      const missing = idOf(contentHashOf("missing"));
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, missing))
        .to.be.revertedWithCustomError(dataAssets, "ERC721NonexistentToken")
        .withArgs(missing);
    });

    it("refuses while paused and resumes after unpause", async function () {
      const { dataAssets, ids, signers } = await loadFixture(registeredFixture);
      const { agencyA, agencyB, guardian } = signers;
      await dataAssets.connect(guardian).pause();
      await expect(dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.other)).to.be.revertedWithCustomError(
        dataAssets,
        "EnforcedPause",
      );
      await dataAssets.connect(guardian).unpause();
      await dataAssets.connect(agencyA).transferFrom(agencyA.address, agencyB.address, ids.other);
    });
  });

  describe("#recover", function () {
    async function recoveryFixture() {
      const base = await registeredFixture();
      const { accessManager, dataAssets, signers } = base;
      const target = await dataAssets.getAddress();
      const manager = accessManager.connect(signers.recovery);
      const calldata = (id: bigint, to: string, reason: string) => dataAssets.interface.encodeFunctionData("recover", [id, to, reason]);
      /** The production path: schedule through the AccessManager, wait out the delay, execute. */
      const scheduleAndWait = async (data: string) => {
        await manager.schedule(target, data, 0);
        await time.increase(DELAYS.RECOVERY_EXECUTION);
        return data;
      };
      return { ...base, target, manager, calldata, scheduleAndWait };
    }

    it("moves a dataset after schedule → wait → execute, bypassing lock, pause and the old holder's status", async function () {
      const { registry, dataAssets, participants, manager, target, calldata, signers, orgs, ids } = await loadFixture(recoveryFixture);
      const { agencyA, agencyB, governor, guardian, stranger } = signers;
      await dataAssets.connect(agencyA).approve(stranger.address, ids.core);
      await registry.setTransferable(ids.core, false);
      await participants.connect(governor).revoke(orgs.agencyA.id, "agency dissolved");
      await dataAssets.connect(guardian).pause();

      const data = calldata(ids.core, agencyB.address, "agency A dissolved, decision 12/QD");
      await manager.schedule(target, data, 0);
      const opId = await manager.hashOperation(signers.recovery.address, target, data);
      await expect(manager.execute(target, data)).to.be.revertedWithCustomError(manager, "AccessManagerNotReady").withArgs(opId);
      await time.increase(DELAYS.RECOVERY_EXECUTION);
      await expect(manager.execute(target, data))
        .to.emit(dataAssets, "DatasetRecovered")
        .withArgs(ids.core, agencyA.address, agencyB.address, "agency A dissolved, decision 12/QD")
        .and.to.emit(dataAssets, "Transfer")
        .withArgs(agencyA.address, agencyB.address, ids.core);
      expect(await dataAssets.ownerOf(ids.core)).to.equal(agencyB.address);
      expect(await dataAssets.getApproved(ids.core)).to.equal(ethers.ZeroAddress);
      // Executed once: the same operation cannot run again.
      await expect(manager.execute(target, data)).to.be.revertedWithCustomError(manager, "AccessManagerNotScheduled").withArgs(opId);
    });

    it("can also be called directly once the scheduled operation is due", async function () {
      const { dataAssets, calldata, scheduleAndWait, signers, ids } = await loadFixture(recoveryFixture);
      await scheduleAndWait(calldata(ids.other, signers.businessA.address, "key lost"));
      await expect(dataAssets.connect(signers.recovery).recover(ids.other, signers.businessA.address, "key lost"))
        .to.emit(dataAssets, "DatasetRecovered")
        .withArgs(ids.other, signers.agencyA.address, signers.businessA.address, "key lost");
    });

    it("refuses an unscheduled call, even from the recovery role", async function () {
      const { dataAssets, accessManager, target, calldata, signers, ids } = await loadFixture(recoveryFixture);
      const data = calldata(ids.other, signers.agencyB.address, "x");
      const opId = await accessManager.hashOperation(signers.recovery.address, target, data);
      await expect(dataAssets.connect(signers.recovery).recover(ids.other, signers.agencyB.address, "x"))
        .to.be.revertedWithCustomError(accessManager, "AccessManagerNotScheduled")
        .withArgs(opId);
    });

    it("refuses callers without the RECOVERY role, and lets none of them schedule it", async function () {
      const { dataAssets, accessManager, target, calldata, signers, ids } = await loadFixture(recoveryFixture);
      for (const caller of [signers.stranger, signers.registrar, signers.admin, signers.agencyA]) {
        await expect(dataAssets.connect(caller).recover(ids.other, signers.agencyB.address, "x"))
          .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
          .withArgs(caller.address);
        await expect(accessManager.connect(caller).schedule(target, calldata(ids.other, signers.agencyB.address, "x"), 0))
          .to.be.revertedWithCustomError(accessManager, "AccessManagerUnauthorizedCall")
          .withArgs(caller.address, target, dataAssets.interface.getFunction("recover")!.selector);
      }
    });

    it("refuses a revoked dataset: revocation is final", async function () {
      const { registry, dataAssets, manager, target, calldata, scheduleAndWait, signers, ids } = await loadFixture(recoveryFixture);
      await registry.setStatus(ids.other, AssetStatus.Revoked, "withdrawn");
      const data = await scheduleAndWait(calldata(ids.other, signers.agencyB.address, "x"));
      await expect(manager.execute(target, data)).to.be.revertedWithCustomError(dataAssets, "DataAssetRegistryAssetRevoked").withArgs(ids.other);
      expect(await dataAssets.ownerOf(ids.other)).to.equal(signers.agencyA.address);
    });

    it("applies the receiver rules and refuses the current holder and a missing dataset", async function () {
      const { dataAssets, manager, target, calldata, scheduleAndWait, signers, ids } = await loadFixture(recoveryFixture);
      const cases: [bigint, string, string, unknown[]][] = [
        [ids.other, signers.stranger.address, "DataAssetRegistryInactiveParticipant", [signers.stranger.address]],
        [ids.core, signers.businessA.address, "DataAssetRegistryClassificationRestricted", [Classification.Core, signers.businessA.address]],
        [ids.other, signers.agencyA.address, "DataAssetRegistrySameHolder", [ids.other, signers.agencyA.address]],
        [idOf(contentHashOf("missing")), signers.agencyB.address, "ERC721NonexistentToken", [idOf(contentHashOf("missing"))]],
      ];
      for (const [id, to, error, args] of cases) {
        const data = await scheduleAndWait(calldata(id, to, "x"));
        await expect(manager.execute(target, data))
          .to.be.revertedWithCustomError(dataAssets, error)
          .withArgs(...args);
      }
    });
  });

  describe("#pause / #unpause", function () {
    it("are the guardian's, with Paused and Unpaused events", async function () {
      const { dataAssets, signers } = await loadFixture(fixture);
      await expect(dataAssets.connect(signers.guardian).pause()).to.emit(dataAssets, "Paused").withArgs(signers.guardian.address);
      expect(await dataAssets.paused()).to.equal(true);
      await expect(dataAssets.connect(signers.guardian).pause()).to.be.revertedWithCustomError(dataAssets, "EnforcedPause");
      await expect(dataAssets.connect(signers.guardian).unpause()).to.emit(dataAssets, "Unpaused").withArgs(signers.guardian.address);
      await expect(dataAssets.connect(signers.guardian).unpause()).to.be.revertedWithCustomError(dataAssets, "ExpectedPause");
    });

    it("refuse callers without the GUARDIAN role", async function () {
      const { dataAssets, signers } = await loadFixture(fixture);
      for (const caller of [signers.stranger, signers.registrar, signers.admin]) {
        await expect(dataAssets.connect(caller).pause()).to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized").withArgs(caller.address);
        await expect(dataAssets.connect(caller).unpause()).to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized").withArgs(caller.address);
      }
    });

    it("leave the data office's administration running", async function () {
      const { registry, dataAssets, ids, signers } = await loadFixture(registeredFixture);
      await dataAssets.connect(signers.guardian).pause();
      await registry.setStatus(ids.other, AssetStatus.Deprecated, "old");
      await registry.setCustodian(ids.other, signers.agencyB.address);
    });
  });

  describe("#setBaseURI / #tokenURI", function () {
    it("builds token URIs from the base and the content hash, with ERC-4906 BatchMetadataUpdate", async function () {
      const { registry, dataAssets, signers, ids } = await loadFixture(registeredFixture);
      expect(await registry.tokenURI(ids.other)).to.equal("");
      const base = "https://ledger.danang.gov.vn/metadata/datasets/";
      await expect(dataAssets.connect(signers.admin).setBaseURI(base))
        .to.emit(registry, "BaseURIChanged")
        .withArgs(base)
        .and.to.emit(registry, "BatchMetadataUpdate")
        .withArgs(0, ethers.MaxUint256);
      // 0x, 64 lowercase hex digits (leading zeros kept), .json: the form of GET /metadata/datasets/{id}.json.
      expect(await registry.tokenURI(ids.other)).to.equal(base + ethers.toBeHex(ids.other, 32) + ".json");
      expect(ethers.toBeHex(ids.other, 32)).to.match(/^0x[0-9a-f]{64}$/);
      const missing = idOf(contentHashOf("missing"));
      await expect(registry.tokenURI(missing)).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(missing);
    });

    it("is governance: refused to anyone but ADMIN, the registrar included", async function () {
      const { dataAssets, signers } = await loadFixture(fixture);
      for (const caller of [signers.registrar, signers.stranger]) {
        await expect(dataAssets.connect(caller).setBaseURI("x"))
          .to.be.revertedWithCustomError(dataAssets, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
    });
  });

  describe("#assetOf, #custodianOf, #isRegistered", function () {
    it("refuse or answer false for a dataset that does not exist", async function () {
      const { registry } = await loadFixture(registeredFixture);
      const hash = contentHashOf("missing");
      expect(await registry.isRegistered(hash)).to.equal(false);
      await expect(registry.assetOf(idOf(hash))).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(idOf(hash));
      await expect(registry.custodianOf(idOf(hash))).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(idOf(hash));
    });
  });
});
