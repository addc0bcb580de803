import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { signMetaBody } from '../../channels/meta/signature';
import { APP_SECRET, workspaceWithChannels } from '../support/meta-fixtures';
import { startTestApp, type TestApp } from '../support/harness';

/**
 * Thousands of odd bodies with VALID signatures (Meta or an attacker who has the secret would
 * never send them, but a parser bug must not turn into a 5xx loop or a half-stored thread).
 */
describe('POST /webhooks/meta: property-based robustness', () => {
  // Records may drop any key, but mostly keep them.
  const REQ = undefined;
  let t: TestApp;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'warn' } });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    // One keep-alive connection through the real HTTP stack (cheaper than a socket per run).
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/meta`;
  });
  afterAll(async () => {
    server.close();
    await t.close();
  });

  it('never answers 5xx and never stores a message without its conversation and customer', async () => {
    const { ids, channels, ws } = await workspaceWithChannels(t);
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.json().map((j) => JSON.parse(j) as unknown));
    // Mostly well-typed, sometimes anything: deep enough to reach storage, odd enough to find bugs.
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: a }, { weight: 1, arbitrary: anyValue });
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('سلام', 'é@/', '\u0000x', '\ud800', '😊'.repeat(3)));
    const id = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._=-]{1,40}$/), fc.constantFrom('wamid.A', 'wamid.B', 'm_1', 'm_2'));
    const waMessage = fc.record({
      from: maybe(fc.constantFrom('213551234567', '213661987654')), id: maybe(id), timestamp: maybe(fc.constantFrom(String(Math.floor(Date.now() / 1000)), 'x', '99999999999999')),
      type: maybe(fc.constantFrom('text', 'image', 'audio', 'interactive', 'button', 'reaction', 'order', 'location', 'unsupported', 'weird')),
      text: maybe(fc.record({ body: maybe(text) })), image: maybe(fc.record({ id: maybe(id), mime_type: maybe(fc.string()) })),
      interactive: maybe(fc.record({ type: fc.string(), button_reply: maybe(fc.record({ id: fc.string(), title: text })) })),
      reaction: maybe(fc.record({ message_id: maybe(id), emoji: maybe(text) })), location: maybe(fc.record({ latitude: anyValue, longitude: anyValue })),
      order: maybe(fc.record({ product_items: maybe(fc.array(fc.record({ product_retailer_id: fc.string(), quantity: anyValue }), { maxLength: 3 })) })),
      referral: maybe(fc.dictionary(fc.string(), anyValue, { maxKeys: 3 })),
    }, { requiredKeys: REQ });
    const waBody = fc.record({
      object: maybe(fc.constant('whatsapp_business_account')),
      entry: maybe(fc.array(fc.record({ id: maybe(fc.string()), changes: maybe(fc.array(fc.record({
        field: maybe(fc.constantFrom('messages', 'smb_message_echoes', 'account_update')),
        value: maybe(fc.record({
          metadata: maybe(fc.record({ phone_number_id: maybe(fc.constantFrom(ids.PHONE_NUMBER_ID, '1')) })),
          contacts: maybe(fc.array(fc.record({ wa_id: maybe(fc.string()), user_id: maybe(fc.string()), profile: maybe(fc.record({ name: maybe(text) })) }), { maxLength: 2 })),
          messages: maybe(fc.array(waMessage, { maxLength: 3 })),
          message_echoes: maybe(fc.array(waMessage, { maxLength: 2 })),
          statuses: maybe(fc.array(fc.record({ id: maybe(id), status: maybe(fc.constantFrom('sent', 'read', 'failed', 'played')), biz_opaque_callback_data: maybe(fc.string()), errors: maybe(fc.array(fc.record({ code: anyValue }))) }), { maxLength: 2 })),
        }, { requiredKeys: REQ })),
      }, { requiredKeys: REQ }), { maxLength: 2 })) }, { requiredKeys: REQ }), { maxLength: 2 })),
    }, { requiredKeys: REQ });
    const mpBody = fc.constantFrom(['page', ids.PAGE_ID], ['instagram', ids.IG_ID]).chain(([object, acct]) => fc.record({
      object: maybe(fc.constant(object)),
      entry: maybe(fc.array(fc.record({ id: maybe(fc.constantFrom(acct, '42')), time: maybe(fc.integer()), messaging: maybe(fc.array(fc.record({
        sender: maybe(fc.record({ id: maybe(fc.constantFrom('111', '222', acct)) })), recipient: maybe(fc.record({ id: maybe(fc.constantFrom(acct, '111')) })),
        timestamp: maybe(fc.integer()),
        message: maybe(fc.record({ mid: maybe(id), text: maybe(text), is_echo: maybe(fc.boolean()), is_deleted: maybe(fc.boolean()), metadata: maybe(fc.string()),
          quick_reply: maybe(fc.record({ payload: fc.string() })), attachments: maybe(fc.array(fc.record({ type: fc.constantFrom('image', 'file', 'share', 'x'), payload: maybe(fc.record({ url: fc.constantFrom('http://127.0.0.1:1/x') })) }), { maxLength: 2 })),
          reply_to: maybe(fc.record({ story: maybe(fc.record({ id: fc.string(), url: fc.string() })) })) }, { requiredKeys: REQ })),
        postback: maybe(fc.record({ mid: maybe(id), payload: maybe(fc.string()), title: maybe(text) }, { requiredKeys: REQ })),
        reaction: maybe(fc.record({ mid: maybe(id), action: maybe(fc.constantFrom('react', 'unreact')) }, { requiredKeys: REQ })),
      }, { requiredKeys: REQ }), { maxLength: 3 })) }, { requiredKeys: REQ }), { maxLength: 2 })),
    }, { requiredKeys: REQ }));
    const rawBody = fc.oneof(
      { weight: 4, arbitrary: waBody.map((b) => JSON.stringify(b)) },
      { weight: 4, arbitrary: mpBody.map((b) => JSON.stringify(b)) },
      { weight: 1, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.string() },
    );

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(rawBody, async (raw) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(raw, APP_SECRET) }, body: raw });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 2000 },
    );
    expect([...statuses.keys()].every((s) => s === 200 || s === 400)).toBe(true);
    expect(statuses.get(200)).toBeGreaterThan(1000);

    const chIds = Object.values(channels).map((c) => c.id);
    const stored = await t.ctx.knex('messages').whereIn('channel_id', chIds).count({ n: '*' }).first();
    expect(Number(stored!.n)).toBeGreaterThan(20); // the generator does reach the storage path
    // Nothing half-stored: every message sits in a conversation of its own channel and workspace,
    // every conversation has at least one message, every customer has its conversation.
    const orphans = await t.ctx.knex.raw(
      `select
         (select count(*) from messages m join conversations c on c.id = m.conversation_id where m.channel_id = any(?) and (c.channel_id <> m.channel_id or c.workspace_id <> m.workspace_id))::int as wrong_thread,
         (select count(*) from conversations c where c.channel_id = any(?) and not exists (select 1 from messages m where m.conversation_id = c.id))::int as empty_conv,
         (select count(*) from customers cu where cu.channel_id = any(?) and not exists (select 1 from conversations c where c.customer_id = cu.id))::int as lonely_customer,
         (select count(*) from messages m where m.channel_id = any(?) and m.workspace_id <> ?)::int as foreign_ws`,
      [chIds, chIds, chIds, chIds, ws.workspace_id],
    );
    expect(orphans.rows[0]).toEqual({ wrong_thread: 0, empty_conv: 0, lonely_customer: 0, foreign_ws: 0 });
  }, 120_000);
});
