import crypto from 'node:crypto';
import { InboundWriter, type MessageEvent } from '../../src/conversations/inbound-writer';
import { TURN_JOB } from '../../src/conversations/turn-queue';
import { startTestApp, type TestApp } from '../support/harness';
import { workspaceWithChannels } from '../support/meta-fixtures';
import { sendWhatsApp } from './agent-helpers';

/**
 * Inbound messages that arrive together share one statement (src/conversations/inbound-writer.ts).
 * Through the real endpoint and database; no worker runs, so queued turn jobs stay to be counted.
 */
describe('batched inbound storage', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const turnJobs = async (conversationId: string) =>
    Number((await t.ctx.knex.raw("select count(*)::int as n from pgboss.job where name = ? and data->>'conversationId' = ?", [TURN_JOB, conversationId])).rows[0].n);

  it('stores 40 concurrent messages of 8 customers once each, in arrival order, with one queued turn per conversation', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const customers = Array.from({ length: 8 }, (_, i) => `2135500000${String(i).padStart(2, '0')}`);
    const sent: Array<{ from: string; id: string; text: string }> = [];
    // Five rounds; within a round all eight customers write at once (and one copy is redelivered).
    for (let round = 0; round < 5; round++) {
      const wave = customers.map((from) => ({ from, id: `wamid.${crypto.randomUUID()}`, text: `msg ${round} of ${from}` }));
      await Promise.all([...wave.map((m) => sendWhatsApp(t, ids.PHONE_NUMBER_ID, m.from, m.text, m.id)), sendWhatsApp(t, ids.PHONE_NUMBER_ID, wave[0]!.from, wave[0]!.text, wave[0]!.id)]);
      sent.push(...wave);
    }
    const stored = await t.ctx.knex('messages').where({ channel_id: channels.whatsapp.id }).orderBy('stored_at').select('provider_message_id', 'text', 'conversation_id');
    expect(stored).toHaveLength(40);
    expect(new Set(stored.map((m) => m.provider_message_id))).toEqual(new Set(sent.map((m) => m.id)));
    const convs = await t.ctx.knex('conversations').where({ channel_id: channels.whatsapp.id });
    expect(convs).toHaveLength(8);
    for (const c of convs) {
      // Each customer's messages in the order they were sent (rounds are sequential).
      const texts = stored.filter((m) => m.conversation_id === c.id).map((m) => m.text);
      expect(texts).toHaveLength(5);
      expect(texts).toEqual([...texts].sort());
      expect(await turnJobs(c.id)).toBe(1);
    }
    // Operators see how messages share writes: all 45 deliveries went through a batch.
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^wakil_inbound_batch_messages_sum 45$/m);
  });

  it('one message that cannot be stored fails alone; its batch-mates are stored', async () => {
    const { ids, channels } = await workspaceWithChannels(t);
    const writer = new InboundWriter(t.ctx, { maxBatch: 100, maxInFlight: 1 });
    const event = (n: number, timestamp = new Date()): MessageEvent => ({
      type: 'message',
      channel: 'whatsapp',
      accountId: ids.PHONE_NUMBER_ID,
      timestamp,
      customer: { externalId: `21366000000${n}`, waId: `21366000000${n}` },
      providerMessageId: `wamid.batch.${ids.PHONE_NUMBER_ID}.${n}`,
      kind: 'text',
      text: `hello ${n}`,
      payload: {},
      triggersTurn: true,
    });
    const results = await Promise.allSettled([event(1), event(2, new Date(Number.NaN)), event(3)].map((e) => writer.store(e)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<string>).value).toBe('stored');
    const stored = await t.ctx.knex('messages').where({ channel_id: channels.whatsapp.id }).pluck('text');
    expect(stored.sort()).toEqual(['hello 1', 'hello 3']);
    // Unknown and disconnected accounts are answered, not stored.
    expect(await writer.store({ ...event(4), accountId: '999999999999999' })).toBe('unknown_account');
  });

  it('a redelivery re-queues the turn its first delivery may have died before queuing, unless a reply followed', async () => {
    const { ids, channels, ws } = await workspaceWithChannels(t);
    const from = '213551112233';
    const id = await sendWhatsApp(t, ids.PHONE_NUMBER_ID, from, 'salam, ch7al?');
    const conv = await t.ctx.knex('conversations').where({ channel_id: channels.whatsapp.id }).first();
    expect(await turnJobs(conv.id)).toBe(1);
    // The process died after the message committed and before its job was queued.
    await t.ctx.knex.raw("delete from pgboss.job where name = ? and data->>'conversationId' = ?", [TURN_JOB, conv.id]);
    await sendWhatsApp(t, ids.PHONE_NUMBER_ID, from, 'salam, ch7al?', id);
    expect(await turnJobs(conv.id)).toBe(1);
    expect(await t.ctx.knex('messages').where({ channel_id: channels.whatsapp.id })).toHaveLength(1);

    // Once answered, a late redelivery of the same message wakes nothing.
    await t.ctx.knex.raw("delete from pgboss.job where name = ? and data->>'conversationId' = ?", [TURN_JOB, conv.id]);
    await t.ctx.knex('messages').insert({
      workspace_id: ws.workspace_id, conversation_id: conv.id, channel_id: channels.whatsapp.id, direction: 'out', author: 'ai',
      kind: 'text', text: '4500 DA', status: 'sent', idempotency_key: `turn:${conv.id}:x`,
    });
    await sendWhatsApp(t, ids.PHONE_NUMBER_ID, from, 'salam, ch7al?', id);
    expect(await turnJobs(conv.id)).toBe(0);
  });
});
