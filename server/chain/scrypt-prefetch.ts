import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * scrypt derivations of keystore files started before anyone asks for them: a restart unlocks three keys before its
 * API opens (about 0.6 s of scrypt each at the default cost), and nothing in the derivation needs the gateway's code,
 * so they run on the thread pool while that code loads and the node parses its state. The keystore takes a result
 * only when every input matches what ethers asks for (password bytes, salt, N, r, p, length); anything else (another
 * password, a file rewritten since) is derived as before. No ethers here: it is what is loading meanwhile.
 */
interface Prefetched {
  password: Buffer;
  salt: Buffer;
  N: number;
  r: number;
  p: number;
  dkLen: number;
  key: Promise<Buffer>;
}

const waiting = new Set<Prefetched>();

/** What ethers derives from a Web3 Secret Storage v3 file: 64 bytes (AES key and MAC key). */
const DK_LEN = 64;

/** Memory scrypt needs (128·N·r bytes) with room to spare; node refuses anything above maxmem. */
function scryptMaxmem(N: number, r: number): number {
  return 256 * N * r + 32 * 1024 * 1024;
}

/** node's native scrypt on the thread pool, as a promise (the keystore's derivations and the prefetch's alike). */
export function nativeScrypt(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, dkLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(password, salt, dkLen, { N, r, p, maxmem: scryptMaxmem(N, r) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** ethers' password bytes: UTF-8 of the NFKC form. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize("NFKC"), "utf8");
}

/**
 * Starts deriving the keys of `aliases` (files `<alias>.json` in `dir`) under `password`; returns how many were
 * started. A file that is missing, unreadable or not scrypt is skipped: the keystore reports it when it opens.
 * A derivation nobody takes within `keepMs` is dropped (it opens that file as the password would).
 */
export function prefetchScrypt(dir: string, password: string, aliases: string[], keepMs = 60_000): number {
  const bytes = passwordBytes(password);
  let started = 0;
  for (const alias of aliases) {
    let params: { salt: Buffer; N: number; r: number; p: number };
    try {
      const json = JSON.parse(fs.readFileSync(path.join(dir, `${alias}.json`), "utf8")) as { crypto?: Record<string, unknown>; Crypto?: Record<string, unknown> };
      const section = json.crypto ?? json.Crypto;
      if (String(section?.kdf).toLowerCase() !== "scrypt") continue;
      const k = section!.kdfparams as { salt: string; n: number; r: number; p: number };
      params = { salt: Buffer.from(String(k.salt).replace(/^0x/i, ""), "hex"), N: Number(k.n), r: Number(k.r), p: Number(k.p) };
    } catch {
      continue;
    }
    const { salt, N, r, p } = params;
    if (!(Number.isSafeInteger(N) && N > 1 && (N & (N - 1)) === 0 && r > 0 && p > 0)) continue;
    const entry: Prefetched = {
      password: bytes,
      salt,
      N,
      r,
      p,
      dkLen: DK_LEN,
      key: nativeScrypt(bytes, salt, N, r, p, DK_LEN),
    };
    entry.key.catch(() => undefined); // a failed derivation is simply done again when asked for
    waiting.add(entry);
    setTimeout(() => waiting.delete(entry), keepMs).unref();
    started++;
  }
  return started;
}

/** The derivation of exactly these inputs, if one was started and not yet taken (each is taken once). */
export function takePrefetched(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, dkLen: number): Promise<Buffer> | undefined {
  for (const entry of waiting) {
    if (entry.N === N && entry.r === r && entry.p === p && entry.dkLen === dkLen && entry.salt.equals(salt) && entry.password.equals(password)) {
      waiting.delete(entry);
      return entry.key;
    }
  }
  return undefined;
}

/** Derivations started and not taken yet. */
export function prefetchedCount(): number {
  return waiting.size;
}
