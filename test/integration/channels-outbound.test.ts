import { markReadAndTyping, sendTemplate, sendText } from '../../src/conversations/outbound';
import { ProviderError } from '../../src/errors';
import { FakeGraph } from '../fakes/graph-server';
import { fixture, postWebhook, workspaceWithChannels } from '../support/meta-fixtures';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

describe('outbound replies, statuses, echoes and the merchant API', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await new FakeGraph().start();
    t = await startTestApp({ env: { META_GRAPH_BASE_URL: graph.baseUrl, META_GRAPH_VERSION: 'v25.0', WHATSAPP_PAIR_INTERVAL_MS: '20', META_SEND_RETRY_BASE_MS: '5' } });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  /** A workspace whose customer has written on `kind` (window open). */
  async function thread(kind: 'whatsapp' | 'messenger' | 'instagram') {
    const s = await workspaceWithChannels(t);
    const f = { whatsapp: 'wa-text', messenger: 'msgr-text', instagram: 'ig-text' }[kind];
    await postWebhook(t, fixture(f, s.ids)).expect(200);
    const conv = await t.ctx.knex('conversations').where({ channel_id: s.channels[kind].id }).first();
    return { ...s, conversationId: conv.id as string, workspaceId: s.ws.workspace_id as string, accountId: { whatsapp: s.ids.PHONE_NUMBER_ID, messenger: s.ids.PAGE_ID, instagram: 'me' }[kind] };
  }
  const sendsTo = (path: string) => graph.requests.filter((r) => r.method === 'POST' && r.path === path);

  it('sends a WhatsApp text with Bearer token to the phone, stores the wamid, and an idempotent repeat does not resend', async () => {
    const s = await thread('whatsapp');
    const input = { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'Robe noire T38 : 4 500 DA.', author: 'ai' as const, idempotencyKey: 'turn-1' };
    const r = await sendText(t.ctx, input);
    expect(r.status).toBe('sent');
    const reqs = sendsTo(`/v25.0/${s.accountId}/messages`);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.headers.authorization).toBe('Bearer EAAG-test-token-0123456789');
    expect(reqs[0]!.body).toMatchObject({ messaging_product: 'whatsapp', to: '+213551234567', type: 'text', text: { body: input.text }, biz_opaque_callback_data: `wakil:${r.messageId}` });
    const row = await t.ctx.knex('messages').where({ id: r.messageId }).first();
    expect(row).toMatchObject({ direction: 'out', author: 'ai', status: 'sent', provider_message_id: expect.stringMatching(/^wamid\.FAKE/) });
    const again = await sendText(t.ctx, { ...input, text: 'something else' });
    expect(again).toEqual({ messageId: r.messageId, status: 'sent' });
    expect(sendsTo(`/v25.0/${s.accountId}/messages`)).toHaveLength(1);
  });

  it('applies WhatsApp statuses monotonically; failed stores the error on the message and the conversation', async () => {
    const s = await thread('whatsapp');
    const a = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'A', author: 'ai', idempotencyKey: 'a' });
    const wamid = (await t.ctx.knex('messages').where({ id: a.messageId }).first()).provider_message_id;
    const status = async (f: string) => postWebhook(t, fixture(f, { ...s.ids, WAMID: wamid })).expect(200);
    await status('wa-status-read');
    await status('wa-status-delivered'); // late
    await status('wa-status-sent'); // later still
    expect((await t.ctx.knex('messages').where({ id: a.messageId }).first()).status).toBe('read');

    const b = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'B', author: 'ai', idempotencyKey: 'b' });
    const wamidB = (await t.ctx.knex('messages').where({ id: b.messageId }).first()).provider_message_id;
    await postWebhook(t, fixture('wa-status-failed', { ...s.ids, WAMID: wamidB })).expect(200);
    await postWebhook(t, fixture('wa-status-sent', { ...s.ids, WAMID: wamidB })).expect(200);
    const rowB = await t.ctx.knex('messages').where({ id: b.messageId }).first();
    expect(rowB).toMatchObject({ status: 'failed', error_code: '131047' });
    expect(rowB.error_message).toMatch(/24 hours/);
    expect((await t.ctx.knex('conversations').where({ id: s.conversationId }).first()).last_error).toMatch(/131047/);
  });

  it('refuses free-form WhatsApp outside 24 h (templates still go), and allows HUMAN_AGENT on Messenger for humans only', async () => {
    const s = await thread('whatsapp');
    await t.ctx.knex('conversations').where({ id: s.conversationId }).update({ last_inbound_at: new Date(Date.now() - 25 * 3600_000) });
    const before = graph.requests.length;
    const r = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'Bonjour', author: 'ai', idempotencyKey: 'late' });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/24-hour.*templates/);
    expect(graph.requests.length).toBe(before);
    const tpl = await sendTemplate(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, author: 'system', idempotencyKey: 'tpl', template: { name: 'order_confirmation_fr', language: 'fr' } });
    expect(tpl.status).toBe('sent');
    expect(graph.requests.at(-1)!.body).toMatchObject({ type: 'template', template: { name: 'order_confirmation_fr', language: { code: 'fr' } } });

    const m = await thread('messenger');
    await t.ctx.knex('conversations').where({ id: m.conversationId }).update({ last_inbound_at: new Date(Date.now() - 3 * 24 * 3600_000) });
    const ai = await sendText(t.ctx, { workspaceId: m.workspaceId, conversationId: m.conversationId, text: 'Relance', author: 'ai', idempotencyKey: 'ai' });
    expect(ai.status).toBe('failed');
    const human = await sendText(t.ctx, { workspaceId: m.workspaceId, conversationId: m.conversationId, text: 'Bonjour, ici Sarah', author: 'human', idempotencyKey: 'h' });
    expect(human.status).toBe('sent');
    expect(graph.requests.at(-1)!.body).toMatchObject({ recipient: { id: '7391028465531207' }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    await t.ctx.knex('conversations').where({ id: m.conversationId }).update({ last_inbound_at: new Date(Date.now() - 8 * 24 * 3600_000) });
    expect((await sendText(t.ctx, { workspaceId: m.workspaceId, conversationId: m.conversationId, text: 'x', author: 'human', idempotencyKey: 'h2' })).status).toBe('failed');
  });

  it('a later part of a split WhatsApp reply that fails fails the reply; its other statuses change nothing', async () => {
    const s = await thread('whatsapp');
    const long = Array.from({ length: 900 }, (_, i) => `mot${i}`).join(' '); // > 4096 characters: 2 parts
    const r = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: long, author: 'ai', idempotencyKey: 'split-1' });
    expect(r.status).toBe('sent');
    const row = await t.ctx.knex('messages').where({ id: r.messageId }).first();
    const ids = row.payload.provider_ids as string[];
    expect(ids).toHaveLength(2);
    expect(row.provider_message_id).toBe(ids[0]);
    const status = async (f: string, wamid: string) => postWebhook(t, fixture(f, { ...s.ids, WAMID: wamid })).expect(200);

    await status('wa-status-delivered', ids[0]!);
    await status('wa-status-read', ids[1]!); // a later part's ordinary status: the first part's stands
    expect((await t.ctx.knex('messages').where({ id: r.messageId }).first()).status).toBe('delivered');

    await status('wa-status-failed', ids[1]!);
    const failed = await t.ctx.knex('messages').where({ id: r.messageId }).first();
    expect(failed).toMatchObject({ status: 'failed', error_code: '131047', error_message: expect.stringMatching(/^WhatsApp could not deliver part 2 of this reply \(131047\)/) });
    expect((await t.ctx.knex('conversations').where({ id: s.conversationId }).first()).last_error).toMatch(/part 2 of this reply/);
    // Terminal: a late read of the first part does not hide the failure.
    await status('wa-status-read', ids[0]!);
    expect((await t.ctx.knex('messages').where({ id: r.messageId }).first()).status).toBe('failed');
  });

  it('splits long text per channel limit without cutting words; Instagram counts bytes', async () => {
    const s = await thread('instagram');
    const word = 'مرحبا'; // 10 bytes in UTF-8
    const text = Array.from({ length: 250 }, () => word).join(' '); // ~2749 bytes
    const r = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text, author: 'ai', idempotencyKey: 'long' });
    expect(r.status).toBe('sent');
    const parts = sendsTo('/v25.0/me/messages').filter((q) => (q.body as { message?: { text?: string } }).message?.text).map((q) => (q.body as { message: { text: string } }).message.text);
    expect(parts.length).toBe(3);
    for (const p of parts) {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(1000);
      expect(p.split(' ').every((w) => w === word)).toBe(true);
    }
    expect(parts.join(' ')).toBe(text);
  });

  it('retries retryable Graph errors quickly, then succeeds; gives up with a retryable throw and keeps the row pending', async () => {
    const s = await thread('whatsapp');
    const path = `/v25.0/${s.accountId}/messages`;
    graph.fail((r) => r.path === path, FakeGraph.graphError(131056, '(#131056) pair rate limit hit'), 1);
    graph.fail((r) => r.path === path, { status: 503, body: { error: { message: 'Service unavailable', code: 2 } } }, 1);
    const ok = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'Salam', author: 'ai', idempotencyKey: 'r1' });
    expect(ok.status).toBe('sent');
    expect(sendsTo(path)).toHaveLength(3);

    graph.fail((r) => r.path === path, FakeGraph.graphError(130429, 'throughput', 429), 3);
    let thrown: unknown;
    try {
      await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'Again', author: 'ai', idempotencyKey: 'r2' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect((thrown as ProviderError).retryable).toBe(true);
    const row = await t.ctx.knex('messages').where({ idempotency_key: 'r2' }).first();
    expect(row.status).toBe('pending');
    // The caller's job retries with the same key: the stored text goes out once.
    const retry = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'ignored', author: 'ai', idempotencyKey: 'r2' });
    expect(retry).toEqual({ messageId: row.id, status: 'sent' });
    expect((sendsTo(path).at(-1)!.body as { text: { body: string } }).text.body).toBe('Again');
  });

  it('a permanent error fails the message; an expired token marks the channel in error', async () => {
    const s = await thread('messenger');
    const path = `/v25.0/${s.accountId}/messages`;
    graph.fail((r) => r.path === path, FakeGraph.graphError(551, 'This person isn\'t available right now', 400, 1545041));
    const r = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'x', author: 'ai', idempotencyKey: 'p1' });
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/isn't available/) });
    expect(sendsTo(path)).toHaveLength(1); // not retried
    graph.fail((r2) => r2.path === path, FakeGraph.graphError(190, 'Error validating access token: Session has expired', 401));
    const r2 = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'y', author: 'ai', idempotencyKey: 'p2' });
    expect(r2.status).toBe('failed');
    const ch = await t.ctx.knex('channels').where({ id: s.channels.messenger.id }).first();
    expect(ch).toMatchObject({ status: 'error', status_detail: expect.stringMatching(/token expired/) });
    const listed = await t.http().get('/api/v1/channels').set(s.ws.auth).expect(200);
    expect(listed.body.channels.find((c: { id: string }) => c.id === ch.id).status).toBe('error');
  });

  it('paces WhatsApp sends to one customer and sends interactive buttons', async () => {
    const s = await thread('whatsapp');
    await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'Livraison ?', author: 'ai', idempotencyKey: 'btn', buttons: [{ id: 'DELIVERY_HOME', title: 'Livraison domicile' }, { id: 'DELIVERY_DESK', title: 'Stop desk' }] });
    const last = sendsTo(`/v25.0/${s.accountId}/messages`).at(-1)!;
    expect(last.body).toMatchObject({ type: 'interactive', interactive: { type: 'button', body: { text: 'Livraison ?' }, action: { buttons: [{ reply: { id: 'DELIVERY_HOME' } }, { reply: { id: 'DELIVERY_DESK' } }] } } });
    expect(await markReadAndTyping(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId })).toBe(true);
    expect(graph.requests.at(-1)!.body).toMatchObject({ status: 'read', message_id: expect.stringMatching(/^wamid\./), typing_indicator: { type: 'text' } });
  });

  it('ignores echoes of our own sends; a merchant echo from the Page inbox pauses the AI', async () => {
    const s = await thread('messenger');
    const r = await sendText(t.ctx, { workspaceId: s.workspaceId, conversationId: s.conversationId, text: 'Merci !', author: 'ai', idempotencyKey: 'e1' });
    const mid = (await t.ctx.knex('messages').where({ id: r.messageId }).first()).provider_message_id;
    await postWebhook(t, fixture('msgr-echo-ours', { ...s.ids, MID: mid, METADATA: `wakil:${r.messageId}` })).expect(200);
    // Same mid without our metadata: still recognised as ours by the stored id.
    await postWebhook(t, fixture('msgr-echo-ours', { ...s.ids, MID: mid, METADATA: 'x' })).expect(200);
    let msgs = await t.ctx.knex('messages').where({ conversation_id: s.conversationId });
    expect(msgs.filter((m) => m.direction === 'out')).toHaveLength(1);
    expect((await t.ctx.knex('conversations').where({ id: s.conversationId }).first()).paused_until).toBeNull();

    await postWebhook(t, fixture('msgr-echo-human', s.ids)).expect(200);
    msgs = await t.ctx.knex('messages').where({ conversation_id: s.conversationId, author: 'human' });
    expect(msgs).toHaveLength(1);
    expect(msgs[0].text).toMatch(/Sarah/);
    const conv = await t.ctx.knex('conversations').where({ id: s.conversationId }).first();
    expect(new Date(conv.paused_until).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    expect(conv.last_human_at).not.toBeNull();

    // WhatsApp coexistence echo and Instagram echo behave the same.
    const w = await thread('whatsapp');
    await postWebhook(t, fixture('wa-smb-echo', w.ids)).expect(200);
    expect((await t.ctx.knex('conversations').where({ id: w.conversationId }).first()).paused_until).not.toBeNull();
    await postWebhook(t, fixture('ig-echo-human', w.ids)).expect(200);
    expect(await t.ctx.knex('messages').where({ channel_id: w.channels.instagram.id, author: 'human' })).toHaveLength(1);
  });

  it('merchant API: connect (409 across workspaces, token never returned), test, inbox, pause/resume, human reply, 404 across workspaces', async () => {
    const s = await thread('whatsapp');
    const other = await newWorkspace(t.ctx);
    const taken = await t.http().post('/api/v1/channels').set(other.auth).send({ kind: 'whatsapp', external_id: s.ids.PHONE_NUMBER_ID, access_token: 'EAAG-other-token-xyz' }).expect(409);
    expect(taken.body.error.type).toBe('conflict');
    const list = await t.http().get('/api/v1/channels').set(s.ws.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain('EAAG-test-token');
    const test = await t.http().post(`/api/v1/channels/${s.channels.whatsapp.id}/test`).set(s.ws.auth).expect(200);
    expect(test.body).toMatchObject({ ok: true, status: 'active', display_name: 'Boutique Test' });
    await t.http().post(`/api/v1/channels/${s.channels.whatsapp.id}/test`).set(other.auth).expect(404);

    const inbox = await t.http().get('/api/v1/conversations').set(s.ws.auth).expect(200);
    const c = inbox.body.conversations.find((x: { id: string }) => x.id === s.conversationId);
    expect(c).toMatchObject({ customer: { display: 'Yacine B.' }, paused: false, channel: { kind: 'whatsapp' } });
    expect(c.window_remaining_seconds).toBeGreaterThan(23 * 3600);
    await t.http().get(`/api/v1/conversations/${s.conversationId}/messages`).set(other.auth).expect(404);
    await t.http().post(`/api/v1/conversations/${s.conversationId}/pause`).set(other.auth).expect(404);
    await t.http().post(`/api/v1/conversations/${s.conversationId}/messages`).set(other.auth).send({ text: 'hi' }).expect(404);

    expect((await t.http().post(`/api/v1/conversations/${s.conversationId}/pause`).set(s.ws.auth).expect(200)).body.conversation.ai_paused).toBe(true);
    expect((await t.http().post(`/api/v1/conversations/${s.conversationId}/resume`).set(s.ws.auth).expect(200)).body.conversation.ai_paused).toBe(false);

    const sent = await t.http().post(`/api/v1/conversations/${s.conversationId}/messages`).set(s.ws.auth).send({ text: 'Bonjour, ici la boutique' }).expect(201);
    expect(sent.body.message.status).toBe('sent');
    const msgs = await t.http().get(`/api/v1/conversations/${s.conversationId}/messages`).set(s.ws.auth).expect(200);
    expect(msgs.body.messages.map((m: { author: string }) => m.author)).toEqual(['customer', 'human']);
    expect((await t.ctx.knex('conversations').where({ id: s.conversationId }).first()).last_human_at).not.toBeNull();

    await t.http().delete(`/api/v1/channels/${s.channels.whatsapp.id}`).set(other.auth).expect(404);
    await t.http().delete(`/api/v1/channels/${s.channels.whatsapp.id}`).set(s.ws.auth).expect(204);
    expect(await t.ctx.vault.has(s.workspaceId, 'meta_token', s.channels.whatsapp.id)).toBe(false);
  });
});
