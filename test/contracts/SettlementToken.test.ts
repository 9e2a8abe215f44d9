import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { carbonFixture } from "./fixtures/carbon";
import { systemFixture } from "./fixtures/system";
import { expectStrangerRefused, expectWiredRoles } from "./helpers/restricted";

describe("SettlementToken", function () {
  describe("deployment", function () {
    it("is VND with 0 decimals, wired to the participant registry and the permission table", async function () {
      const { settlement, participants, accessManager } = await loadFixture(systemFixture);
      expect(await settlement.symbol()).to.equal("VND");
      expect(await settlement.decimals()).to.equal(0n);
      expect(await settlement.totalSupply()).to.equal(0n);
      expect(await settlement.participants()).to.equal(await participants.getAddress());
      await expectWiredRoles(accessManager, settlement, "SettlementToken");
    });

    it("refuses a stranger every restricted function", async function () {
      const { settlement, signers } = await loadFixture(systemFixture);
      await expectStrangerRefused(settlement, "SettlementToken", signers.stranger);
    });
  });

  describe("#mint", function () {
    it("mints to an active participant with the deposit reference", async function () {
      const { settlement, signers } = await loadFixture(systemFixture);
      const to = signers.businessA.address;
      await expect(settlement.connect(signers.treasury).mint(to, 5_000_000n, ethers.id("DEP-001")))
        .to.emit(settlement, "Minted")
        .withArgs(to, 5_000_000n, ethers.id("DEP-001"))
        .and.to.emit(settlement, "Transfer")
        .withArgs(ethers.ZeroAddress, to, 5_000_000n);
      expect(await settlement.balanceOf(to)).to.equal(5_000_000n);
      expect(await settlement.totalSupply()).to.equal(5_000_000n);
    });

    it("refuses zero, and receivers that are suspended or not participants", async function () {
      const { settlement, participants, signers, orgs } = await loadFixture(systemFixture);
      const treasury = settlement.connect(signers.treasury);
      await expect(treasury.mint(signers.businessA.address, 0n, ethers.ZeroHash)).to.be.revertedWithCustomError(settlement, "SettlementTokenZeroAmount");
      await expect(treasury.mint(signers.stranger.address, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(signers.stranger.address);
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(treasury.mint(signers.businessA.address, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(signers.businessA.address);
    });

    it("is refused while paused and to anyone without the TREASURY role", async function () {
      const { settlement, signers } = await loadFixture(systemFixture);
      await expect(settlement.connect(signers.issuer).mint(signers.businessA.address, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "AccessManagedUnauthorized")
        .withArgs(signers.issuer.address);
      await settlement.connect(signers.guardian).pause();
      await expect(settlement.connect(signers.treasury).mint(signers.businessA.address, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "EnforcedPause");
    });
  });

  describe("#burn", function () {
    it("burns VND the holder handed in to the treasury, with the withdrawal reference", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      const treasury = signers.treasury.address;
      await settlement.connect(signers.businessB).transfer(treasury, 40_000_000n);
      await expect(settlement.connect(signers.treasury).burn(treasury, 40_000_000n, ethers.id("WD-7")))
        .to.emit(settlement, "Burned")
        .withArgs(treasury, 40_000_000n, ethers.id("WD-7"))
        .and.to.emit(settlement, "Transfer")
        .withArgs(treasury, ethers.ZeroAddress, 40_000_000n);
      expect(await settlement.balanceOf(treasury)).to.equal(0n);
      expect(await settlement.balanceOf(signers.businessB.address)).to.equal(60_000_000n);
      expect(await settlement.totalSupply()).to.equal(60_000_000n);
    });

    it("refuses to burn a holder's balance that was not handed in, even a suspended holder's", async function () {
      const { settlement, participants, signers, orgs } = await loadFixture(carbonFixture);
      const from = signers.businessB.address;
      await expect(settlement.connect(signers.treasury).burn(from, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenBurnNotHandedIn")
        .withArgs(from);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "closing account");
      await expect(settlement.connect(signers.treasury).burn(from, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenBurnNotHandedIn")
        .withArgs(from);
      expect(await settlement.balanceOf(from)).to.equal(100_000_000n);
    });

    it("refuses zero and more than the treasury holds", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      const treasury = settlement.connect(signers.treasury);
      const own = signers.treasury.address;
      await settlement.connect(signers.businessB).transfer(own, 10n);
      await expect(treasury.burn(own, 0n, ethers.ZeroHash)).to.be.revertedWithCustomError(settlement, "SettlementTokenZeroAmount");
      await expect(treasury.burn(own, 11n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "ERC20InsufficientBalance")
        .withArgs(own, 10n, 11n);
      await expect(treasury.burn(own, 10n, ethers.ZeroHash)).to.emit(settlement, "Burned").withArgs(own, 10n, ethers.ZeroHash);
    });

    it("is refused to anyone without the TREASURY role", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      await expect(settlement.connect(signers.businessB).burn(signers.businessB.address, 1n, ethers.ZeroHash))
        .to.be.revertedWithCustomError(settlement, "AccessManagedUnauthorized")
        .withArgs(signers.businessB.address);
    });
  });

  describe("#transfer / #transferFrom", function () {
    it("moves VND between active participants, directly and with an allowance", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      const { businessB: b, businessA: a, agencyA: spender } = signers;
      await expect(settlement.connect(b).transfer(a.address, 1_000n)).to.emit(settlement, "Transfer").withArgs(b.address, a.address, 1_000n);
      await settlement.connect(b).approve(spender.address, 500n);
      await expect(settlement.connect(spender).transferFrom(b.address, a.address, 500n)).to.emit(settlement, "Transfer").withArgs(b.address, a.address, 500n);
      expect(await settlement.balanceOf(a.address)).to.equal(1_500n);
      await expect(settlement.connect(spender).transferFrom(b.address, a.address, 1n))
        .to.be.revertedWithCustomError(settlement, "ERC20InsufficientAllowance")
        .withArgs(spender.address, 0n, 1n);
    });

    it("refuses a suspended sender and a suspended or unregistered receiver", async function () {
      const { settlement, participants, signers, orgs } = await loadFixture(carbonFixture);
      const { businessB: b, businessA: a, stranger } = signers;
      await expect(settlement.connect(b).transfer(stranger.address, 1n))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(stranger.address);
      await participants.connect(signers.governor).suspend(orgs.businessA.id, "audit");
      await expect(settlement.connect(b).transfer(a.address, 1n))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(a.address);
      await participants.connect(signers.governor).suspend(orgs.businessB.id, "audit");
      await expect(settlement.connect(b).transfer(signers.agencyA.address, 1n))
        .to.be.revertedWithCustomError(settlement, "SettlementTokenInactiveParticipant")
        .withArgs(b.address);
    });

    it("is refused while paused", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      await settlement.connect(signers.guardian).pause();
      await expect(settlement.connect(signers.businessB).transfer(signers.businessA.address, 1n)).to.be.revertedWithCustomError(settlement, "EnforcedPause");
    });
  });

  describe("#pause / #unpause", function () {
    it("lets the guardian pause and resume", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      await expect(settlement.connect(signers.guardian).pause()).to.emit(settlement, "Paused").withArgs(signers.guardian.address);
      expect(await settlement.paused()).to.equal(true);
      await expect(settlement.connect(signers.guardian).pause()).to.be.revertedWithCustomError(settlement, "EnforcedPause");
      await expect(settlement.connect(signers.guardian).unpause()).to.emit(settlement, "Unpaused").withArgs(signers.guardian.address);
      await expect(settlement.connect(signers.guardian).unpause()).to.be.revertedWithCustomError(settlement, "ExpectedPause");
    });

    it("is refused to anyone without the GUARDIAN role", async function () {
      const { settlement, signers } = await loadFixture(carbonFixture);
      await expect(settlement.connect(signers.treasury).pause())
        .to.be.revertedWithCustomError(settlement, "AccessManagedUnauthorized")
        .withArgs(signers.treasury.address);
    });
  });
});
