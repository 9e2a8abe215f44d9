import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Wallet, encryptKeystoreJson, decryptKeystoreJson, scrypt, type Provider } from "ethers";
import type { Logger } from "../logger";

let nativeScryptRegistered = false;

/**
 * ethers' scrypt is pure JavaScript and blocks the event loop for seconds per key; node's is native and runs on the
 * thread pool. The keystore format (Web3 Secret Storage v3) is unchanged.
 */
export function useNativeScrypt(): void {
  if (nativeScryptRegistered) return;
  scrypt.register(
    (password, salt, N, r, p, dkLen) =>
      new Promise<Uint8Array>((resolve, reject) =>
        crypto.scrypt(password, salt, dkLen, { N, r, p, maxmem: 256 * N * r + 32 * 1024 * 1024 }, (err, key) =>
          err ? reject(err) : resolve(new Uint8Array(key)),
        ),
      ),
  );
  nativeScryptRegistered = true;
}

/** Aliases are organisation codes: short, safe as file names. */
const ALIAS = /^[A-Z0-9][A-Z0-9._-]{0,30}$/;

/**
 * The gateway's custodial keys: one encrypted JSON keystore file per organisation under DATA_DIR/keystore/,
 * decrypted once at start and kept in memory. Files are written atomically with mode 0600.
 */
export class Keystore {
  readonly #wallets = new Map<string, Wallet>();

  private constructor(
    private readonly dir: string,
    private readonly password: string,
    private readonly scryptN: number,
    private readonly log: Logger,
  ) {}

  /** Opens the keystore directory and decrypts every key in it (a wrong password fails here, at start). */
  static async open(options: { dir: string; password: string; scryptN: number; log: Logger }): Promise<Keystore> {
    useNativeScrypt();
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const ks = new Keystore(options.dir, options.password, options.scryptN, options.log);
    const files = fs.readdirSync(options.dir).filter((f) => f.endsWith(".json"));
    const started = Date.now();
    await Promise.all(
      files.map(async (file) => {
        const alias = file.slice(0, -".json".length);
        const json = fs.readFileSync(path.join(options.dir, file), "utf8");
        let account;
        try {
          account = await decryptKeystoreJson(json, options.password);
        } catch (err) {
          throw new Error(`Cannot decrypt keystore file ${file}: wrong KEYSTORE_PASSWORD? (${(err as Error).message})`);
        }
        ks.#wallets.set(alias, new Wallet(account.privateKey));
      }),
    );
    options.log.info({ keys: files.length, ms: Date.now() - started }, "keystore unlocked");
    return ks;
  }

  has(alias: string): boolean {
    return this.#wallets.has(alias);
  }

  /** The wallet of an alias, connected to `provider` when given. */
  get(alias: string, provider?: Provider): Wallet {
    const wallet = this.#wallets.get(alias);
    if (!wallet) throw new Error(`No key for ${alias} in the keystore`);
    return provider ? wallet.connect(provider) : wallet;
  }

  aliases(): string[] {
    return [...this.#wallets.keys()].sort();
  }

  /** Creates and stores a new key for `alias` (or imports `privateKey`); fails if the alias already has one. */
  async create(alias: string, privateKey?: string): Promise<Wallet> {
    if (!ALIAS.test(alias)) throw new Error(`Invalid keystore alias ${alias}`);
    if (this.#wallets.has(alias)) throw new Error(`The keystore already holds a key for ${alias}`);
    const wallet = privateKey ? new Wallet(privateKey) : new Wallet(Wallet.createRandom().privateKey);
    const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, this.password, {
      scrypt: { N: this.scryptN },
    });
    writeFileAtomic(path.join(this.dir, `${alias}.json`), json);
    this.#wallets.set(alias, wallet);
    this.log.info({ alias, address: wallet.address }, "key created");
    return wallet;
  }

  /** Returns the key of `alias`, creating it first when there is none. */
  async ensure(alias: string, privateKey?: string): Promise<Wallet> {
    return this.#wallets.get(alias) ?? this.create(alias, privateKey);
  }
}

/** Writes a file so that a crash leaves either the old or the new content, never half of it. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  const fd = fs.openSync(tmp, "w", mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fs.chmodSync(file, mode);
  try {
    const dirFd = fs.openSync(path.dirname(file), "r");
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  } catch {
    // Directory fsync is not supported everywhere; the rename is still atomic.
  }
}
