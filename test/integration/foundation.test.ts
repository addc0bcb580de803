import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseConfig, ConfigError } from '../../src/config';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

const ROOT = path.resolve(__dirname, '../..');

describe('foundation: service, auth, CLI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /healthz, /readyz (database and migrations) and /metrics', async () => {
    await t.http().get('/healthz').expect(200, { status: 'ok' });
    const ready = await t.http().get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', database: 'postgres' });
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toContain('wakil_http_requests_total');
    // Queue depth per state is exported for operators (dead letters live in <job>__dead queues).
    expect(metrics.text).toMatch(/wakil_jobs\{queue="[^"]+",state="[^"]+"\} \d+|# TYPE wakil_jobs gauge/);
    expect(metrics.headers['x-request-id']).toBeTruthy();
  });

  it('rejects missing and wrong API keys with a typed error', async () => {
    const none = await t.http().get('/api/v1/workspace').expect(401);
    expect(none.body.error.type).toBe('unauthorized');
    const bad = await t.http().get('/api/v1/workspace').set('Authorization', 'Bearer wk_live_nope').expect(401);
    expect(bad.body.error.message).toMatch(/API key/);
  });

  it('scopes a key to its own workspace, and a revoked key stops working', async () => {
    const a = await newWorkspace(t.ctx, 'Shop A');
    const b = await newWorkspace(t.ctx, 'Shop B');
    const ra = await t.http().get('/api/v1/workspace').set(a.auth).expect(200);
    expect(ra.body.workspace).toMatchObject({ id: a.workspace_id, name: 'Shop A' });
    const created = await t.http().post('/api/v1/api-keys').set(b.auth).send({ name: 'zapier' }).expect(201);
    expect(created.body.api_key).toMatch(/^wk_live_/);
    const listed = await t.http().get('/api/v1/api-keys').set(b.auth).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.api_key);
    // Workspace A cannot revoke B's key: it is not found from A's side.
    await t.http().delete(`/api/v1/api-keys/${created.body.id}`).set(a.auth).expect(404);
    await t.http().delete(`/api/v1/api-keys/${created.body.id}`).set(b.auth).expect(204);
    await t.http().get('/api/v1/workspace').set('Authorization', `Bearer ${created.body.api_key}`).expect(401);
  });

  it('returns 404 JSON for unknown routes and 400 for malformed JSON', async () => {
    const a = await newWorkspace(t.ctx);
    const nf = await t.http().get('/nope').expect(404);
    expect(nf.body.error.type).toBe('not_found');
    const bad = await t.http().post('/api/v1/api-keys').set(a.auth).set('content-type', 'application/json').send('{"name":').expect(400);
    expect(bad.body.error.type).toBe('invalid_input');
  });

  it('`wakil workspace create --json` prints a key that authenticates', async () => {
    const out = execFileSync(
      process.execPath,
      [path.join(ROOT, 'bin/wakil.js'), 'workspace', 'create', '--name', 'CLI Shop', '--owner-email', `cli-${Date.now()}@example.test`, '--json'],
      { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: process.env.TEST_DATABASE_URL, LOG_LEVEL: 'silent' }, encoding: 'utf8' },
    );
    const created = JSON.parse(out);
    expect(created.workspace_id).toMatch(/^[0-9a-f-]{36}$/);
    const r = await t.http().get('/api/v1/workspace').set('Authorization', `Bearer ${created.api_key}`).expect(200);
    expect(r.body.workspace.name).toBe('CLI Shop');
    const row = await t.ctx.knex('api_keys').where({ workspace_id: created.workspace_id }).first();
    expect(row.key_hash).toHaveLength(64);
    expect(row.key_hash).not.toContain(created.api_key);
  });
});

describe('configuration', () => {
  it('reports every bad value at once, naming the variable', () => {
    let err: unknown;
    try {
      parseConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', META_GRAPH_BASE_URL: 'not a url' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('PORT');
    expect(msg).toContain('DATABASE_URL');
    expect(msg).toContain('META_GRAPH_BASE_URL');
  });

  it('refuses a malformed Fernet key without printing it', () => {
    let msg = '';
    try {
      parseConfig({ FERNET_KEYS: 'not-a-real-key-secret-value' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('FERNET_KEYS: key #1 is not a Fernet key');
    expect(msg).not.toContain('not-a-real-key-secret-value');
  });

  it('requires FERNET_KEYS in production and applies defaults otherwise', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/FERNET_KEYS/);
    const c = parseConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.courierBaseUrls.yalidine).toBe('https://api.yalidine.app/v1/');
    expect(c.role).toBe('all');
  });
});
