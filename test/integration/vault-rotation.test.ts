import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Fernet, generateKey, MultiFernet } from '../../src/crypto/fernet';
import { Vault } from '../../src/secrets/vault';
import { createWorkspace } from '../../src/workspaces/create-workspace';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/throwaway-database';

const ROOT = path.resolve(__dirname, '../..');

describe('vault on the shared test database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('round-trips a secret per workspace; another workspace cannot read it', async () => {
    const a = await newWorkspace(t.ctx, 'Vault A');
    const b = await newWorkspace(t.ctx, 'Vault B');
    const creds = { api_id: 'yal-123', api_token: `tok_${generateKey()}` };
    await t.ctx.vault.put(a.workspace_id, 'courier_credentials', 'yalidine', creds);
    expect(await t.ctx.vault.get(a.workspace_id, 'courier_credentials', 'yalidine')).toEqual(creds);
    expect(await t.ctx.vault.has(a.workspace_id, 'courier_credentials', 'yalidine')).toBe(true);
    expect(await t.ctx.vault.get(b.workspace_id, 'courier_credentials', 'yalidine')).toBeNull();
    expect(await t.ctx.vault.has(b.workspace_id, 'courier_credentials', 'yalidine')).toBe(false);
    expect(await t.ctx.vault.get(a.workspace_id, 'courier_credentials', 'noest')).toBeNull();

    // put() replaces in place (one row per workspace/kind/ref).
    await t.ctx.vault.put(a.workspace_id, 'courier_credentials', 'yalidine', { ...creds, api_id: 'yal-456' });
    expect(await t.ctx.vault.get(a.workspace_id, 'courier_credentials', 'yalidine')).toMatchObject({ api_id: 'yal-456' });
    const rows = await t.ctx.knex('secrets').where({ workspace_id: a.workspace_id });
    expect(rows).toHaveLength(1);

    await t.ctx.vault.remove(a.workspace_id, 'courier_credentials', 'yalidine');
    expect(await t.ctx.vault.get(a.workspace_id, 'courier_credentials', 'yalidine')).toBeNull();
  });

  it('stores only the Fernet token, tagged with the encrypting key', async () => {
    const a = await newWorkspace(t.ctx);
    const token = `EAAG${generateKey().replace(/[^A-Za-z0-9]/g, '')}`;
    await t.ctx.vault.put(a.workspace_id, 'meta_token', 'page-1', token);
    const row = await t.ctx.knex('secrets').where({ workspace_id: a.workspace_id, kind: 'meta_token' }).first();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
    // A standard Fernet token of the configured key, tagged with that key's fingerprint.
    const key = t.ctx.config.fernetKeys![0]!;
    expect(row.key_id).toBe(new Fernet(key).keyId);
    expect(JSON.parse(new Fernet(key).decrypt(row.token).toString())).toBe(token);
  });
});

describe('`wakil keys rotate` on a database of its own', () => {
  // Rotation rewrites every row of the table, so it never runs on the shared test database.
  let tdb: ThrowawayDatabase;
  const oldKey = generateKey();
  const newKey = generateKey();
  const oldId = new Fernet(oldKey).keyId;
  const newId = new Fernet(newKey).keyId;
  const stored = new Map<string, { ws: string; ref: string; value: unknown }>();

  const rotateCli = (keys: string[], extra: string[] = []) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin/wakil.js'), 'keys', 'rotate', ...extra], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: tdb.url, FERNET_KEYS: keys.join(','), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });

  beforeAll(async () => {
    tdb = await createThrowawayDatabase('rotation');
    const vault = new Vault(tdb.db.knex, new MultiFernet([oldKey]));
    for (let w = 0; w < 3; w++) {
      const ws = await createWorkspace(tdb.db.knex, { name: `Rot ${w}`, ownerEmail: `rot-${w}@example.test` });
      for (let i = 0; i < 3; i++) {
        const ref = `courier-${i}`;
        const value = { token: `secret-${w}-${i}-${generateKey()}` };
        await vault.put(ws.workspace_id, 'courier_credentials', ref, value);
        stored.set(`${ws.workspace_id}/${ref}`, { ws: ws.workspace_id, ref, value });
      }
    }
  });
  afterAll(() => tdb.drop());

  /** How many secrets each key fingerprint encrypts. */
  const keyIds = async () => {
    const rows = (await tdb.db.knex('secrets').select('key_id').count({ n: '*' }).groupBy('key_id')) as Array<{ key_id: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
  };

  it('is resumable: an interrupted run leaves finished batches done and the rest untouched', async () => {
    expect(await keyIds()).toEqual({ [oldId]: 9 });
    const vault = new Vault(tdb.db.knex, new MultiFernet([newKey, oldKey]));
    const interrupted = vault.rotate({
      batchSize: 2,
      onProgress: () => {
        throw new Error('killed after the first batch');
      },
    });
    await expect(interrupted).rejects.toThrow('killed after the first batch');
    expect(await keyIds()).toEqual({ [oldId]: 7, [newId]: 2 });
  });

  it('re-encrypts the rest under the new key with progress output; then only the new key is needed', async () => {
    const before = await tdb.db.knex('secrets').select('id', 'token');
    const r = rotateCli([newKey, oldKey], ['--batch-size', '3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`under key ${newId}`);
    // 7 left, batches of 3: 3, 6, 7.
    expect(r.stdout).toMatch(/re-encrypted 3, 4 left\n.*re-encrypted 6, 1 left\n.*re-encrypted 7, 0 left/s);
    expect(r.stdout).toContain('Done: 7 secret(s) re-encrypted');
    expect(await keyIds()).toEqual({ [newId]: 9 });

    const after = await tdb.db.knex('secrets').select('id', 'token');
    const changed = after.filter((row) => before.find((b) => b.id === row.id)!.token !== row.token);
    expect(changed).toHaveLength(7);

    // Removing the old key loses nothing.
    const onlyNew = new Vault(tdb.db.knex, new MultiFernet([newKey]));
    for (const { ws, ref, value } of stored.values()) {
      expect(await onlyNew.get(ws, 'courier_credentials', ref)).toEqual(value);
    }
    const onlyOld = new Vault(tdb.db.knex, new MultiFernet([oldKey]));
    const any = stored.values().next().value!;
    await expect(onlyOld.get(any.ws, 'courier_credentials', any.ref)).rejects.toThrow(/invalid Fernet token/);
  });

  it('a second run finds nothing to do', () => {
    const r = rotateCli([newKey, oldKey]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Done: 0 secret(s) re-encrypted');
    expect(r.stdout).not.toMatch(/re-encrypted \d+, \d+ left/);
  });

  it('refuses a secret no key can open, naming the row but not the value, and changes nothing', async () => {
    const ws = (await tdb.db.knex('workspaces').first('id')).id as string;
    const strayValue = `stray-${generateKey()}`;
    const strayKey = generateKey();
    const [row] = await tdb.db.knex('secrets')
      .insert({ workspace_id: ws, kind: 'webhook_secret', ref: 'stray', token: new Fernet(strayKey).encrypt(JSON.stringify(strayValue)), key_id: new Fernet(strayKey).keyId })
      .returning('id');
    const third = generateKey();
    const r = rotateCli([third, newKey]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`secret ${row.id}`);
    expect(r.stderr + r.stdout).not.toContain(strayValue);
    // The failed batch rolled back: whatever the batch held, no row moved to the third key.
    expect(await tdb.db.knex('secrets').where({ key_id: new Fernet(third).keyId }).count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('refuses to run without FERNET_KEYS rather than rotate to a generated key', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/wakil.js'), 'keys', 'rotate'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: tdb.url, LOG_LEVEL: 'silent', DATA_DIR: '/nonexistent-wakil-data' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/FERNET_KEYS must be set/);
  });
});
