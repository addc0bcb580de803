import { quoteDelivery, setTariffOverride } from '../../src/shipping/tariffs';
import { startFakeYalidine, type FakeYalidine } from '../fakes/couriers/yalidine-server';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

const creds = { api_id: 'yal-int-id', api_token: 'yal-int-token-SECRET' };

describe('couriers: merchant API, reference sync, tariffs and quoteDelivery', () => {
  let t: TestApp;
  let yal: FakeYalidine;
  beforeAll(async () => {
    yal = await startFakeYalidine({ apiId: creds.api_id, apiToken: creds.api_token });
    t = await startTestApp({ env: { COURIER_YALIDINE_BASE_URL: yal.baseUrl } });
  });
  afterAll(async () => {
    await t.close();
    await yal.close();
  });

  async function connected() {
    const ws = await newWorkspace(t.ctx);
    await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ credentials: creds, settings: { origin_wilaya: 16 }, active: true }).expect(200);
    return ws;
  }

  it('validates credentials and settings with the courier schema, naming the field', async () => {
    const ws = await newWorkspace(t.ctx);
    const bad = await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ credentials: { api_id: 'x' }, active: true }).expect(400);
    expect(bad.body.error.type).toBe('invalid_input');
    expect(bad.body.error.message).toContain('credentials.api_token');
    const eco = await t.http().put('/api/v1/couriers/ecotrack').set(ws.auth).send({ credentials: { token: 't' }, settings: {}, active: true }).expect(400);
    expect(eco.body.error.message).toContain('settings.base_url');
    await t.http().put('/api/v1/couriers/dhl').set(ws.auth).send({ credentials: {}, active: true }).expect(404);
    // The test-only courier is reachable in the test configuration, like any other.
    await t.http().put('/api/v1/couriers/fake').set(ws.auth).send({ credentials: { token: 'ok' }, active: false }).expect(200);
  });

  it('stores credentials write-only, tests them, and keeps one active courier', async () => {
    const ws = await connected();
    const list = await t.http().get('/api/v1/couriers').set(ws.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(creds.api_token);
    expect(list.body.couriers).toEqual([expect.objectContaining({ courier: 'yalidine', active: true, has_credentials: true, settings: { origin_wilaya: 16, auto_ship: true, host: 'yalidine' } })]);
    expect(list.body.available.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['yalidine', 'zr-express', 'procolis', 'maystro', 'noest', 'ecotrack', 'anderson']));
    const ok = await t.http().post('/api/v1/couriers/yalidine/test').set(ws.auth).expect(200);
    expect(ok.body).toEqual({ ok: true, message: 'Yalidine accepted these credentials' });

    await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ credentials: { ...creds, api_token: 'wrong' }, active: true }).expect(200);
    const refused = await t.http().post('/api/v1/couriers/yalidine/test').set(ws.auth).expect(200);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.message).toMatch(/Yalidine refused the credentials/);

    await t.http().put('/api/v1/couriers/fake').set(ws.auth).send({ credentials: { token: 'x' }, active: true }).expect(200);
    const after = await t.http().get('/api/v1/couriers').set(ws.auth).expect(200);
    expect(after.body.couriers.filter((c: { active: boolean }) => c.active).map((c: { courier: string }) => c.courier)).toEqual(['fake']);
    // Settings survive a credentials-less update.
    await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ active: true }).expect(200);
  });

  it('syncs geography to our ONS codes (accent-insensitive, moved communes under their former wilaya) and tariffs', async () => {
    const ws = await connected();
    const sync = await t.http().post('/api/v1/couriers/yalidine/sync').set(ws.auth).expect(200);
    expect(sync.body.reference).toMatchObject({ communes: 8, matched: 8, unmatched: [], stopdesks: 3 });
    expect(sync.body.tariffs).toBeGreaterThan(0);
    const mapped = await t.ctx.knex('courier_communes').where({ workspace_id: ws.workspace_id, courier: 'yalidine' }).orderBy('commune_code').pluck('commune_code');
    expect(mapped).toEqual(['0501', '0542', '0601', '1601', '1605', '1609', '1630', '3101']);
    const rais = await t.ctx.knex('courier_communes').where({ workspace_id: ws.workspace_id, commune_code: '1609' }).first();
    expect(rais.courier_commune_name).toBe('Bir Mourad Rais');

    // A re-sync is idempotent.
    await t.http().post('/api/v1/couriers/yalidine/sync').set(ws.auth).expect(200);
    const n = Number((await t.ctx.knex('courier_communes').where({ workspace_id: ws.workspace_id }).count({ n: '*' }).first())!.n);
    expect(n).toBe(8);
  });

  it('quoteDelivery: synced commune fee, merchant overrides win, 59..69 priced as the parent wilaya', async () => {
    const ws = await connected();
    await t.http().post('/api/v1/couriers/yalidine/sync').set(ws.auth).expect(200);
    const q = await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 16, communeCode: '1609', deliveryType: 'home' });
    // Fake fees: same wilaya base 400 + 50 × the commune's position in wilaya 16 (Bir Mourad Rais is 3rd).
    expect(q).toMatchObject({ fee: 500, courier: 'yalidine', deliveryType: 'home', source: 'synced', wilaya: 16, communeCode: '1609', delayDays: 1 });
    const wide = await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: '16', deliveryType: 'home' });
    expect(wide).toMatchObject({ fee: 400, source: 'synced' });

    await t.http().put('/api/v1/couriers/yalidine/tariffs').set(ws.auth).send({ overrides: [{ wilaya_code: 16, delivery_type: 'home', fee: 350 }] }).expect(200);
    expect(await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 16, communeCode: '1609', deliveryType: 'home' })).toMatchObject({ fee: 350, source: 'override' });
    await setTariffOverride(t.ctx, ws.workspace_id, 'yalidine', { wilayaCode: 16, communeCode: '1609', deliveryType: 'home', fee: 300 });
    expect(await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 16, communeCode: '1609', deliveryType: 'home' })).toMatchObject({ fee: 300, source: 'override', communeCode: '1609' });
    expect(await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 16, communeCode: '1605', deliveryType: 'home' })).toMatchObject({ fee: 350, source: 'override' });
    const listed = await t.http().get('/api/v1/couriers/yalidine/tariffs?source=override').set(ws.auth).expect(200);
    expect(listed.body.tariffs.map((r: { commune_code: string | null; fee: number }) => [r.commune_code, r.fee])).toEqual([['1609', 300], [null, 350]]);

    // Barika moved to wilaya 60 in 2026; couriers still file it under Batna (5).
    const barika = await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 60, communeCode: '0542', deliveryType: 'home' });
    expect(barika).toMatchObject({ wilaya: 5, source: 'synced' });
    const w60 = await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 60, deliveryType: 'home' });
    expect(w60.wilaya).toBe(5);

    await expect(quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 16, communeCode: '3101', deliveryType: 'home' })).rejects.toThrow(/not in wilaya/);
    const bad = await t.http().put('/api/v1/couriers/yalidine/tariffs').set(ws.auth).send({ overrides: [{ wilaya_code: 16, delivery_type: 'home', fee: 12.5 }] }).expect(400);
    expect(bad.body.error.type).toBe('invalid_input');
  });

  it('quoteDelivery falls back to a live quote when nothing is synced, and says clearly when no courier is set up', async () => {
    const ws = await connected();
    const live = await quoteDelivery(t.ctx, ws.workspace_id, { wilayaCode: 31, deliveryType: 'stopdesk' });
    expect(live).toMatchObject({ source: 'live', courier: 'yalidine', fee: expect.any(Number) });
    const none = await newWorkspace(t.ctx);
    await expect(quoteDelivery(t.ctx, none.workspace_id, { wilayaCode: 16, deliveryType: 'home' })).rejects.toMatchObject({ type: 'not_found', message: expect.stringMatching(/No courier is set up/) });
  });
});
