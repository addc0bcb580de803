import { signMetaBody } from '../../channels/meta/signature';
import { loadMessageMedia } from '../../src/conversations/media';
import { TURN_JOB } from '../../src/conversations/turn-queue';
import { FakeGraph } from '../fakes/graph-server';
import { APP_SECRET, fixture, postWebhook, uniqueId, waitFor, workspaceWithChannels } from '../support/meta-fixtures';
import { startTestApp, type TestApp } from '../support/harness';

describe('POST /webhooks/meta: inbound', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await new FakeGraph().start();
    t = await startTestApp({ env: { META_GRAPH_BASE_URL: graph.baseUrl, WHATSAPP_PAIR_INTERVAL_MS: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  const messagesOf = (channelId: string) => t.ctx.knex('messages').where({ channel_id: channelId }).orderBy('created_at');
  const turnJobs = async (conversationId: string) =>
    Number((await t.ctx.knex.raw("select count(*)::int as n from pgboss.job where name = ? and data->>'conversationId' = ?", [TURN_JOB, conversationId])).rows[0].n);

  it('answers the subscription handshake with the bare challenge, 403 otherwise', async () => {
    const ok = await t.http().get('/webhooks/meta').query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'test-verify-token', 'hub.challenge': '1158201444' }).expect(200);
    expect(ok.text).toBe('1158201444');
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    await t.http().get('/webhooks/meta').query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1' }).expect(403);
    await t.http().get('/webhooks/meta').query({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'test-verify-token', 'hub.challenge': '1' }).expect(403);
  });

  it('verifies the signature on the raw escaped bytes; a re-serialised body would not match', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const raw = fixture('wa-escaped', ids);
    expect(raw).toContain('\\u0633'); // Arabic as Meta sends it
    expect(raw).toContain('\\/');
    expect(raw).toContain('\\u0040');
    // What a JSON-parsing verifier would hash: different bytes, different signature.
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    expect(signMetaBody(reserialised, APP_SECRET)).not.toBe(signMetaBody(raw, APP_SECRET));
    await postWebhook(t, raw, signMetaBody(reserialised, APP_SECRET)).expect(401);
    expect(await messagesOf(channels.whatsapp.id)).toHaveLength(0);

    await postWebhook(t, raw).expect(200);
    const [m] = await messagesOf(channels.whatsapp.id);
    expect(m.text).toBe('سلام 3afak, la robe à 4500 DA? écrivez-moi: yacine@exemple.dz / https://exemple.dz/robe?t=38 — مرسي 😊');
  });

  it('rejects missing, malformed and wrong signatures with 401 and stores nothing', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const raw = fixture('wa-text', ids);
    await postWebhook(t, raw, null).expect(401);
    await postWebhook(t, raw, 'sha256=zz').expect(401);
    await postWebhook(t, raw, signMetaBody(raw, 'another-secret')).expect(401);
    await postWebhook(t, raw, signMetaBody(raw, APP_SECRET).replace('sha256=', 'sha1=')).expect(401);
    expect(await messagesOf(channels.whatsapp.id)).toHaveLength(0);
    expect(await t.ctx.knex('customers').where({ channel_id: channels.whatsapp.id })).toHaveLength(0);
  });

  it('stores a WhatsApp text with the BSUID as identity and wa_id kept apart, and enqueues one turn', async () => {
    const { ids, channels, ws } = await workspaceWithChannels(t);
    await postWebhook(t, fixture('wa-text', ids)).expect(200);
    const cust = await t.ctx.knex('customers').where({ channel_id: channels.whatsapp.id }).first();
    expect(cust).toMatchObject({ external_id: 'DZ.7734920183347561', wa_id: '213551234567', name: 'Yacine B.', phone: null, workspace_id: ws.workspace_id });
    const conv = await t.ctx.knex('conversations').where({ customer_id: cust.id }).first();
    expect(conv.last_inbound_at).not.toBeNull();
    const ch = await t.ctx.knex('channels').where({ id: channels.whatsapp.id }).first();
    expect(ch.last_inbound_at).not.toBeNull();
    const [m] = await messagesOf(channels.whatsapp.id);
    expect(m).toMatchObject({ direction: 'in', author: 'customer', kind: 'text', conversation_id: conv.id });
    expect(await turnJobs(conv.id)).toBe(1);
  });

  it('normalises every WhatsApp message kind', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['wa-image', { kind: 'image', text: 'بشحال هذي مع التوصيل لقسنطينة؟' }],
      ['wa-voice', { kind: 'voice' }],
      ['wa-video', { kind: 'video', text: 'kifach hadi?' }],
      ['wa-document', { kind: 'document', text: 'bon de commande' }],
      ['wa-sticker', { kind: 'sticker' }],
      ['wa-location', { kind: 'location' }],
      ['wa-interactive-button', { kind: 'button_reply', text: 'Livraison domicile' }],
      ['wa-interactive-list', { kind: 'list_reply', text: '16 - Alger' }],
      ['wa-template-button', { kind: 'template_button', text: 'Confirmer' }],
      ['wa-reaction', { kind: 'reaction', text: '👍' }],
      ['wa-order', { kind: 'order', text: 'hadi commande' }],
      ['wa-edit', { kind: 'edit' }],
      ['wa-referral', { kind: 'text', text: 'Bonjour, je veux ce modèle' }],
    ];
    graph.media.set('5550001', { bytes: Buffer.from('jpeg'), mime: 'image/jpeg' });
    for (const [name] of cases) await postWebhook(t, fixture(name, { ...ids, MEDIA_ID: '5550001' })).expect(200);
    const rows = await messagesOf(channels.whatsapp.id);
    expect(rows).toHaveLength(cases.length);
    for (const [name, want] of cases) {
      expect({ name, ...rows.find((r) => r.kind === want.kind && (want.text === undefined || r.text === want.text)) }).toMatchObject({ name, ...want });
    }
    const byKind = (k: string) => rows.find((r) => r.kind === k)!;
    expect(byKind('list_reply').payload.reply_id).toBe('WILAYA_16');
    expect(byKind('template_button').payload.reply_id).toBe('CONFIRM:CMD-10482');
    expect(byKind('location').payload.location).toMatchObject({ latitude: 35.6971, longitude: -0.6308 });
    expect(byKind('order').payload.order.product_items).toHaveLength(2);
    expect(byKind('reaction').payload.reacted_to).toBe('wamid.OURS0001');
    const conv = await t.ctx.knex('conversations').where({ channel_id: channels.whatsapp.id }).first();
    expect(conv.referral).toMatchObject({ source_type: 'ad', ctwa_clid: expect.stringMatching(/^ARA/) });
  });

  it('processes every entry, change and message of a batch (not just [0])', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    await postWebhook(t, fixture('wa-multiple', ids)).expect(200);
    const rows = await messagesOf(channels.whatsapp.id);
    expect(rows.map((r) => r.provider_message_id).sort()).toEqual(['wamid.MULTI0001', 'wamid.MULTI0002', 'wamid.MULTI0003']);
    expect(await t.ctx.knex('conversations').where({ channel_id: channels.whatsapp.id })).toHaveLength(2);
  });

  it('stores the same delivery posted 5 times concurrently exactly once, with one turn job', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const raw = fixture('msgr-text', ids);
    const res = await Promise.all(Array.from({ length: 5 }, () => postWebhook(t, raw)));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const rows = await messagesOf(channels.messenger.id);
    expect(rows).toHaveLength(1);
    expect(await t.ctx.knex('customers').where({ channel_id: channels.messenger.id })).toHaveLength(1);
    expect(await turnJobs(rows[0].conversation_id)).toBe(1);
  });

  it('normalises Messenger postbacks, quick replies, attachments and Instagram story replies', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const cdn = `${graph.baseUrl}/cdn`;
    for (const f of ['msgr-text', 'msgr-quick-reply', 'msgr-postback', 'msgr-image', 'msgr-reaction', 'msgr-read']) await postWebhook(t, fixture(f, { ...ids, CDN: cdn })).expect(200);
    for (const f of ['ig-text', 'ig-story-reply']) await postWebhook(t, fixture(f, { ...ids, CDN: cdn })).expect(200);
    const m = await messagesOf(channels.messenger.id);
    expect(m.map((r) => r.kind).sort()).toEqual(['image', 'postback', 'quick_reply', 'reaction', 'text']);
    expect(m.find((r) => r.kind === 'postback')).toMatchObject({ text: 'Commander', payload: { reply_id: 'ORDER:JOGGING-NOIR-L' } });
    expect(m.find((r) => r.kind === 'quick_reply')!.payload.reply_id).toBe('WILAYA_16');
    const ig = await messagesOf(channels.instagram.id);
    expect(ig.find((r) => r.kind === 'text')!.text).toContain('بشحال');
    expect(ig.find((r) => r.kind === 'story_reply')).toMatchObject({ text: 'Kayen taille M? livraison l Béjaïa?', payload: { story: { id: '18012345678901234' } } });
  });

  it('acknowledges unknown accounts and deactivated workspaces without storing (200)', async () => {
    const before = (await t.ctx.metrics.webhookEvents.get()).values.find((v) => v.labels.outcome === 'unknown_account')?.value ?? 0;
    await postWebhook(t, fixture('wa-text', { PHONE_NUMBER_ID: uniqueId() })).expect(200);
    const after = (await t.ctx.metrics.webhookEvents.get()).values.find((v) => v.labels.outcome === 'unknown_account')?.value ?? 0;
    expect(after).toBe(before + 1);

    const { ids, channels, ws } = await workspaceWithChannels(t);
    await t.ctx.knex('workspaces').where({ id: ws.workspace_id }).update({ status: 'deactivated' });
    await postWebhook(t, fixture('ig-text', ids)).expect(200);
    expect(await messagesOf(channels.instagram.id)).toHaveLength(0);
  });

  it('answers 500 when the database fails, so Meta redelivers', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    await t.ctx.knex.raw(`create or replace function wakil_test_fail() returns trigger language plpgsql as $$ begin raise exception 'boom'; end $$`);
    await t.ctx.knex.raw(`create trigger wakil_test_fail_${channels.whatsapp.id.replace(/-/g, '')} before insert on messages for each row when (new.channel_id = '${channels.whatsapp.id}') execute function wakil_test_fail()`);
    try {
      await postWebhook(t, fixture('wa-text', ids)).expect(500);
      expect(await t.ctx.knex('customers').where({ channel_id: channels.whatsapp.id })).toHaveLength(0);
    } finally {
      await t.ctx.knex.raw(`drop trigger wakil_test_fail_${channels.whatsapp.id.replace(/-/g, '')} on messages`);
    }
    await postWebhook(t, fixture('wa-text', ids)).expect(200);
    expect(await messagesOf(channels.whatsapp.id)).toHaveLength(1);
  });

  it('downloads media into the media table: WhatsApp two steps with Bearer, CDN without token, oversize refused', async () => {
    // One worker app for both cases; the oversize case uses a media id the fake reports as too large.
    const w = await startTestApp({ env: { META_GRAPH_BASE_URL: graph.baseUrl, MEDIA_MAX_BYTES: '1000' }, work: true });
    try {
      const { ids, channels } = await workspaceWithChannels(w);
      const jpeg = Buffer.from('\xff\xd8 a real jpeg', 'latin1');
      graph.media.set('5550002', { bytes: jpeg, mime: 'image/jpeg' });
      graph.media.set('msgr-photo.jpg', { bytes: Buffer.from('png-bytes-here'), mime: 'image/png' });
      await postWebhook(w, fixture('wa-image', { ...ids, MEDIA_ID: '5550002' })).expect(200);
      await postWebhook(w, fixture('msgr-image', { ...ids, CDN: `${graph.baseUrl}/cdn` })).expect(200);
      const wa = (await w.ctx.knex('messages').where({ channel_id: channels.whatsapp.id }).first())!;
      const stored = await waitFor(() => loadMessageMedia(w.ctx, wa.id));
      expect(stored.bytes.equals(jpeg)).toBe(true);
      expect(stored.mime).toBe('image/jpeg');
      const after = await w.ctx.knex('messages').where({ id: wa.id }).first();
      expect(after.media).toMatchObject({ status: 'stored', media_id: stored.mediaId, size: jpeg.length });
      const look = graph.requests.find((r) => r.path === '/lookaside/5550002')!;
      expect(look.headers.authorization).toBe('Bearer EAAG-test-token-0123456789');
      const ms = (await w.ctx.knex('messages').where({ channel_id: channels.messenger.id }).first())!;
      const m2 = await waitFor(() => loadMessageMedia(w.ctx, ms.id));
      expect(m2.bytes.toString()).toBe('png-bytes-here');
      expect(graph.requests.find((r) => r.path === '/cdn/msgr-photo.jpg')!.headers.authorization).toBeUndefined();
      // Someone else's workspace cannot load it.
      expect(await loadMessageMedia(w.ctx, wa.id, ms.workspace_id === wa.workspace_id ? '00000000-0000-4000-8000-000000000000' : ms.workspace_id)).toBeNull();

      const { ids: ids2, channels: ch2 } = await workspaceWithChannels(w);
      graph.media.set('5550003', { bytes: Buffer.alloc(4000, 1), mime: 'image/jpeg' });
      await postWebhook(w, fixture('wa-image', { ...ids2, MEDIA_ID: '5550003' })).expect(200);
      const big = await waitFor(async () => {
        const r = await w.ctx.knex('messages').where({ channel_id: ch2.whatsapp.id }).first();
        return r?.media?.status === 'failed' ? r : null;
      });
      expect(big.media.error).toMatch(/larger than 1000 bytes/);
      expect(await w.ctx.knex('media').where({ message_id: big.id })).toHaveLength(0);
    } finally {
      await w.close();
    }
  });
});
