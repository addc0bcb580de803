import crypto from 'node:crypto';

/**
 * Fernet (https://github.com/fernet/spec/blob/master/Spec.md) on node:crypto:
 * token = 0x80 | timestamp (u64 BE, seconds) | IV (16) | AES-128-CBC(PKCS7) ciphertext | HMAC-SHA256 (32),
 * urlsafe base64 with padding. The key is 32 bytes: signing key (first 16) then encryption key.
 */
const VERSION = 0x80;
const MAX_CLOCK_SKEW_SECONDS = 60;

export class InvalidToken extends Error {
  constructor(reason: string) {
    // The reason names the failed stage only; the token itself is never included.
    super(`invalid Fernet token: ${reason}`);
    this.name = 'InvalidToken';
  }
}

function b64urlDecode(s: string): Buffer | null {
  // Spec tokens are urlsafe base64 with padding; reject anything outside that alphabet.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  return Buffer.from(s, 'base64url');
}

export function generateKey(): string {
  return crypto.randomBytes(32).toString('base64url') + '=';
}

export class Fernet {
  private readonly signingKey: Buffer;
  private readonly encryptionKey: Buffer;
  /** Short non-secret fingerprint of the key (which key encrypted a stored secret). */
  readonly keyId: string;

  constructor(key: string) {
    const raw = b64urlDecode(key.trim());
    if (!raw || raw.length !== 32) throw new Error('a Fernet key must be 32 bytes of urlsafe base64');
    this.signingKey = raw.subarray(0, 16);
    this.encryptionKey = raw.subarray(16);
    this.keyId = crypto.createHash('sha256').update(raw).digest('hex').slice(0, 12);
  }

  encrypt(plaintext: Buffer | string, opts: { now?: number; iv?: Buffer } = {}): string {
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    const iv = opts.iv ?? crypto.randomBytes(16);
    const cipher = crypto.createCipheriv('aes-128-cbc', this.encryptionKey, iv);
    const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
    const header = Buffer.alloc(9);
    header[0] = VERSION;
    header.writeBigUInt64BE(BigInt(now), 1);
    const signed = Buffer.concat([header, iv, ct]);
    const mac = crypto.createHmac('sha256', this.signingKey).update(signed).digest();
    return Buffer.concat([signed, mac]).toString('base64url').padEnd(Math.ceil((signed.length + 32) / 3) * 4, '=');
  }

  /** Decrypts and authenticates. `ttl` in seconds is optional (stored secrets have none). */
  decrypt(token: string, opts: { ttl?: number; now?: number } = {}): Buffer {
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    const data = b64urlDecode(token);
    if (!data) throw new InvalidToken('not urlsafe base64');
    if (data.length < 1 + 8 + 16 + 16 + 32) throw new InvalidToken('too short');
    if (data[0] !== VERSION) throw new InvalidToken('unknown version');
    const ts = Number(data.readBigUInt64BE(1));
    const signed = data.subarray(0, data.length - 32);
    const mac = data.subarray(data.length - 32);
    const expected = crypto.createHmac('sha256', this.signingKey).update(signed).digest();
    if (!crypto.timingSafeEqual(mac, expected)) throw new InvalidToken('bad signature');
    if (opts.ttl !== undefined && ts + opts.ttl < now) throw new InvalidToken('expired');
    if (ts > now + MAX_CLOCK_SKEW_SECONDS) throw new InvalidToken('timestamp too far in the future');
    const iv = data.subarray(9, 25);
    const ct = data.subarray(25, data.length - 32);
    if (ct.length === 0 || ct.length % 16 !== 0) throw new InvalidToken('ciphertext is not a whole number of blocks');
    try {
      const decipher = crypto.createDecipheriv('aes-128-cbc', this.encryptionKey, iv);
      return Buffer.concat([decipher.update(ct), decipher.final()]);
    } catch {
      throw new InvalidToken('bad padding');
    }
  }
}

/** The first key encrypts; every key is tried to decrypt (key rotation, as Python's MultiFernet). */
export class MultiFernet {
  readonly keys: Fernet[];

  constructor(keys: string[]) {
    if (keys.length === 0) throw new Error('MultiFernet needs at least one key');
    this.keys = keys.map((k) => new Fernet(k));
  }

  get primary(): Fernet {
    return this.keys[0]!;
  }

  encrypt(plaintext: Buffer | string): string {
    return this.primary.encrypt(plaintext);
  }

  decrypt(token: string, opts: { ttl?: number; now?: number } = {}): Buffer {
    for (const k of this.keys) {
      try {
        return k.decrypt(token, opts);
      } catch (e) {
        if (!(e instanceof InvalidToken)) throw e;
      }
    }
    throw new InvalidToken('no key could decrypt it');
  }

  /** Re-encrypts under the primary key, keeping the original timestamp semantics of Python's rotate(). */
  rotate(token: string): string {
    return this.primary.encrypt(this.decrypt(token));
  }
}
