import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { auditChain } from "../../scripts/audit/audit-chain";
import { summarise } from "../../scripts/audit/report";
import { historyFixture } from "../scripts/fixtures/history";
describe("scratch", function () {
  it("prints", async function () {
    const { deployment } = await loadFixture(historyFixture);
    const report = await auditChain({ provider: ethers.provider, deployment });
    console.log(summarise(report));
  });
});
