import fs from "node:fs";

/**
 * anvil keeps every mined transaction's call trace (`info.traces`, one node per call frame with its input, output and
 * logs again) in memory and writes all of them into its state dump: half of it (278 of the full city year's 529 MB),
 * which anvil parses again on every start and serialises again every CHAIN_STATE_INTERVAL seconds. Nothing in this
 * system reads a trace (blocks, receipts and logs are what the index and the audit read; anvil offers no option to
 * stop recording them), so the dump is rewritten without them when the node has stopped cleanly: the next start
 * parses a smaller file, and a node started from it holds no old traces, so its own dumps are smaller too.
 * Only the traces of transactions mined since the last clean stop remain traceable (`trace_transaction`).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const KEY = Buffer.from("traces");
const CHUNK = 8 * 1024 * 1024;

export interface CompactionResult {
  /** Sizes of the file before and after, in bytes. */
  before: number;
  after: number;
  /** Arrays emptied (transactions whose traces were dropped); 0 leaves the file untouched. */
  emptied: number;
}

/**
 * A streaming JSON rewriter: copies its input and empties the value of every `"traces"` key that is an array
 * (`"traces":[…]` → `"traces":[]`). It tracks strings (with escapes) and nesting byte by byte, so brackets and quotes
 * inside strings and a string value that reads "traces" are left alone, and a chunk may end anywhere.
 */
export class TracesStripper {
  emptied = 0;
  #inString = false;
  #escaped = false;
  /** Bytes of the string being read, while they may still spell the key (-1: they do not). */
  #keyMatched = 0;
  /** 0: copying; 1: just read the key string; 2: read its colon; 3: skipping its array. */
  #phase = 0;
  #depth = 0;
  /** Whether the array being skipped holds anything (an empty one is not counted as emptied). */
  #skippedSomething = false;

  /** The bytes of `chunk` to keep, in order (views into `chunk`). */
  transform(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let copyFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (byte === BACKSLASH) this.#escaped = true;
        else if (byte === QUOTE) {
          this.#inString = false;
          if (this.#phase !== 3 && this.#keyMatched === KEY.length) this.#phase = 1;
          continue;
        }
        if (this.#keyMatched >= 0) this.#keyMatched = this.#keyMatched < KEY.length && byte === KEY[this.#keyMatched] ? this.#keyMatched + 1 : -1;
        continue;
      }
      if (byte === QUOTE) {
        this.#inString = true;
        this.#keyMatched = 0;
        if (this.#phase === 3) this.#skippedSomething = true;
        if (this.#phase === 1 || this.#phase === 2) this.#phase = 0; // "traces" was a value, or its value is a string
        continue;
      }
      if (byte <= 0x20) continue; // whitespace (serde writes none, but a hand-edited file may have it)
      if (this.#phase === 3) {
        if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) this.#depth++;
        else if ((byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) && --this.#depth === 0) {
          this.#phase = 0;
          if (this.#skippedSomething) this.emptied++;
          copyFrom = i; // keep the closing bracket
          continue;
        }
        this.#skippedSomething = true;
        continue;
      }
      if (this.#phase === 1) {
        this.#phase = byte === COLON ? 2 : 0;
        continue;
      }
      if (this.#phase === 2) {
        if (byte === OPEN_ARRAY) {
          this.#phase = 3;
          this.#depth = 1;
          this.#skippedSomething = false;
          out.push(chunk.subarray(copyFrom, i + 1));
          copyFrom = chunk.length; // nothing more of this chunk unless the array closes in it
        } else this.#phase = 0;
      }
    }
    // Inside a skipped array copyFrom is past the chunk's end, unless the array closed in this chunk.
    if (this.#phase !== 3 && copyFrom < chunk.length) out.push(chunk.subarray(copyFrom));
    return out;
  }

  /** Whether the input ended outside any string and any skipped array (a whole JSON text). */
  get complete(): boolean {
    return !this.#inString && this.#phase !== 3;
  }
}

/**
 * Rewrites anvil's state dump without call traces, atomically: into `<file>.compacting`, flushed to disk, then renamed
 * over the file, so a crash at any point leaves either the old dump or the new one. Answers undefined when there is
 * no file; throws (leaving the file as it was) when the file does not end as a whole JSON text.
 */
export function compactStateFile(file: string, chunkBytes = CHUNK): CompactionResult | undefined {
  if (!fs.existsSync(file)) return undefined;
  const temp = `${file}.compacting`;
  const stripper = new TracesStripper();
  const input = fs.openSync(file, "r");
  let output: number | undefined;
  let before = 0;
  let after = 0;
  try {
    output = fs.openSync(temp, "w");
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const read = fs.readSync(input, buffer, 0, chunkBytes, null);
      if (read === 0) break;
      before += read;
      for (const part of stripper.transform(buffer.subarray(0, read))) {
        fs.writeSync(output, part);
        after += part.length;
      }
    }
    if (!stripper.complete) throw new Error(`${file} does not end as a whole JSON text; left as it is`);
    if (stripper.emptied === 0) {
      // Nothing to drop (a node started from a compacted dump and mined nothing since): the dump stays as it is.
      fs.closeSync(output);
      output = undefined;
      fs.rmSync(temp);
      return { before, after: before, emptied: 0 };
    }
    fs.fsyncSync(output);
    fs.closeSync(output);
    output = undefined;
    fs.renameSync(temp, file);
  } catch (error) {
    if (output !== undefined) fs.closeSync(output);
    fs.rmSync(temp, { force: true });
    throw error;
  } finally {
    fs.closeSync(input);
  }
  return { before, after, emptied: stripper.emptied };
}
