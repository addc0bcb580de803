import { checkSubscriptions } from '../../src/conversations/channel-subscriptions';
import { FakeGraph } from '../fakes/graph-server';
import { uniqueId } from '../support/meta-fixtures';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

const TOKEN = 'EAAG-test-wa-token-0123456789';

describe('WhatsApp webhook subscriptions (WABA subscribed_apps)', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await new FakeGraph().start();
    // work: a database of its own, so the health check sees only this file's channels.
    t = await startTestApp({ env: { META_GRAPH_BASE_URL: graph.baseUrl, META_GRAPH_VERSION: 'v25.0' }, work: true });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  type ChannelJson = { id: string; kind: string; external_id: string; waba_id: string | null; status: string; status_detail: string | null };
  const channelRow = (id: string) => t.ctx.knex('channels').where({ id }).first();
  const wabaCalls = (wabaId: string) => graph.requests.filter((r) => r.path === `/v25.0/${wabaId}/subscribed_apps`);

  /** A fresh WABA id the fake answers in the WABA wire format. */
  function newWaba(): string {
    const id = uniqueId();
    graph.wabas.add(id);
    return id;
  }

  async function connect(auth: Record<string, string>, body: Record<string, unknown>, status = 201) {
    const res = await t.http().post('/api/v1/channels').set(auth).send({ kind: 'whatsapp', external_id: uniqueId(), access_token: TOKEN, ...body }).expect(status);
    return res.body.channel as ChannelJson;
  }

  it('connecting a number with its WABA id subscribes our app to the WABA (no fields, no override), and returns the id', async () => {
    const ws = await newWorkspace(t.ctx);
    const waba = newWaba();
    const ch = await connect(ws.auth, { waba_id: waba });
    expect(ch).toMatchObject({ kind: 'whatsapp', waba_id: waba, status: 'active', status_detail: null });
    expect(graph.subscription(waba)).toEqual([]);
    const [post, ...more] = wabaCalls(waba).filter((r) => r.method === 'POST');
    expect(more).toEqual([]);
    expect(post!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post!.query).toEqual({});
    expect(post!.body).toBeUndefined();
    // The number itself is not a subscription account.
    expect(graph.requests.some((r) => r.path.includes(ch.external_id) && r.path.endsWith('/subscribed_apps'))).toBe(false);
    const listed = (await t.http().get('/api/v1/channels').set(ws.auth).expect(200)).body.channels as ChannelJson[];
    expect(listed).toEqual([expect.objectContaining({ id: ch.id, waba_id: waba, status: 'active' })]);
  });

  it('without a WABA id nothing is called, the channel works, and the health check skips it', async () => {
    const ws = await newWorkspace(t.ctx);
    const before = graph.requests.length;
    const ch = await connect(ws.auth, {});
    expect(ch).toMatchObject({ waba_id: null, status: 'active', status_detail: null });
    expect(graph.requests.slice(before).filter((r) => r.path.endsWith('/subscribed_apps'))).toEqual([]);

    const mark = graph.requests.length;
    const r = await checkSubscriptions(t.ctx);
    expect(r.skipped).toBeGreaterThanOrEqual(1);
    expect(r.failed).toBe(0);
    expect(graph.requests.slice(mark).some((q) => q.path.includes(ch.external_id))).toBe(false);
    expect(await channelRow(ch.id)).toMatchObject({ status: 'active', status_detail: null });

    // A reconnect that brings the id turns the subscription on; one that omits it keeps it.
    const waba = newWaba();
    await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: ch.external_id, access_token: TOKEN, waba_id: waba }).expect(200);
    expect(graph.subscription(waba)).toEqual([]);
    const again = (await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: ch.external_id, access_token: TOKEN }).expect(200)).body.channel;
    expect(again.waba_id).toBe(waba);
    const cleared = (await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: ch.external_id, access_token: TOKEN, waba_id: null }).expect(200)).body.channel;
    expect(cleared.waba_id).toBeNull();
  });

  it('the health check reads each WABA once when healthy and re-subscribes a WABA Meta dropped, keeping other apps', async () => {
    const ws = await newWorkspace(t.ctx);
    const waba = newWaba();
    const ch = await connect(ws.auth, { waba_id: waba });
    graph.subscribedApps.get(waba)!.set('111222333', []); // another app (a CRM) on the same WABA
    await checkSubscriptions(t.ctx); // warms the per-token app id

    const before = graph.requests.length;
    const healthy = await checkSubscriptions(t.ctx);
    expect(healthy.failed).toBe(0);
    expect(graph.requests.slice(before).filter((r) => r.path.includes(waba))).toEqual([expect.objectContaining({ method: 'GET', path: `/v25.0/${waba}/subscribed_apps` })]);

    graph.dropSubscription(waba); // "Webhooks Disabled" after 1 h of failed deliveries
    expect(graph.subscription(waba)).toBeUndefined();
    const fixed = await checkSubscriptions(t.ctx);
    expect(fixed.subscribed).toBe(1);
    expect(graph.subscription(waba)).toEqual([]);
    expect(graph.subscribedApps.get(waba)!.has('111222333')).toBe(true);
    const resub = wabaCalls(waba).filter((r) => r.method === 'POST').at(-1)!;
    expect(resub.query).toEqual({});
    expect(await channelRow(ch.id)).toMatchObject({ status: 'active', status_detail: null });

    // Idempotent: the next run finds it in place.
    const posts = wabaCalls(waba).filter((r) => r.method === 'POST').length;
    expect((await checkSubscriptions(t.ctx)).subscribed).toBe(0);
    expect(wabaCalls(waba).filter((r) => r.method === 'POST')).toHaveLength(posts);
  });

  it('a token without whatsapp_business_management: the channel shows why (never the token), and the check clears it once granted', async () => {
    const ws = await newWorkspace(t.ctx);
    const waba = newWaba();
    const secret = 'EAAG-secret-wa-token-XYZ987654321';
    graph.refuseSubscriptions.add(waba);
    const ch = await connect(ws.auth, { waba_id: waba, access_token: secret });
    expect(ch.status).toBe('error');
    expect(ch.status_detail).toMatch(/^Webhooks: Meta refused to send this WhatsApp Business Account's messages to Wakil: the access token lacks the whatsapp_business_management permission\. Reconnect/);
    expect(graph.subscription(waba)).toBeUndefined();

    await checkSubscriptions(t.ctx);
    expect(await channelRow(ch.id)).toMatchObject({ status: 'error', status_detail: ch.status_detail });

    graph.refuseSubscriptions.delete(waba);
    const r = await checkSubscriptions(t.ctx);
    expect(r.subscribed).toBeGreaterThanOrEqual(1);
    expect(graph.subscription(waba)).toEqual([]);
    expect(await channelRow(ch.id)).toMatchObject({ status: 'active', status_detail: null });

    expect(JSON.stringify(await t.ctx.knex('channels').select('status_detail'))).not.toContain(secret);
    expect(t.logs.text).not.toContain(secret);
    expect(t.logs.text).not.toContain(TOKEN);
  });

  it('refuses a WABA id on a Messenger/Instagram channel and one that is not digits', async () => {
    const ws = await newWorkspace(t.ctx);
    const waba = newWaba();
    for (const kind of ['messenger', 'instagram']) {
      const res = await t.http().post('/api/v1/channels').set(ws.auth).send({ kind, external_id: uniqueId(), access_token: TOKEN, waba_id: waba }).expect(400);
      expect(JSON.stringify(res.body)).toContain('only a WhatsApp channel has a WhatsApp Business Account ID');
    }
    for (const bad of ['12ab5678', '1234', '1'.repeat(31), 'act_123456']) {
      const res = await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: uniqueId(), access_token: TOKEN, waba_id: bad }).expect(400);
      expect(JSON.stringify(res.body)).toContain('WhatsApp Business Account ID');
    }
    expect((await t.http().get('/api/v1/channels').set(ws.auth).expect(200)).body.channels).toEqual([]);
    expect(graph.subscription(waba)).toBeUndefined();
  });

  it('the Channels page asks for the WABA id, connects with it, and shows it on the channel', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'Shop WABA', email: uniqueEmail('waba'), locale: 'en' });
    const page = await c.get('/channels');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="waba_id"');
    expect(page.text).toContain('WhatsApp Business Account ID (WhatsApp only)');

    const refused = await c.post('/channels', { kind: 'messenger', external_id: uniqueId(), waba_id: '1234567890', access_token: TOKEN, display_name: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="f-waba_id-err"');

    const waba = newWaba();
    const ok = await c.post('/channels', { kind: 'whatsapp', external_id: uniqueId(), waba_id: waba, access_token: TOKEN, display_name: '' });
    expect(ok.status).toBe(303);
    expect(graph.subscription(waba)).toEqual([]);
    const after = await c.get('/channels');
    expect(after.text).toContain(`<code>${waba}</code>`);
    expect(after.text).not.toContain('data-waba-missing');
  });
});
