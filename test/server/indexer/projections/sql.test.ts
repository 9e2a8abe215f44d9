import { expect } from "chai";
import { toBeHex } from "ethers";
import { datasetKey } from "../../../../server/indexer/projections/sql";

describe("projections/sql", function () {
  describe("#datasetKey", function () {
    it("writes a decoded uint256 as ethers' toBeHex(id, 32) does, at both ends of the range", function () {
      for (const id of [0n, 1n, 0xabcn, (1n << 255n) + 7n, (1n << 256n) - 1n]) {
        expect(datasetKey(id)).to.equal(toBeHex(id, 32));
        expect(datasetKey(id)).to.match(/^0x[0-9a-f]{64}$/);
      }
    });

    it("parses what is not a bigint (a hex string, a number) through toBeHex", function () {
      expect(datasetKey("0xABC")).to.equal(toBeHex(0xabcn, 32));
      expect(datasetKey(42)).to.equal(toBeHex(42n, 32));
    });

    it("refuses an id that does not fit 32 bytes, or a negative one", function () {
      expect(() => datasetKey(1n << 256n)).to.throw();
      expect(() => datasetKey(-1n)).to.throw();
    });
  });
});
