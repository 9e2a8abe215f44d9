import { expect } from "chai";
import { AbiCoder, Interface, ethers, type EventFragment, type FunctionFragment, type ParamType } from "ethers";
import { CONTRACT_ABIS } from "../../scripts/lib/abis";
import { decodeEvent, functionResultDecoder } from "../../scripts/lib/event-decoder";

/** ethers' parseLog made plain as the audit has always stored events: structs as named objects, arrays as arrays. */
function reference(fragment: EventFragment, topics: string[], values: readonly unknown[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  let topic = 1;
  fragment.inputs.forEach((input, i) => {
    const hashed = input.indexed && (input.isTuple() || input.isArray() || input.baseType === "string" || input.baseType === "bytes");
    args[input.name || String(i)] = hashed ? topics[topic] : plain(input, values[i]);
    if (input.indexed) topic += 1;
  });
  return args;
}

function plain(type: ParamType, value: unknown): unknown {
  if (type.isTuple()) return Object.fromEntries(type.components.map((c, i) => [c.name || String(i), plain(c, (value as unknown[])[i])]));
  if (type.isArray()) return [...(value as unknown[])].map((item) => plain(type.arrayChildren, item));
  return value;
}

/** Values of a type at its edges: 0, the maximum, the minimum of a signed type, empty and long strings and bytes. */
function sample(type: ParamType, variant: number): unknown {
  if (type.isTuple()) return type.components.map((c, i) => sample(c, variant + i));
  if (type.isArray()) {
    const length = type.arrayLength >= 0 ? type.arrayLength : [0, 1, 3][variant % 3];
    return Array.from({ length }, (_, i) => sample(type.arrayChildren, variant + i + 1));
  }
  const base = type.baseType;
  const integer = /^(u?)int([0-9]*)$/.exec(base);
  if (integer) {
    const bits = BigInt(integer[2] || "256");
    const unsigned = [0n, (1n << bits) - 1n, 1n, bits > 8n ? 12_345n : 200n];
    const signed = [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n, -1n, 0n];
    return (integer[1] ? unsigned : signed)[variant % 4];
  }
  if (base === "address") return [ethers.ZeroAddress, "0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF", ethers.getAddress("0x" + "ab".repeat(20)), ethers.getAddress(ethers.hexlify(ethers.randomBytes(20)))][variant % 4];
  if (base === "bool") return variant % 2 === 1;
  if (base === "string") return ["", "Hồ sơ đất đai — Đà Nẵng 😀", "\uFEFFa leading byte-order mark", "x".repeat(100)][variant % 4];
  if (base === "bytes") return ["0x", "0x00", ethers.hexlify(ethers.randomBytes(33)), ethers.hexlify(ethers.randomBytes(64))][variant % 4];
  const fixed = /^bytes([0-9]+)$/.exec(base);
  if (fixed) return ["0x" + "00".repeat(Number(fixed[1])), "0x" + "ff".repeat(Number(fixed[1])), ethers.hexlify(ethers.randomBytes(Number(fixed[1])))][variant % 3];
  throw new Error(`no sample for ${type.type}`);
}

const EVENTS = Object.entries(CONTRACT_ABIS).flatMap(([contract, abi]) => {
  const iface = new Interface(abi);
  const events: { contract: string; iface: Interface; fragment: EventFragment }[] = [];
  iface.forEachEvent((fragment) => events.push({ contract, iface, fragment }));
  return events;
});

/**
 * A decoded view result read both ways the audit reads one: by position and by output name (ethers' Result answers
 * names through a Proxy, so they are read here, not listed), structs inside likewise.
 */
function shape(types: readonly ParamType[], value: unknown): unknown {
  const record = value as Record<string | number, unknown>;
  return {
    items: types.map((t, i) => shapeOf(t, record[i])),
    named: Object.fromEntries(types.filter((t) => t.name).map((t) => [t.name, shapeOf(t, record[t.name])])),
  };
}

function shapeOf(type: ParamType, value: unknown): unknown {
  if (type.isTuple()) return shape(type.components, value);
  if (type.isArray()) return [...(value as unknown[])].map((item) => shapeOf(type.arrayChildren, item));
  return value;
}

const FUNCTIONS = Object.entries(CONTRACT_ABIS).flatMap(([contract, abi]) => {
  const iface = new Interface(abi);
  const functions: { contract: string; iface: Interface; fragment: FunctionFragment }[] = [];
  iface.forEachFunction((fragment) => {
    if (fragment.outputs.length > 0) functions.push({ contract, iface, fragment });
  });
  return functions;
});

describe("event decoder (scripts/lib/event-decoder)", function () {
  describe("#functionResultDecoder", function () {
    it(`decodes the answer of every function with outputs (${FUNCTIONS.length}) as ethers' decodeFunctionResult does, at edge values`, function () {
      for (const { contract, iface, fragment } of FUNCTIONS) {
        for (let variant = 0; variant < 4; variant++) {
          const data = iface.encodeFunctionResult(fragment, fragment.outputs.map((o, i) => sample(o, variant + i)));
          const theirs = iface.decodeFunctionResult(fragment, data);
          const mine = functionResultDecoder(fragment.outputs)(data);
          expect(shape(fragment.outputs, mine), `${contract}.${fragment.name} variant ${variant}`).to.deep.equal(shape(fragment.outputs, theirs));
        }
      }
    });

    it("refuses an answer too short for its outputs (a call to an address without code answers 0x)", function () {
      const registry = new Interface(CONTRACT_ABIS.DataAssetRegistry);
      expect(() => functionResultDecoder(registry.getFunction("assetOf")!.outputs)("0x")).to.throw("out of bounds");
    });
  });

  describe("#decodeEvent", function () {
    it(`decodes every event of every contract (${EVENTS.length}) as ethers' parseLog does, at edge values`, function () {
      let compared = 0;
      for (const { contract, iface, fragment } of EVENTS) {
        for (let variant = 0; variant < 4; variant++) {
          const values = fragment.inputs.map((input, i) => sample(input, variant + i));
          const { data, topics } = iface.encodeEventLog(fragment, values);
          const parsed = iface.parseLog({ topics, data })!;
          expect(parsed.name).to.equal(fragment.name);
          const decoded = decodeEvent(iface, topics, data);
          expect(decoded, `${contract}.${fragment.name} variant ${variant}`).to.deep.equal({ name: fragment.name, args: reference(fragment, topics, [...parsed.args]) });
          compared += 1;
        }
      }
      expect(compared).to.equal(EVENTS.length * 4);
    });

    it("names the struct fields and array items of a retirement claim and a transfer batch", function () {
      const carbon = new Interface(CONTRACT_ABIS.CarbonCreditRegistry);
      const holder = ethers.getAddress("0x" + "12".repeat(20));
      const claim = ["Benchmark beneficiary", ethers.ZeroHash, "", 0n, 2n ** 64n - 1n];
      const retired = carbon.encodeEventLog("Retired", [7n, 3n, holder, 5n, 100n, 104n, claim]);
      expect(decodeEvent(carbon, retired.topics, retired.data)?.args).to.deep.equal({
        retirementId: 7n,
        batchId: 3n,
        holder,
        amount: 5n,
        serialFirst: 100n,
        serialLast: 104n,
        claim: { beneficiaryName: "Benchmark beneficiary", beneficiaryOrg: ethers.ZeroHash, reason: "", consumptionStart: 0n, consumptionEnd: 2n ** 64n - 1n },
      });
      const batch = carbon.encodeEventLog("TransferBatch", [holder, holder, ethers.ZeroAddress, [1n, ethers.MaxUint256], [0n, 9n]]);
      expect(decodeEvent(carbon, batch.topics, batch.data)?.args).to.deep.include({ ids: [1n, ethers.MaxUint256], values: [0n, 9n] });
    });

    it("refuses what does not fit its event: unknown topic0, a topic too many or too few, short data, dirty address bytes, invalid UTF-8", function () {
      const data = new Interface(CONTRACT_ABIS.DataAssetRegistry);
      const fragment = data.getEvent("DatasetRegistered")!;
      const custodian = ethers.getAddress("0x" + "34".repeat(20));
      const good = data.encodeEventLog(fragment, [5n, ethers.ZeroHash, 1, true, custodian, "title", "https://x"]);
      expect(decodeEvent(data, good.topics, good.data)?.name).to.equal("DatasetRegistered");
      expect(decodeEvent(data, [ethers.id("Nothing()"), ...good.topics.slice(1)], good.data), "unknown event").to.equal(undefined);
      expect(decodeEvent(data, [...good.topics, ethers.ZeroHash], good.data), "extra topic").to.equal(undefined);
      expect(decodeEvent(data, good.topics.slice(0, 1), good.data), "missing topic").to.equal(undefined);
      expect(decodeEvent(data, [], "0x"), "no topics").to.equal(undefined);
      expect(decodeEvent(data, good.topics, good.data.slice(0, -64)), "data cut short").to.equal(undefined);
      expect(decodeEvent(data, [good.topics[0], "0x05"], good.data), "topic not 32 bytes").to.equal(undefined);
      // The custodian is the 4th word of the data: set a high byte of its word, which ethers refuses too.
      const dirty = good.data.slice(0, 2 + 64 * 3) + "01" + good.data.slice(2 + 64 * 3 + 2);
      expect(() => data.parseLog({ topics: good.topics, data: dirty })!.args.custodian, "ethers refuses it").to.throw();
      expect(decodeEvent(data, good.topics, dirty), "dirty address").to.equal(undefined);
      // "title" as bytes 0xc3 0x28: not UTF-8.
      const invalid = data.encodeEventLog(fragment, [5n, ethers.ZeroHash, 1, true, custodian, "ti", "https://x"]);
      const badText = invalid.data.replace(ethers.hexlify(ethers.toUtf8Bytes("ti")).slice(2), "c328");
      expect(() => data.parseLog({ topics: invalid.topics, data: badText })!.args.title, "ethers refuses it").to.throw();
      expect(decodeEvent(data, invalid.topics, badText), "invalid UTF-8").to.equal(undefined);
    });

    it("refuses an array length the data cannot hold, as ethers does", function () {
      const carbon = new Interface(CONTRACT_ABIS.CarbonCreditRegistry);
      const a = ethers.ZeroAddress;
      const batch = carbon.encodeEventLog("TransferBatch", [a, a, a, [1n], [2n]]);
      // Data: offset(ids), offset(values), ids.length, ids[0], values.length, values[0]. Claim a billion ids.
      const words = batch.data.slice(2).match(/.{64}/g)!;
      words[2] = AbiCoder.defaultAbiCoder().encode(["uint256"], [1_000_000_000n]).slice(2);
      const forged = "0x" + words.join("");
      expect(() => carbon.decodeEventLog("TransferBatch", forged, batch.topics)).to.throw();
      expect(decodeEvent(carbon, batch.topics, forged)).to.equal(undefined);
    });
  });
});
