import { expect } from "chai";
import { ethers } from "hardhat";
import { CityAccessManager__factory, DataAssetRegistry__factory, ParticipantRegistry__factory } from "../../../typechain-types";
import { ContractRevertError, decodeRevertData, extractRevertData } from "../../../server/chain/revert";

describe("revert decoding", function () {
  it("decodes our custom errors with named arguments and enum labels", function () {
    const iface = ParticipantRegistry__factory.createInterface();
    const orgId = ethers.encodeBytes32String("X");
    const data = iface.encodeErrorResult("ParticipantRegistryInvalidStatusTransition", [orgId, 2, 1]);
    const decoded = decodeRevertData(data);
    expect(decoded.name).to.equal("ParticipantRegistryInvalidStatusTransition");
    expect(decoded.args).to.deep.equal({ orgId, current: "Suspended", requested: "Active" });
    expect(new ContractRevertError(decoded).status).to.equal(409);
  });

  it("decodes AccessManager's errors (403) and OpenZeppelin's ERC-721 errors", function () {
    const am = CityAccessManager__factory.createInterface();
    const account = ethers.Wallet.createRandom().address;
    const unauthorized = decodeRevertData(am.encodeErrorResult("AccessManagerUnauthorizedAccount", [account, 2]));
    expect(unauthorized.args).to.deep.equal({ msgsender: account, roleId: "2" });
    expect(new ContractRevertError(unauthorized).status).to.equal(403);
    const registry = DataAssetRegistry__factory.createInterface();
    const missing = decodeRevertData(registry.encodeErrorResult("ERC721NonexistentToken", [5n]));
    expect(missing).to.include({ name: "ERC721NonexistentToken" });
    expect(new ContractRevertError(missing).status).to.equal(404);
    const rule = decodeRevertData(registry.encodeErrorResult("DataAssetRegistryClassificationRestricted", [3, account]));
    expect(rule.args).to.deep.equal({ classification: "Core", account });
    expect(new ContractRevertError(rule)).to.include({ status: 422, code: "CONTRACT_RULE" });
  });

  it("decodes Error(string), Panic(uint256) and says so for unknown selectors", function () {
    expect(decodeRevertData(new ethers.Interface(["error Error(string)"]).encodeErrorResult("Error", ["nope"])).args).to.deep.equal({ message: "nope" });
    const panic = decodeRevertData(new ethers.Interface(["error Panic(uint256)"]).encodeErrorResult("Panic", [0x11]));
    expect(panic.args).to.deep.equal({ code: "0x11", reason: "arithmetic overflow or underflow" });
    expect(decodeRevertData("0xdeadbeef").name).to.equal("UnknownError");
  });

  it("finds revert data however the provider nests it", function () {
    const data = "0x12345678aa";
    expect(extractRevertData({ data })).to.equal(data);
    expect(extractRevertData({ error: { data } })).to.equal(data);
    expect(extractRevertData({ info: { error: { data: { data } } } })).to.equal(data);
    expect(extractRevertData(new Error("nothing"))).to.equal(undefined);
  });
});
