import crypto from 'node:crypto';

/**
 * Fernet (https://github.com/fernet/spec/blob/master/Spec.md) on node:crypto:
 * token = 0x80 | timestamp (u64 BE, seconds) | IV (16) | AES-128-CBC(PKCS7) ciphertext | HMAC-SHA256 (32),
 * urlsafe base64 with padding. The key is 32 bytes: signing key (first 16) then encryption key.
 * Behaviour matches pyca/cryptography (test/unit/fernet.test.ts, test/integration/fernet-python-interop.test.ts).
 */
const VERSION = 0x80;
const MAX_CLOCK_SKEW_SECONDS = 60;
const HEADER_LEN = 1 + 8 + 16; // version, timestamp, IV
const MAC_LEN = 32;

/** Where verification stopped; the spec's invalid vectors each target one stage. */
export type InvalidTokenStage =
  | 'base64'
  | 'version'
  | 'length'
  | 'signature'
  | 'expired'
  | 'clock_skew'
  | 'block_size'
  | 'padding';

const STAGE_MESSAGES: Record<InvalidTokenStage, string> = {
  base64: 'not urlsafe base64',
  version: 'unknown version',
  length: 'too short',
  signature: 'bad signature',
  expired: 'expired',
  clock_skew: 'timestamp too far in the future',
  block_size: 'ciphertext is not a whole number of blocks',
  padding: 'bad padding',
};

export class InvalidToken extends Error {
  constructor(readonly stage: InvalidTokenStage) {
    // The message names the failed stage only; the token itself is never included.
    super(`invalid Fernet token: ${STAGE_MESSAGES[stage]}`);
    this.name = 'InvalidToken';
  }
}

function b64urlDecode(s: string): Buffer | null {
  // Spec tokens are urlsafe base64 with padding; reject anything outside that alphabet.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  return Buffer.from(s, 'base64url');
}

function b64urlEncode(b: Buffer): string {
  const s = b.toString('base64url');
  return s.padEnd(Math.ceil(s.length / 4) * 4, '=');
}

export function generateKey(): string {
  return b64urlEncode(crypto.randomBytes(32));
}

interface Parsed {
  timestamp: number;
  signed: Buffer;
  mac: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
}

function parse(token: string): Parsed {
  const data = b64urlDecode(token);
  if (!data) throw new InvalidToken('base64');
  if (data.length === 0 || data[0] !== VERSION) throw new InvalidToken('version');
  // Too short to hold the header and the MAC. A ciphertext of the wrong size is a later stage,
  // checked once the MAC proves the bytes are ours.
  if (data.length < HEADER_LEN + MAC_LEN) throw new InvalidToken('length');
  return {
    timestamp: Number(data.readBigUInt64BE(1)),
    signed: data.subarray(0, data.length - MAC_LEN),
    mac: data.subarray(data.length - MAC_LEN),
    iv: data.subarray(9, HEADER_LEN),
    ciphertext: data.subarray(HEADER_LEN, data.length - MAC_LEN),
  };
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

  /** `now` (seconds) and `iv` exist for the spec's vectors and for rotation; callers leave them out. */
  encrypt(plaintext: Buffer | string, opts: { now?: number; iv?: Buffer } = {}): string {
    const now = Math.floor(opts.now ?? Date.now() / 1000);
    const iv = opts.iv ?? crypto.randomBytes(16);
    if (iv.length !== 16) throw new Error('a Fernet IV is 16 bytes');
    const cipher = crypto.createCipheriv('aes-128-cbc', this.encryptionKey, iv);
    const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
    const header = Buffer.alloc(9);
    header[0] = VERSION;
    header.writeBigUInt64BE(BigInt(now), 1);
    const signed = Buffer.concat([header, iv, ct]);
    const mac = crypto.createHmac('sha256', this.signingKey).update(signed).digest();
    return b64urlEncode(Buffer.concat([signed, mac]));
  }

  /**
   * Decrypts and authenticates. `ttl` in seconds is optional (stored secrets have none). As in
   * pyca/cryptography, the clock-skew check applies only with a ttl: a secret written by a host
   * whose clock ran ahead must still decrypt on the others.
   */
  decrypt(token: string, opts: { ttl?: number; now?: number } = {}): Buffer {
    const p = parse(token);
    this.verify(p);
    if (opts.ttl !== undefined) {
      const now = opts.now ?? Math.floor(Date.now() / 1000);
      if (p.timestamp + opts.ttl < now) throw new InvalidToken('expired');
      if (p.timestamp > now + MAX_CLOCK_SKEW_SECONDS) throw new InvalidToken('clock_skew');
    }
    if (p.ciphertext.length === 0 || p.ciphertext.length % 16 !== 0) throw new InvalidToken('block_size');
    try {
      const decipher = crypto.createDecipheriv('aes-128-cbc', this.encryptionKey, p.iv);
      return Buffer.concat([decipher.update(p.ciphertext), decipher.final()]);
    } catch {
      throw new InvalidToken('padding');
    }
  }

  /** The token's creation time (seconds), after checking its signature. */
  extractTimestamp(token: string): number {
    const p = parse(token);
    this.verify(p);
    return p.timestamp;
  }

  private verify(p: Parsed): void {
    const expected = crypto.createHmac('sha256', this.signingKey).update(p.signed).digest();
    if (!crypto.timingSafeEqual(p.mac, expected)) throw new InvalidToken('signature');
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
    // A wrong key fails at 'signature'; report the right key's reason (expired, padding) when one
    // key got further than that.
    let best: InvalidToken | undefined;
    for (const k of this.keys) {
      try {
        return k.decrypt(token, opts);
      } catch (e) {
        if (!(e instanceof InvalidToken)) throw e;
        if (!best || best.stage === 'signature') best = e;
      }
    }
    throw best ?? new InvalidToken('signature');
  }

  /**
   * Re-encrypts under the primary key. Keeps the token's original timestamp, as Python's
   * MultiFernet.rotate() does, so a ttl measured from creation still means the same thing.
   */
  rotate(token: string): string {
    const plaintext = this.decrypt(token);
    // Authentic: decrypt() just checked the MAC over these same bytes.
    return this.primary.encrypt(plaintext, { now: parse(token).timestamp });
  }
}
