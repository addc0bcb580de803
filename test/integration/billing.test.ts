import { checkAiAllowance } from '../../src/billing/allowance';
import { startFakeChargily } from '../fakes/chargily-server';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

const SECRET = 'test_sk_wakil_fake_0123456789';

describe('billing with Chargily Pay V2', () => {
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

  const postEvent = (body: string, signature?: string) => {
    const r = t.http().post('/webhooks/chargily').set('content-type', 'application/json');
    if (signature !== undefined) r.set('signature', signature);
    return r.send(body);
  };

  it('creates a checkout and activates the plan only on a verified paid event, once', async () => {
    const ws = await newWorkspace(t.ctx);
    const co = await t.http().post('/api/v1/billing/checkout').set(ws.auth).send({ plan: 'starter' }).expect(201);
    expect(co.body).toMatchObject({ plan: 'starter', amount: 2900 });
    expect(co.body.checkout_url).toContain('/checkouts/');
    const sent = chargily.requests.find((r) => r.method === 'POST')!;
    expect(sent.auth).toBe(`Bearer ${SECRET}`);
    expect(sent.body).toMatchObject({ amount: 2900, currency: 'dzd', webhook_endpoint: 'https://wakil.example/webhooks/chargily', metadata: { workspace_id: ws.workspace_id, plan: 'starter' } });

    // The success redirect is not proof of payment: still free.
    expect((await t.http().get('/api/v1/billing').set(ws.auth).expect(200)).body.plan).toBe('free');

    // Forged and unsigned events are refused and change nothing.
    const paid = chargily.event(co.body.checkout_id, 'paid');
    const { body, signature } = chargily.signed(paid);
    await postEvent(body).expect(401);
    await postEvent(body, chargily.signed(paid, 'test_sk_attacker').signature).expect(401);
    await postEvent(body.replace('"amount":2900', '"amount":2901'), signature).expect(401);
    expect((await t.http().get('/api/v1/billing').set(ws.auth).expect(200)).body.plan).toBe('free');

    const ok = await postEvent(body, signature).expect(200);
    expect(ok.body.outcome).toBe('applied');
    const after = (await t.http().get('/api/v1/billing').set(ws.auth).expect(200)).body;
    expect(after.plan).toBe('starter');
    expect(after.conversations_limit).toBe(500);
    const until1 = new Date(after.plan_until).getTime();
    expect(until1).toBeGreaterThan(Date.now() + 29 * 86400_000);

    // A replay of the same event, and a second event for the same paid checkout, extend nothing.
    expect((await postEvent(body, signature).expect(200)).body.outcome).toBe('duplicate');
    const again = chargily.signed(chargily.event(co.body.checkout_id, 'paid'));
    expect((await postEvent(again.body, again.signature).expect(200)).body.outcome).toBe('duplicate');
    const ws2 = await t.ctx.knex('workspaces').where({ id: ws.workspace_id }).first('plan_until');
    expect(new Date(ws2.plan_until).getTime()).toBe(until1);
  });

  it('does not activate on failed events or on a paid event whose amount differs', async () => {
    const ws = await newWorkspace(t.ctx);
    const a = await t.http().post('/api/v1/billing/checkout').set(ws.auth).send({ plan: 'pro' }).expect(201);
    const failed = chargily.signed(chargily.event(a.body.checkout_id, 'failed'));
    expect((await postEvent(failed.body, failed.signature).expect(200)).body.outcome).toBe('ignored');
    const b = await t.http().post('/api/v1/billing/checkout').set(ws.auth).send({ plan: 'pro' }).expect(201);
    const cheap = chargily.signed(chargily.event(b.body.checkout_id, 'paid', { amount: 100 }));
    expect((await postEvent(cheap.body, cheap.signature).expect(200)).body.outcome).toBe('ignored');
    expect((await t.http().get('/api/v1/billing').set(ws.auth).expect(200)).body.plan).toBe('free');
  });

  it('rejects unknown plans and reports Chargily refusals in words', async () => {
    const ws = await newWorkspace(t.ctx);
    const r = await t.http().post('/api/v1/billing/checkout').set(ws.auth).send({ plan: 'gold' }).expect(400);
    expect(r.body.error.message).toMatch(/starter or pro/);
  });

  it('counts AI conversations against the plan, warns near the limit, and never cuts one mid-order', async () => {
    const ws = await newWorkspace(t.ctx);
    const k = t.ctx.knex;
    const [channel] = await k('channels').insert({ workspace_id: ws.workspace_id, kind: 'whatsapp', external_id: `pn-bill-${Date.now()}` }).returning('id');
    const conv = async (i: number) => {
      const [c] = await k('customers').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, external_id: `c${i}` }).returning('id');
      const [cv] = await k('conversations').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, customer_id: c.id }).returning('id');
      return cv.id as string;
    };
    const ids: string[] = [];
    for (let i = 0; i < 51; i++) ids.push(await conv(i));
    for (let i = 0; i < 50; i++) expect((await checkAiAllowance(t.ctx, ws.workspace_id, ids[i]!)).allowed).toBe(true);
    // The 51st new conversation is over the free plan's 50; a conversation already counted goes on.
    expect(await checkAiAllowance(t.ctx, ws.workspace_id, ids[50]!)).toEqual({ allowed: false, reason: 'plan_limit_reached' });
    expect((await checkAiAllowance(t.ctx, ws.workspace_id, ids[3]!)).allowed).toBe(true);
    // A customer with an order in progress is never cut off.
    await k('orders').insert({ workspace_id: ws.workspace_id, conversation_id: ids[50], status: 'pending', total: 3900 });
    expect((await checkAiAllowance(t.ctx, ws.workspace_id, ids[50]!)).allowed).toBe(true);
    const summary = (await t.http().get('/api/v1/billing').set(ws.auth).expect(200)).body;
    expect(summary.conversations_used).toBe(51);
    expect(summary.notices.map((n: { kind: string }) => n.kind).sort()).toEqual(['plan_limit_reached', 'plan_near_limit']);
  });
});
