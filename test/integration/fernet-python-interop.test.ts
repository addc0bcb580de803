import { execFileSync } from 'node:child_process';
import { Fernet, generateKey, MultiFernet } from '../../src/crypto/fernet';

/**
 * A second implementation in both directions: pyca/cryptography (the reference most Fernet users
 * run). Keys and tokens go through stdin as JSON, never argv (visible in `ps`) or a temp file.
 */
const PY = `
import json, sys
from cryptography.fernet import Fernet, MultiFernet
req = json.load(sys.stdin)
op = req["op"]
if op == "decrypt":
    f = MultiFernet([Fernet(k) for k in req["keys"]])
    out = {"plain": f.decrypt(req["token"].encode(), ttl=req.get("ttl")).decode("utf-8")}
elif op == "encrypt":
    f = Fernet(req["keys"][0])
    out = {"token": f.encrypt_at_time(req["plain"].encode("utf-8"), req["now"]).decode() if "now" in req else f.encrypt(req["plain"].encode("utf-8")).decode()}
elif op == "rotate":
    f = MultiFernet([Fernet(k) for k in req["keys"]])
    out = {"token": f.rotate(req["token"].encode()).decode()}
elif op == "timestamp":
    out = {"timestamp": Fernet(req["keys"][0]).extract_timestamp(req["token"].encode())}
elif op == "key":
    out = {"key": Fernet.generate_key().decode()}
print(json.dumps(out))
`;

function python<T>(req: Record<string, unknown>): T {
  const out = execFileSync('python3', ['-c', PY], { input: JSON.stringify(req), encoding: 'utf8', timeout: 15_000 });
  return JSON.parse(out) as T;
}

function pythonRejects(req: Record<string, unknown>): boolean {
  try {
    execFileSync('python3', ['-c', PY], { input: JSON.stringify(req), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
    return false;
  } catch (e) {
    return /InvalidToken/.test(String((e as { stderr?: string }).stderr));
  }
}

describe('Fernet interop with Python cryptography', () => {
  const plain = 'EAAG token for page 1234 — مرحبا ✓';

  it('a token made here decrypts in Python (with and without ttl)', () => {
    const key = generateKey();
    const token = new Fernet(key).encrypt(plain);
    expect(python<{ plain: string }>({ op: 'decrypt', keys: [key], token }).plain).toBe(plain);
    expect(python<{ plain: string }>({ op: 'decrypt', keys: [key], token, ttl: 60 }).plain).toBe(plain);
    // Python reads the same timestamp we wrote.
    const old = new Fernet(key).encrypt(plain, { now: 1_700_000_000 });
    expect(python<{ timestamp: number }>({ op: 'timestamp', keys: [key], token: old }).timestamp).toBe(1_700_000_000);
    // And refuses it with the wrong key or past its ttl, as we do.
    expect(pythonRejects({ op: 'decrypt', keys: [generateKey()], token })).toBe(true);
    expect(pythonRejects({ op: 'decrypt', keys: [key], token: old, ttl: 60 })).toBe(true);
  });

  it('a token made in Python decrypts here, with a key Python generated', () => {
    const { key } = python<{ key: string }>({ op: 'key' });
    const { token } = python<{ token: string }>({ op: 'encrypt', keys: [key], plain });
    expect(new Fernet(key).decrypt(token, { ttl: 60 }).toString('utf8')).toBe(plain);
    const { token: dated } = python<{ token: string }>({ op: 'encrypt', keys: [key], plain, now: 1_600_000_000 });
    expect(new Fernet(key).extractTimestamp(dated)).toBe(1_600_000_000);
    expect(new Fernet(key).decrypt(dated).toString('utf8')).toBe(plain);
  });

  it('rotation agrees both ways: Python rotates ours, we rotate Python’s', () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const ours = new Fernet(oldKey).encrypt(plain, { now: 1_650_000_000 });
    const { token: rotatedByPython } = python<{ token: string }>({ op: 'rotate', keys: [newKey, oldKey], token: ours });
    expect(new Fernet(newKey).decrypt(rotatedByPython).toString('utf8')).toBe(plain);
    expect(new Fernet(newKey).extractTimestamp(rotatedByPython)).toBe(1_650_000_000);

    const { token: theirs } = python<{ token: string }>({ op: 'encrypt', keys: [oldKey], plain, now: 1_650_000_000 });
    const rotatedHere = new MultiFernet([newKey, oldKey]).rotate(theirs);
    expect(python<{ plain: string }>({ op: 'decrypt', keys: [newKey], token: rotatedHere }).plain).toBe(plain);
    expect(python<{ timestamp: number }>({ op: 'timestamp', keys: [newKey], token: rotatedHere }).timestamp).toBe(1_650_000_000);
  });
});
