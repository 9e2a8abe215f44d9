import crypto from "node:crypto";

const PREFIX = "sealed:v1:";
/** scrypt cost of the box key: derived once per salt and kept, so it is paid once per start, not per secret. */
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * Secrets the gateway must read back in clear (a webhook's HMAC key: it signs each delivery with it), kept at rest
 * in DATA_DIR encrypted with AES-256-GCM under a key derived from the keystore password: gateway.db alone (a copied
 * backup, say) does not give them away. Each sealed value names the salt its key came from, so a box opened with a
 * new salt at each start still opens what earlier starts sealed. The associated data binds a value to its purpose
 * and row: a sealed secret copied into another row does not open there.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly salt = crypto.randomBytes(16).toString("base64url");

  constructor(
    private readonly password: string,
    private readonly purpose: string,
  ) {}

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plain: string, rowId: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key(this.salt), iv);
    cipher.setAAD(this.aad(rowId));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `${PREFIX}${this.salt}:${iv.toString("base64url")}:${cipher.getAuthTag().toString("base64url")}:${body.toString("base64url")}`;
  }

  /** The clear text; throws if the value was not sealed by this password for this purpose and row. */
  open(sealed: string, rowId: string): string {
    if (!SecretBox.isSealed(sealed)) throw new Error("not a sealed value");
    const [salt, iv, tag, body] = sealed.slice(PREFIX.length).split(":");
    if (!salt || !iv || !tag || body === undefined) throw new Error("a malformed sealed value");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key(salt), Buffer.from(iv, "base64url"));
    decipher.setAAD(this.aad(rowId));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  }

  private aad(rowId: string): Buffer {
    return Buffer.from(`${this.purpose}\n${rowId}`, "utf8");
  }

  private key(salt: string): Buffer {
    let key = this.keys.get(salt);
    if (!key) {
      key = crypto.scryptSync(this.password, `cal-secret-box:${this.purpose}:${salt}`, 32, SCRYPT);
      this.keys.set(salt, key);
    }
    return key;
  }
}
