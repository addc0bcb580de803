import { INSTAGRAM_WEBHOOK_FIELDS } from '../../channels/instagram';
import { MESSENGER_WEBHOOK_FIELDS } from '../../channels/messenger';
import { checkSubscriptions, SUBSCRIPTION_CHECK_JOB } from '../../src/conversations/channel-subscriptions';
import { FakeGraph } from '../fakes/graph-server';
import { uniqueId, workspaceWithChannels } from '../support/meta-fixtures';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

const TOKEN = 'EAAG-test-token-0123456789';

describe('Messenger/Instagram webhook subscriptions (subscribed_apps)', () => {
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

  const channelRow = (id: string) => t.ctx.knex('channels').where({ id }).first();
  const subscribeCalls = (accountId: string) => graph.requests.filter((r) => r.method === 'POST' && r.path === `/v25.0/${accountId}/subscribed_apps`);

  async function connectPage(auth: Record<string, string>, pageId: string, token = TOKEN) {
    return (await t.http().post('/api/v1/channels').set(auth).send({ kind: 'messenger', external_id: pageId, access_token: token }).expect(201)).body.channel as {
      id: string; status: string; status_detail: string | null;
    };
  }

  it('connecting a Page and an Instagram account subscribes our app with the fields their parser reads; WhatsApp is left alone', async () => {
    const s = await workspaceWithChannels(t);
    expect(graph.subscription(s.ids.PAGE_ID)).toEqual([...MESSENGER_WEBHOOK_FIELDS]);
    expect(graph.subscription(s.ids.IG_ID)).toEqual([...INSTAGRAM_WEBHOOK_FIELDS]);
    const [post] = subscribeCalls(s.ids.PAGE_ID);
    expect(post!.query.subscribed_fields).toBe('messages,message_echoes,messaging_postbacks,message_reactions,message_edits');
    expect(post!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(graph.requests.some((r) => r.path.includes(s.ids.PHONE_NUMBER_ID) && r.path.endsWith('/subscribed_apps'))).toBe(false);
    for (const kind of ['messenger', 'instagram', 'whatsapp'] as const) {
      expect(await channelRow(s.channels[kind].id)).toMatchObject({ status: 'active', status_detail: null });
    }
    expect(t.ctx.jobs.has(SUBSCRIPTION_CHECK_JOB)).toBe(true);
  });

  it('the health check costs one Graph read per healthy channel and re-subscribes after Meta drops the app or a field', async () => {
    const s = await workspaceWithChannels(t);
    // Another app on the same Page must survive our re-subscribe.
    graph.subscribedApps.get(s.ids.PAGE_ID)!.set('111222333', ['feed']);
    await checkSubscriptions(t.ctx); // warms the per-token app id

    const before = graph.requests.length;
    const healthy = await checkSubscriptions(t.ctx);
    expect(healthy.subscribed).toBe(0);
    const reqs = graph.requests.slice(before);
    expect(reqs.filter((r) => r.path.includes(s.ids.PAGE_ID))).toEqual([expect.objectContaining({ method: 'GET', path: `/v25.0/${s.ids.PAGE_ID}/subscribed_apps` })]);
    expect(reqs.every((r) => r.method === 'GET')).toBe(true);

    graph.dropSubscription(s.ids.PAGE_ID); // "Webhooks Disabled" after 1 h of failed deliveries
    graph.subscribedApps.get(s.ids.IG_ID)!.set(graph.appId, ['messages']); // a field went missing
    const fixed = await checkSubscriptions(t.ctx);
    expect(fixed.subscribed).toBe(2);
    expect(graph.subscription(s.ids.PAGE_ID)).toEqual([...MESSENGER_WEBHOOK_FIELDS]);
    expect(graph.subscription(s.ids.IG_ID)!.sort()).toEqual([...INSTAGRAM_WEBHOOK_FIELDS].sort());
    expect(graph.subscribedApps.get(s.ids.PAGE_ID)!.get('111222333')).toEqual(['feed']);
    expect(await channelRow(s.channels.messenger.id)).toMatchObject({ status: 'active', status_detail: null });

    // Idempotent: a second run finds everything in place and subscribes nothing.
    const posts = subscribeCalls(s.ids.PAGE_ID).length;
    expect((await checkSubscriptions(t.ctx)).subscribed).toBe(0);
    expect(subscribeCalls(s.ids.PAGE_ID)).toHaveLength(posts);
  });

  it('a permission refusal keeps the channel with a readable reason (never the token); fixed later, the check clears it; other workspaces are untouched', async () => {
    const other = await workspaceWithChannels(t);
    const ws = await newWorkspace(t.ctx);
    const pageId = uniqueId();
    const secret = 'EAAG-secret-page-token-XYZ987654321';
    graph.refuseSubscriptions.add(pageId);
    const ch = await connectPage(ws.auth, pageId, secret);
    expect(ch.status).toBe('error');
    expect(ch.status_detail).toMatch(/^Webhooks: .*pages_manage_metadata.*Reconnect/);
    const listed = (await t.http().get('/api/v1/channels').set(ws.auth).expect(200)).body.channels;
    expect(listed).toEqual([expect.objectContaining({ id: ch.id, status: 'error', status_detail: ch.status_detail })]);
    expect(graph.subscription(pageId)).toBeUndefined();

    // Still refused at the next check: same reason, nothing else changes.
    await checkSubscriptions(t.ctx);
    expect(await channelRow(ch.id)).toMatchObject({ status: 'error', status_detail: ch.status_detail });

    // The merchant grants the permission in Meta: the next check subscribes and clears the error.
    graph.refuseSubscriptions.delete(pageId);
    const r = await checkSubscriptions(t.ctx);
    expect(r.subscribed).toBeGreaterThanOrEqual(1);
    expect(graph.subscription(pageId)).toEqual([...MESSENGER_WEBHOOK_FIELDS]);
    expect(await channelRow(ch.id)).toMatchObject({ status: 'active', status_detail: null });

    expect(JSON.stringify(await t.ctx.knex('channels').select('status_detail'))).not.toContain(secret);
    expect(t.logs.text).not.toContain(secret);
    expect(t.logs.text).not.toContain(TOKEN);
    for (const kind of ['messenger', 'instagram'] as const) {
      expect(await channelRow(other.channels[kind].id)).toMatchObject({ status: 'active', status_detail: null });
    }
  });

  it('an error not written by the check is left alone; deactivated workspaces and disconnected channels are not checked', async () => {
    const a = await workspaceWithChannels(t);
    // Outbound marked the token broken (outbound.ts): a healthy subscription must not hide that.
    await t.ctx.knex('channels').where({ id: a.channels.messenger.id }).update({ status: 'error', status_detail: 'Access token expired or revoked: reconnect the channel' });
    const b = await workspaceWithChannels(t);
    await t.ctx.knex('workspaces').where({ id: b.ws.workspace_id }).update({ status: 'deactivated' });
    await t.http().delete(`/api/v1/channels/${a.channels.instagram.id}`).set(a.ws.auth).expect(204);
    graph.dropSubscription(b.ids.PAGE_ID);
    graph.dropSubscription(a.ids.IG_ID);

    const before = graph.requests.length;
    await checkSubscriptions(t.ctx);
    const reqs = graph.requests.slice(before);
    expect(reqs.some((r) => r.path.includes(b.ids.PAGE_ID) || r.path.includes(b.ids.IG_ID))).toBe(false);
    expect(reqs.some((r) => r.path.includes(a.ids.IG_ID))).toBe(false);
    expect(graph.subscription(b.ids.PAGE_ID)).toBeUndefined();
    expect(await channelRow(a.channels.messenger.id)).toMatchObject({ status: 'error', status_detail: expect.stringMatching(/^Access token expired/) });
    expect(await channelRow(a.channels.instagram.id)).toMatchObject({ status: 'disconnected' });
  });
});
