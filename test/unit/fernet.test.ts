import crypto from 'node:crypto';
import { Fernet, generateKey, InvalidToken, MultiFernet, type InvalidTokenStage } from '../../src/crypto/fernet';
import generateVectors from '../fixtures/fernet-spec/generate.json';
import invalidVectors from '../fixtures/fernet-spec/invalid.json';
import verifyVectors from '../fixtures/fernet-spec/verify.json';

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The stage each spec vector is built to fail at (its `desc`, in the spec's words). */
const EXPECTED_STAGE: Record<string, InvalidTokenStage> = {
  'incorrect mac': 'signature',
  'too short': 'length',
  'invalid base64': 'base64',
  'payload size not multiple of block size': 'block_size',
  'payload padding error': 'padding',
  'far-future TS (unacceptable clock skew)': 'clock_skew',
  'expired TTL': 'expired',
  'incorrect IV (causes padding error)': 'padding',
};

function failure(fn: () => unknown): InvalidToken {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidToken) return e;
    throw e;
  }
  throw new Error('expected InvalidToken, but the token was accepted');
}

describe('Fernet: the spec vectors', () => {
  it.each(generateVectors.map((v) => [v.src, v]))('generate.json reproduces the token for %j', (_src, v) => {
    const token = new Fernet(v.secret).encrypt(v.src, { now: seconds(v.now), iv: Buffer.from(v.iv) });
    expect(token).toBe(v.token);
  });

  it.each(verifyVectors.map((v) => [v.src, v]))('verify.json decrypts to %j at `now` within the ttl', (_src, v) => {
    const plain = new Fernet(v.secret).decrypt(v.token, { ttl: v.ttl_sec, now: seconds(v.now) });
    expect(plain.toString('utf8')).toBe(v.src);
  });

  it('has an expected failure stage for every invalid vector', () => {
    expect(invalidVectors.length).toBeGreaterThanOrEqual(8);
    for (const v of invalidVectors) expect(EXPECTED_STAGE).toHaveProperty([v.desc]);
  });

  it.each(invalidVectors.map((v) => [v.desc, v]))('invalid.json rejects "%s" at the right stage', (desc, v) => {
    const err = failure(() => new Fernet(v.secret).decrypt(v.token, { ttl: v.ttl_sec, now: seconds(v.now) }));
    expect(err.stage).toBe(EXPECTED_STAGE[desc]);
    // The error never echoes the token.
    expect(err.message).not.toContain(v.token.slice(0, 20));
    // MultiFernet, with a wrong key tried first, still reports the right key's reason.
    const multi = failure(() => new MultiFernet([generateKey(), v.secret]).decrypt(v.token, { ttl: v.ttl_sec, now: seconds(v.now) }));
    expect(multi.stage).toBe(EXPECTED_STAGE[desc]);
  });
});

describe('Fernet: behaviour beyond the vectors', () => {
  it('round-trips text and binary with a fresh IV each time', () => {
    const f = new Fernet(generateKey());
    const a = f.encrypt('مرحبا, salut');
    const b = f.encrypt('مرحبا, salut');
    expect(a).not.toBe(b);
    expect(f.decrypt(a).toString('utf8')).toBe('مرحبا, salut');
    const bin = crypto.randomBytes(100);
    expect(f.decrypt(f.encrypt(bin)).equals(bin)).toBe(true);
    expect(f.decrypt(f.encrypt('')).toString()).toBe('');
  });

  it('generates 32-byte urlsafe keys with padding, and rejects malformed keys', () => {
    const k = generateKey();
    expect(k).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(k, 'base64url')).toHaveLength(32);
    expect(() => new Fernet(k.slice(0, 40))).toThrow(/32 bytes/);
    expect(() => new Fernet('not a key at all!!!!')).toThrow(/32 bytes/);
  });

  it('checks clock skew only when a ttl is given, so stored secrets survive a fast clock elsewhere', () => {
    const f = new Fernet(generateKey());
    const now = 1_800_000_000;
    const future = f.encrypt('x', { now: now + 3600 });
    expect(f.decrypt(future, { now }).toString()).toBe('x');
    expect(failure(() => f.decrypt(future, { now, ttl: 7200 })).stage).toBe('clock_skew');
    // 60 s of skew is tolerated, 61 s is not.
    expect(f.decrypt(f.encrypt('x', { now: now + 60 }), { now, ttl: 10 }).toString()).toBe('x');
    expect(failure(() => f.decrypt(f.encrypt('x', { now: now + 61 }), { now, ttl: 10 })).stage).toBe('clock_skew');
  });

  it('rejects a token whose timestamp was altered, and a token of another key', () => {
    const key = generateKey();
    const f = new Fernet(key);
    const raw = Buffer.from(f.encrypt('secret'), 'base64url');
    raw[8] = raw[8]! ^ 1;
    const b64 = raw.toString('base64url');
    expect(failure(() => f.decrypt(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='))).stage).toBe('signature');
    expect(failure(() => new Fernet(generateKey()).decrypt(f.encrypt('x'))).stage).toBe('signature');
  });

  it('extracts the authenticated creation timestamp', () => {
    const f = new Fernet(generateKey());
    expect(f.extractTimestamp(f.encrypt('x', { now: 1_700_000_123 }))).toBe(1_700_000_123);
    expect(failure(() => new Fernet(generateKey()).extractTimestamp(f.encrypt('x'))).stage).toBe('signature');
  });
});

describe('MultiFernet', () => {
  const k1 = generateKey();
  const k2 = generateKey();
  const k3 = generateKey();

  it('encrypts with the first key and decrypts with any of them', () => {
    const multi = new MultiFernet([k1, k2]);
    const token = multi.encrypt('hello');
    expect(new Fernet(k1).decrypt(token).toString()).toBe('hello');
    expect(failure(() => new Fernet(k2).decrypt(token)).stage).toBe('signature');
    expect(multi.decrypt(new Fernet(k2).encrypt('old')).toString()).toBe('old');
    expect(multi.primary.keyId).toBe(new Fernet(k1).keyId);
    expect(multi.primary.keyId).not.toBe(new Fernet(k2).keyId);
    expect(failure(() => multi.decrypt(new Fernet(k3).encrypt('other'))).stage).toBe('signature');
    expect(() => new MultiFernet([])).toThrow();
  });

  it('rotate() re-encrypts under the first key and keeps the original timestamp', () => {
    const created = Math.floor(Date.now() / 1000) - 86_400;
    const old = new Fernet(k2).encrypt('rotate me', { now: created });
    const rotated = new MultiFernet([k1, k2]).rotate(old);
    expect(rotated).not.toBe(old);
    // Only the new key is needed afterwards.
    expect(new Fernet(k1).decrypt(rotated).toString()).toBe('rotate me');
    expect(new Fernet(k1).extractTimestamp(rotated)).toBe(created);
    // Rotating an already-rotated token is harmless.
    expect(new Fernet(k1).decrypt(new MultiFernet([k1, k2]).rotate(rotated)).toString()).toBe('rotate me');
    // A token no key can open is refused, not silently re-encrypted.
    expect(() => new MultiFernet([k1, k2]).rotate(new Fernet(k3).encrypt('x'))).toThrow(InvalidToken);
  });
});
