import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Wallet, encryptKeystoreJson, decryptKeystoreJson, getAddress, scrypt, type Provider } from "ethers";
import { SecretBox } from "../db/secret-box";
import type { Logger } from "../logger";
import { nativeScrypt, takePrefetched } from "./scrypt-prefetch";
import type { TxSigner } from "./tx/client-signing";

let nativeScryptRegistered = false;

/**
 * ethers' scrypt is pure JavaScript and blocks the event loop for seconds per key; node's is native and runs on the
 * thread pool. The keystore format (Web3 Secret Storage v3) is unchanged.
 */
export function useNativeScrypt(): void {
  if (nativeScryptRegistered) return;
  const derive = (password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, dkLen: number) =>
    nativeScrypt(password, salt, N, r, p, dkLen).then((key) => new Uint8Array(key));
  scrypt.register((password, salt, N, r, p, dkLen) => {
    // Started while the gateway's code loaded (main.ts): the same inputs give the same key.
    const early = takePrefetched(password, salt, N, r, p, dkLen);
    return early ? early.then((key) => new Uint8Array(key), () => derive(password, salt, N, r, p, dkLen)) : derive(password, salt, N, r, p, dkLen);
  });
  nativeScryptRegistered = true;
}

/** Aliases are organisation codes: short, safe as file names. */
const ALIAS = /^[A-Z0-9][A-Z0-9._-]{0,30}$/;

/**
 * The gateway's custodial keys: one encrypted JSON keystore file per organisation under DATA_DIR/keystore/, written
 * atomically with mode 0600. A key is decrypted when it is first needed and then kept in memory: decryption is the
 * point of the file's scrypt cost (about a second per key, far more on a loaded machine), so a start that unlocked
 * every key first would wait that long per organisation. Addresses are public in the files and need no password.
 */
export class Keystore {
  /** Address of every key, from its file. */
  readonly #addresses = new Map<string, string>();
  /** Unlocked (or being unlocked) keys; a failed unlock is forgotten so the next use tries again. */
  readonly #wallets = new Map<string, Promise<Wallet>>();

  private constructor(
    private readonly dir: string,
    private readonly password: string,
    private readonly scryptN: number,
    private readonly log: Logger,
  ) {}

  /**
   * A box for other secrets the gateway keeps at rest in DATA_DIR (webhook secrets), keyed by this keystore's
   * password, so they are as safe as the keys.
   */
  secretBox(purpose: string): SecretBox {
    return new SecretBox(this.password, purpose);
  }

  /**
   * Opens the keystore directory, reads every key's address and unlocks one key (`verifyWith` when it exists, else
   * the first), so that a wrong password fails here, at start. The others unlock when first used (or unlockAll()).
   */
  static async open(options: { dir: string; password: string; scryptN: number; log: Logger; verifyWith?: string }): Promise<Keystore> {
    useNativeScrypt();
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const ks = new Keystore(options.dir, options.password, options.scryptN, options.log);
    const files = fs.readdirSync(options.dir).filter((f) => f.endsWith(".json")).sort();
    for (const file of files) {
      const alias = file.slice(0, -".json".length);
      const json = JSON.parse(fs.readFileSync(path.join(options.dir, file), "utf8")) as { address?: string };
      if (typeof json.address !== "string") throw new Error(`Keystore file ${file} has no address`);
      ks.#addresses.set(alias, getAddress(json.address.startsWith("0x") ? json.address : `0x${json.address}`));
    }
    const probe = options.verifyWith && ks.has(options.verifyWith) ? options.verifyWith : ks.aliases()[0];
    if (probe) {
      const started = Date.now();
      await ks.get(probe);
      options.log.info({ keys: files.length, verified: probe, ms: Date.now() - started }, "keystore opened; keys unlock when first used");
    }
    return ks;
  }

  has(alias: string): boolean {
    return this.#addresses.has(alias);
  }

  /** The address of an alias's key (no decryption). */
  address(alias: string): string {
    const address = this.#addresses.get(alias);
    if (!address) throw new Error(`No key for ${alias} in the keystore`);
    return address;
  }

  /** The wallet of an alias, unlocking it on first use; connected to `provider` when given. */
  async get(alias: string, provider?: Provider): Promise<Wallet> {
    let unlocking = this.#wallets.get(alias);
    if (!unlocking) {
      if (!this.has(alias)) throw new Error(`No key for ${alias} in the keystore`);
      unlocking = this.unlock(alias);
      this.#wallets.set(alias, unlocking);
      unlocking.catch(() => this.#wallets.delete(alias));
    }
    const wallet = await unlocking;
    return provider ? wallet.connect(provider) : wallet;
  }

  /**
   * A signer for `alias` that knows its address at once (the keystore file's) and unlocks the key when it first signs:
   * what the start hands to services that sign later, so that no scrypt but the password's proof is on its path.
   */
  signer(alias: string): TxSigner {
    const address = this.address(alias);
    return { address, signTransaction: async (tx) => (await this.get(alias)).signTransaction(tx) };
  }

  /** signer(alias), or the new key's wallet when there was none (a first start creates it). */
  async ensureSigner(alias: string): Promise<TxSigner> {
    return this.has(alias) ? this.signer(alias) : this.create(alias);
  }

  /** Unlocks the keys not unlocked yet, one at a time (a background warm-up that leaves CPU to requests). */
  async unlockAll(): Promise<void> {
    const started = Date.now();
    for (const alias of this.aliases()) await this.get(alias);
    this.log.info({ keys: this.#addresses.size, ms: Date.now() - started }, "keystore fully unlocked");
  }

  private async unlock(alias: string): Promise<Wallet> {
    const json = fs.readFileSync(path.join(this.dir, `${alias}.json`), "utf8");
    let account;
    try {
      account = await decryptKeystoreJson(json, this.password);
    } catch (err) {
      throw new Error(`Cannot decrypt keystore file ${alias}.json: wrong KEYSTORE_PASSWORD? (${(err as Error).message})`);
    }
    return new Wallet(account.privateKey);
  }

  aliases(): string[] {
    return [...this.#addresses.keys()].sort();
  }

  /** Creates and stores a new key for `alias` (or imports `privateKey`); fails if the alias already has one. */
  async create(alias: string, privateKey?: string): Promise<Wallet> {
    if (!ALIAS.test(alias)) throw new Error(`Invalid keystore alias ${alias}`);
    if (this.has(alias)) throw new Error(`The keystore already holds a key for ${alias}`);
    const wallet = privateKey ? new Wallet(privateKey) : new Wallet(Wallet.createRandom().privateKey);
    const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, this.password, {
      scrypt: { N: this.scryptN },
    });
    writeFileAtomic(path.join(this.dir, `${alias}.json`), json);
    this.#addresses.set(alias, wallet.address);
    this.#wallets.set(alias, Promise.resolve(wallet));
    this.log.info({ alias, address: wallet.address }, "key created");
    return wallet;
  }

  /**
   * Retires the key of `alias`: its file is deleted (and the directory synced) and it is forgotten in memory, so the
   * gateway can never sign for it again. Nothing happens when there is no such key (a retried retirement).
   */
  retire(alias: string): void {
    if (!ALIAS.test(alias)) throw new Error(`Invalid keystore alias ${alias}`);
    fs.rmSync(path.join(this.dir, `${alias}.json`), { force: true });
    syncDir(this.dir);
    this.#addresses.delete(alias);
    this.#wallets.delete(alias);
    this.log.info({ alias }, "key retired");
  }

  /** Returns the key of `alias`, creating it first when there is none. */
  async ensure(alias: string, privateKey?: string): Promise<Wallet> {
    return this.has(alias) ? this.get(alias) : this.create(alias, privateKey);
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
  syncDir(path.dirname(file));
}

/** Makes a rename or deletion in `dir` durable. */
function syncDir(dir: string): void {
  try {
    const dirFd = fs.openSync(dir, "r");
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  } catch {
    // Directory fsync is not supported everywhere; the rename or deletion itself is still atomic.
  }
}
