import { hashPassword, verifyPassword } from '../../src/accounts/passwords';

describe('password hashing (scrypt)', () => {
  const password = 'correct horse battery staple';
  let a: string;
  let b: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([hashPassword(password), hashPassword(password)]);
  });

  it('stores the algorithm, parameters, salt and hash, never the password', () => {
    const [alg, n, r, p, salt, hash] = a.split('$');
    expect(alg).toBe('scrypt');
    expect(Number(n)).toBeGreaterThanOrEqual(2 ** 15);
    expect(Number(r)).toBe(8);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32);
    expect(a).not.toContain(password);
  });

  it('salts each hash: the same password hashes differently', () => {
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('verifies the right password against either hash and rejects a wrong one', async () => {
    const [okA, okB, wrong, nearly, empty] = await Promise.all([
      verifyPassword(password, a),
      verifyPassword(password, b),
      verifyPassword('correct horse battery stapler', a),
      verifyPassword(password.toUpperCase(), a),
      verifyPassword('', a),
    ]);
    expect([okA, okB]).toEqual([true, true]);
    expect([wrong, nearly, empty]).toEqual([false, false, false]);
  });

  it('rejects malformed or foreign hashes instead of throwing', async () => {
    expect(await verifyPassword(password, '')).toBe(false);
    expect(await verifyPassword(password, 'bcrypt$2b$10$abc')).toBe(false);
    expect(await verifyPassword(password, a.replace(/\$[^$]+$/, '$'))).toBe(false);
    // A tampered hash (one byte flipped) no longer verifies.
    const parts = a.split('$');
    const h = Buffer.from(parts[5]!, 'base64');
    h[0] = h[0]! ^ 0xff;
    parts[5] = h.toString('base64');
    expect(await verifyPassword(password, parts.join('$'))).toBe(false);
  });
});
