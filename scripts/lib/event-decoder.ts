import { getAddress, type EventFragment, type Interface, type ParamType } from "ethers";

/**
 * Event decoding for the audit replay and the gateway's indexer, worked out once per event type and run straight
 * on the hex of a log: no ethers Coder, Reader, Result or LogDescription objects per log (building them was most of
 * what was left of decoding's cost once the JSON-RPC answers were read natively). Values are what ethers' AbiCoder
 * gives, made plain: uints and ints as bigint, addresses checksummed, bytesN and bytes as lower-case hex, strings
 * from strict UTF-8, structs as objects keyed by field name, arrays as arrays. Indexed values of dynamic types
 * (strings, bytes, structs, arrays) are only a hash in the log: they stay the topic itself.
 *
 * Malformed data (out of bounds, an address with dirty high bytes, invalid UTF-8) throws where ethers would refuse it.
 */

/** Decodes one value whose encoding (a static value, or a dynamic value's tail) starts at `pos` (hex chars, no 0x). */
interface Coder {
  dynamic: boolean;
  /** Hex characters a static value takes in its tuple's head (64 for a dynamic value's offset). */
  headSize: number;
  decode(hex: string, pos: number): unknown;
}

export interface EventDecoder {
  name: string;
  fragment: EventFragment;
  /** Topics the log must have (topic0 and one per indexed input). */
  topicCount: number;
  /** Decodes the named arguments of a log of this event; throws on malformed data. */
  decodeArgs(topics: readonly string[], data: string): Record<string, unknown>;
}

const WORD = 64;
const ZERO_WORD = "0".repeat(WORD);
const TOPIC = /^0x[0-9a-fA-F]{64}$/;
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class AbiDataError extends Error {
  override name = "AbiDataError";
}

function word(hex: string, pos: number): string {
  if (pos < 0 || pos + WORD > hex.length) throw new AbiDataError(`data out of bounds at byte ${pos / 2}`);
  return hex.slice(pos, pos + WORD);
}

/** An offset or a length: ethers refuses values beyond 2^53. */
function index(hex: string, pos: number): number {
  const value = BigInt("0x" + word(hex, pos));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new AbiDataError(`offset or length ${value} out of range`);
  return Number(value);
}

/** Checksummed addresses of the few accounts and contracts a history names, computed once each (a keccak apiece). */
const checksummed = new Map<string, string>();

function address(lowerHex40: string): string {
  let value = checksummed.get(lowerHex40);
  if (value === undefined) {
    value = getAddress("0x" + lowerHex40);
    if (checksummed.size >= 100_000) checksummed.clear();
    checksummed.set(lowerHex40, value);
  }
  return value;
}

function staticCoder(decode: (w: string) => unknown): Coder {
  return { dynamic: false, headSize: WORD, decode: (hex, pos) => decode(word(hex, pos)) };
}

/**
 * How a struct comes out: "object" (events: a plain object keyed by field name, as the index stores it) or "result"
 * (view results: an array with its fields also by name, as ethers' Result reads, `[a, b] =` and `.field` alike).
 */
type TupleStyle = "object" | "result";

function coderOf(type: ParamType, style: TupleStyle = "object"): Coder {
  if (type.isTuple()) return tupleCoder(type.components.map((c) => coderOf(c, style)), type.components.map((c, i) => c.name || String(i)), style);
  if (type.isArray()) return arrayCoder(coderOf(type.arrayChildren, style), type.arrayLength);
  const base = type.baseType;
  if (base === "address") {
    return staticCoder((w) => {
      if (!w.startsWith("000000000000000000000000")) throw new AbiDataError(`address word with high bytes set: 0x${w}`);
      return address(w.slice(24));
    });
  }
  if (base === "bool") return staticCoder((w) => w !== ZERO_WORD);
  if (base === "string") return bytesCoder(utf8);
  if (base === "bytes") return bytesCoder((bytes) => "0x" + bytes);
  const fixed = /^bytes([0-9]+)$/.exec(base);
  if (fixed) {
    const size = Number(fixed[1]) * 2;
    return staticCoder((w) => "0x" + w.slice(0, size));
  }
  const integer = /^(u?)int([0-9]*)$/.exec(base);
  if (integer) {
    const bits = BigInt(integer[2] || "256");
    const mask = (1n << bits) - 1n;
    if (integer[1] === "u") return staticCoder(bits === 256n ? (w) => BigInt("0x" + w) : (w) => BigInt("0x" + w) & mask);
    const half = 1n << (bits - 1n);
    return staticCoder((w) => {
      const value = BigInt("0x" + w) & mask;
      return value >= half ? value - (1n << bits) : value;
    });
  }
  throw new Error(`no decoder for ABI type ${type.type}`);
}

function utf8(bytesHex: string): string {
  try {
    return UTF8.decode(Buffer.from(bytesHex, "hex"));
  } catch {
    throw new AbiDataError("string is not valid UTF-8");
  }
}

function bytesCoder(convert: (bytesHex: string) => unknown): Coder {
  return {
    dynamic: true,
    headSize: WORD,
    decode(hex, pos) {
      const length = index(hex, pos) * 2;
      const start = pos + WORD;
      // The tail is padded to whole words: ethers refuses data that stops before the padding.
      if (start + Math.ceil(length / WORD) * WORD > hex.length) throw new AbiDataError(`bytes of length ${length / 2} out of bounds`);
      return convert(hex.slice(start, start + length));
    },
  };
}

/** Members in sequence: static ones in the head, dynamic ones at an offset from the tuple's start. */
function readSequence(coders: readonly Coder[], hex: string, pos: number, out: (i: number, value: unknown) => void): void {
  let head = pos;
  for (let i = 0; i < coders.length; i++) {
    const coder = coders[i];
    out(i, coder.dynamic ? coder.decode(hex, pos + index(hex, head) * 2) : coder.decode(hex, head));
    head += coder.headSize;
  }
}

function tupleCoder(coders: Coder[], names: string[], style: TupleStyle): Coder {
  const dynamic = coders.some((c) => c.dynamic);
  return {
    dynamic,
    headSize: dynamic ? WORD : coders.reduce((n, c) => n + c.headSize, 0),
    decode(hex, pos) {
      if (style === "result") return namedArray(coders, names, hex, pos);
      const value: Record<string, unknown> = {};
      readSequence(coders, hex, pos, (i, v) => (value[names[i]] = v));
      return value;
    },
  };
}

/** Values in order, each also under its name (a name that is an index or an Array member is left out, as ethers does). */
function namedArray(coders: readonly Coder[], names: readonly string[], hex: string, pos: number): unknown[] {
  const values: unknown[] = new Array<unknown>(coders.length);
  readSequence(coders, hex, pos, (i, v) => (values[i] = v));
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name && !/^[0-9]+$/.test(name) && !(name in Array.prototype)) (values as unknown as Record<string, unknown>)[name] = values[i];
  }
  return values;
}

/**
 * Decodes a view function's return data: the outputs in order, each also under its name (ethers' Result reads the
 * same way); structs inside likewise. Throws on malformed data.
 */
export function functionResultDecoder(outputs: readonly ParamType[]): (data: string) => unknown[] {
  const coders = outputs.map((o) => coderOf(o, "result"));
  const names = outputs.map((o) => o.name);
  return (data) => {
    if (!/^0x[0-9a-fA-F]*$/.test(data) || data.length % 2 !== 0) throw new AbiDataError("return data is not hex");
    return namedArray(coders, names, data.slice(2).toLowerCase(), 0);
  };
}

function arrayCoder(child: Coder, length: number): Coder {
  const dynamic = length === -1 || child.dynamic;
  const read = (hex: string, pos: number, count: number): unknown[] => {
    const values = new Array<unknown>(count);
    readSequence(new Array<Coder>(count).fill(child), hex, pos, (i, v) => (values[i] = v));
    return values;
  };
  if (length >= 0) return { dynamic, headSize: dynamic ? WORD : length * child.headSize, decode: (hex, pos) => read(hex, pos, length) };
  return {
    dynamic: true,
    headSize: WORD,
    decode(hex, pos) {
      const count = index(hex, pos);
      // As ethers: a length the remaining data cannot hold (a word per element at least) is refused.
      if (count * WORD > hex.length - pos) throw new AbiDataError(`array of ${count} elements out of bounds`);
      return read(hex, pos + WORD, count);
    },
  };
}

function decoderOf(fragment: EventFragment): EventDecoder {
  const inputs = fragment.inputs;
  const names = inputs.map((input, i) => input.name || String(i));
  const data: Coder[] = [];
  const dataSlots: number[] = [];
  /** For each input: its topic (1-based), and how to read it there (undefined: a dynamic value's hash, kept as is). */
  const topicSlots: { input: number; topic: number; coder: Coder | undefined }[] = [];
  inputs.forEach((input, i) => {
    const coder = coderOf(input);
    if (input.indexed) topicSlots.push({ input: i, topic: topicSlots.length + 1, coder: coder.dynamic || input.isTuple() || input.isArray() ? undefined : coder });
    else {
      dataSlots.push(i);
      data.push(coder);
    }
  });
  return {
    name: fragment.name,
    fragment,
    topicCount: topicSlots.length + 1,
    decodeArgs(topics, dataHex) {
      const values = new Array<unknown>(inputs.length);
      for (const slot of topicSlots) {
        const topic = topics[slot.topic];
        if (!TOPIC.test(topic)) throw new AbiDataError(`topic ${slot.topic} is not 32 bytes of hex`);
        values[slot.input] = slot.coder ? slot.coder.decode(topic.slice(2).toLowerCase(), 0) : topic;
      }
      if (data.length > 0) {
        if (!/^0x[0-9a-fA-F]*$/.test(dataHex) || dataHex.length % 2 !== 0) throw new AbiDataError("data is not hex");
        readSequence(data, dataHex.slice(2).toLowerCase(), 0, (i, v) => (values[dataSlots[i]] = v));
      }
      const args: Record<string, unknown> = {};
      for (let i = 0; i < inputs.length; i++) args[names[i]] = values[i];
      return args;
    },
  };
}

const decodersByAbi = new WeakMap<Interface, Map<string, EventDecoder>>();

/** The decoders of every non-anonymous event of an ABI, by topic0 (lower-case), built once per Interface. */
export function eventDecoders(abi: Interface): Map<string, EventDecoder> {
  let byTopic = decodersByAbi.get(abi);
  if (!byTopic) {
    byTopic = new Map();
    abi.forEachEvent((fragment) => {
      if (!fragment.anonymous) byTopic!.set(fragment.topicHash, decoderOf(fragment));
    });
    decodersByAbi.set(abi, byTopic);
  }
  return byTopic;
}

/**
 * The event name and named arguments of a log, or undefined when the ABI does not know it or its topics or data do
 * not fit the event.
 */
export function decodeEvent(abi: Interface, topics: readonly string[], data: string): { name: string; args: Record<string, unknown> } | undefined {
  const decoder = topics.length > 0 ? eventDecoders(abi).get(topics[0].toLowerCase()) : undefined;
  if (!decoder || topics.length !== decoder.topicCount) return undefined;
  try {
    return { name: decoder.name, args: decoder.decodeArgs(topics, data) };
  } catch (error) {
    if (error instanceof AbiDataError) return undefined;
    throw error;
  }
}
