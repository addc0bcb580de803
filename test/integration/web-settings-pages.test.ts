import crypto from 'node:crypto';
import { currentPeriod } from '../../src/billing/plans';
import { startFakeChargily } from '../fakes/chargily-server';
import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

const SECRET = 'test_sk_wakil_pages_0123456789';

describe('settings pages: courier tariffs and delivery options, Google Sheet state, billing', () => {
  let t: TestApp;
  let chargily: Awaited<ReturnType<typeof startFakeChargily>>;
  beforeAll(async () => {
    chargily = await startFakeChargily(SECRET);
    t = await startTestApp({ env: { CHARGILY_BASE_URL: chargily.baseUrl, CHARGILY_SECRET_KEY: SECRET, PUBLIC_BASE_URL: 'https://wakil.example' } });
  });
  afterAll(async () => {
    await t.close();
    await chargily.close();
  });

  async function shop(tag: string) {
    const c = new WebClient(t.app);
    await c.signUp({ shop: `Shop ${tag}`, email: uniqueEmail(tag) });
    const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
    return { c, ws };
  }

  it('syncs the courier, sets and removes a tariff override through the page, and saves the stop-desk preference', async () => {
    const { c, ws } = await shop('tariffs');
    await c.get('/couriers');
    await c.agent.put('/api/v1/couriers/fake').set('x-csrf-token', c.csrf).send({ credentials: { token: `t-${ws}` }, active: true }).expect(200);
    const page = await c.get('/couriers');
    expect(page.text).toContain('action="/couriers/fake/sync"');
    expect(page.text).toContain('href="/couriers/fake/tariffs"');

    const synced = await c.post('/couriers/fake/sync');
    expect(synced.status).toBe(200);
    // The fake courier has no grid: one quote per wilaya (16 and 31), home and stop desk.
    expect(synced.text).toContain('4 lignes de tarifs');

    const before = await c.get('/couriers/fake/tariffs');
    expect(before.status).toBe(200);
    const row16 = before.text.slice(before.text.indexOf('data-tariff="16|"'), before.text.indexOf('</tr>', before.text.indexOf('data-tariff="16|"')));
    expect(row16).not.toContain('data-override');

    const bad = await c.post('/couriers/fake/tariffs', { wilaya_code: '16', commune_code: '', delivery_type: 'home', fee: 'beaucoup' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="f-fee-err"');

    const set = await c.post('/couriers/fake/tariffs', { wilaya_code: '16', commune_code: '', delivery_type: 'home', fee: '350', back_wilaya: '' });
    expect(set.status).toBe(303);
    const overrides = (await c.agent.get('/api/v1/couriers/fake/tariffs?source=override').expect(200)).body.tariffs;
    expect(overrides).toEqual([expect.objectContaining({ wilaya_code: 16, commune_code: null, delivery_type: 'home', fee: 350, source: 'override' })]);
    const after = (await c.get('/couriers/fake/tariffs')).text;
    expect(after).toContain('data-override="350"');

    const removed = await c.post('/couriers/fake/tariffs', { wilaya_code: '16', commune_code: '', delivery_type: 'home', fee: '' });
    expect(removed.status).toBe(303);
    expect((await c.agent.get('/api/v1/couriers/fake/tariffs?source=override').expect(200)).body.tariffs).toEqual([]);

    await c.get('/couriers');
    expect((await c.post('/couriers/delivery-options', { offer_stopdesk: 'on' })).status).toBe(303);
    expect((await c.agent.get('/api/v1/agent').expect(200)).body.agent.delivery_options).toEqual(['stopdesk']);
    const none = await c.post('/couriers/delivery-options', {});
    expect(none.status).toBe(400);
    expect(none.text).toContain('id="dopt-err"');
    expect((await c.agent.get('/api/v1/agent').expect(200)).body.agent.delivery_options).toEqual(['stopdesk']);
  });

  it('shows the sheet state in plain words: email to share with, last success, pending rows, last error', async () => {
    const { c, ws } = await shop('sheet');
    await t.ctx.knex('sheet_connections').insert({
      workspace_id: ws, spreadsheet_id: 'sheet-123', client_email: 'wakil-bot@proj.iam.gserviceaccount.com', state: 'error',
      last_success_at: new Date('2026-01-02T10:00:00Z'), last_error: 'Share the spreadsheet with wakil-bot@proj.iam.gserviceaccount.com as Editor.', last_error_code: 'not_shared', last_error_at: new Date(),
    });
    await t.ctx.knex('orders').insert({ workspace_id: ws, source: 'api', total: 1 }).returning('id').then(([o]) =>
      t.ctx.knex('sheet_rows').insert({ workspace_id: ws, entity: 'order', entity_id: o.id, change_seq: 1 }),
    );
    const r = await c.get('/sheet');
    expect(r.status).toBe(200);
    expect(r.text).toContain('wakil-bot@proj.iam.gserviceaccount.com');
    expect(r.text).toContain('data-sheet-state="error"');
    expect(r.text).toContain("La feuille n&#39;est pas partagée en éditeur");
    expect(r.text).toMatch(/data-sheet="pending">1 lignes en attente/);
    expect(r.text).toMatch(/data-sheet="last-success">[^<]*2026/);
    // Columns the merchant dragged around have their own heading (the service's sentence follows).
    await t.ctx.knex('sheet_connections').where({ workspace_id: ws }).update({ last_error_code: 'columns_moved', last_error: 'Remettez les colonnes dans cet ordre : A ID commande, B Date.' });
    const moved = await c.get('/sheet');
    expect(moved.text).toContain('Des colonnes ont été déplacées dans la feuille');
    expect(moved.text).toContain('Remettez les colonnes dans cet ordre');
  });

  it('billing: plan, usage against the limit, notices on the page and the dashboard, upgrade through Chargily (owner only)', async () => {
    const { c, ws } = await shop('billing');
    // billing_usage counts conversations (no foreign key): three distinct ids this month.
    await t.ctx.knex('billing_usage').insert([1, 2, 3].map(() => ({ workspace_id: ws, period: currentPeriod(), conversation_id: crypto.randomUUID() })));
    await t.ctx.knex('workspace_notices').insert({ workspace_id: ws, kind: 'plan_near_limit', key: currentPeriod(), message: 'You have used 40 of the 50 AI conversations.' });

    const page = await c.get('/billing');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-plan="free"');
    expect(page.text).toContain('data-used="3" data-limit="50"');
    expect(page.text).toContain('data-notice="plan_near_limit"');
    expect(page.text).toContain('Bientôt à la limite de votre formule');
    const home = (await c.get('/')).text;
    expect(home).toContain('id="bill-h"');
    expect(home).toContain('You have used 40 of the 50 AI conversations.');

    await c.get('/billing');
    const go = await c.post('/billing/checkout', { plan: 'starter' });
    expect(go.status).toBe(303);
    expect(go.headers.location).toContain('/checkouts/');
    const sent = chargily.requests.filter((r) => r.method === 'POST').pop()!;
    expect(sent.body).toMatchObject({ amount: 2900, locale: 'fr', metadata: { workspace_id: ws, plan: 'starter' }, success_url: 'https://wakil.example/billing?result=ok' });
    const unknown = await c.post('/billing/checkout', { plan: 'gold' });
    expect(unknown.status).toBe(400);

    // An admin (not the owner) sees neither the page nor the section.
    const token = /\/invite\/([\w-]+)/.exec((await c.get('/workspace').then(() => c.post('/workspace/invites', { role: 'admin', email: '' }))).text)![1]!;
    const admin = new WebClient(t.app);
    await admin.get(`/invite/${token}`);
    await admin.post(`/invite/${token}`, { name: 'Admin', email: uniqueEmail('adm'), password: 'admin password 1' });
    expect((await admin.get('/billing')).status).toBe(403);
    expect((await admin.post('/billing/checkout', { plan: 'starter' })).status).toBe(403);
    expect((await admin.get('/')).text).not.toContain('id="bill-h"');
  });
});
