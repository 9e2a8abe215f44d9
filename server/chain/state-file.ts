import fs from "node:fs";
import type { Logger } from "../logger";

/** The last key anvil writes into its state dump (SerializableState), and what our options make its value. */
const LAST_KEY = /"historical_states":(null|\{[\s\S]*\})\}\s*$/;
const TAIL_BYTES = 4_096;

/**
 * Whether anvil's state dump is whole. anvil rewrites the file in place (truncate, then write: a 500 MB file at
 * 50,000 datasets takes about a second), so a node killed, or a machine losing power, during a dump leaves a file cut
 * short, and anvil refuses to start on it (exit 2, "failed to parse json file") however often it is restarted. A whole
 * dump ends with its last key, `historical_states` (null: the embedded node never preserves them).
 */
export function isWholeStateFile(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return false;
    const length = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(length);
    fs.readSync(fd, tail, 0, length, size - length);
    const head = Buffer.alloc(1);
    fs.readSync(fd, head, 0, 1, 0);
    return head.toString() === "{" && LAST_KEY.test(tail.toString("utf8"));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves a cut-short state dump aside (kept for inspection) so that the node starts from an empty chain instead of not
 * at all; the gateway's outbox then sends every transaction it ever accepted again, deployment first, with the same
 * signed bytes. Answers where the file went, or undefined when there was nothing to move.
 */
export function setAsideBrokenStateFile(file: string, log: Logger): string | undefined {
  if (!fs.existsSync(file) || isWholeStateFile(file)) return undefined;
  const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  fs.renameSync(file, aside);
  log.error(
    { file, movedTo: aside },
    "the embedded node's state dump is cut short (the node died while writing it): starting from an empty chain; the outbox sends every accepted transaction again",
  );
  return aside;
}
