import { execNative } from '../../src/db/connect';
import { createOrder, transitionOrder } from '../../src/orders/service';
import { type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import { startTestApp, type TestApp } from '../support/harness';
import { conversationOf, sendWhatsApp, shop, until, startAgentWorld, type AgentWorld } from './agent-helpers';

const bodyText = (r: { body: unknown }) => {
  const b = r.body as { text?: { body: string }; interactive?: { body: { text: string } } };
  return b.text?.body ?? b.interactive!.body.text;
};

/** Jobs of a queue for one conversation/order, by state (the queue's own table). */
async function jobStates(t: TestApp, name: string, field: string, value: string): Promise<string[]> {
  const r = await execNative(t.ctx.knex, `SELECT state::text AS state FROM pgboss.job WHERE name = $1 AND data->>'${field}' = $2`, [name, value]);
  return (r.rows as Array<{ state: string }>).map((x) => x.state);
}
const allDone = (states: string[], n: number) => states.length === n && states.every((s) => s === 'completed');

describe('agent follow-ups: one nudge when a customer stalls', () => {
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;

  let world: AgentWorld;
  beforeAll(async () => {
    world = await startAgentWorld({ WHATSAPP_PAIR_INTERVAL_MS: '0', AGENT_FOLLOW_UP_MINUTES: '0.03' /* 1.8 s */ });
    ({ t, ai, graph } = world);
  });
  afterAll(() => world.close());

  it('a question left unanswered gets exactly one follow-up in the customer language', async () => {
    const s = await shop(t);
    ai.script((_r, h) => (h.lastUserText().includes('robe noire') ? { content: [{ type: 'text', text: 'Kayna f M w L. T7eb tcommandi?' }] } : undefined));
    await sendWhatsApp(t, s.pnid, '213661200001', 'salam, wach kayen robe noire?');
    await until(async () => graph.sends(s.pnid).length >= 2, 'reply and follow-up');
    const conv = await conversationOf(t, s.ws.workspace_id);
    const texts = graph.sends(s.pnid).map(bodyText);
    expect(texts[1]).toBe('Mazal mhtam? Ila 3andek ay so2al rani hna n3awnek.'); // follow_up.arabizi
    await until(async () => allDone(await jobStates(t, 'agent.follow_up', 'conversationId', conv.id), 1), 'the follow-up job done');
    expect((await conversationOf(t, s.ws.workspace_id)).followed_up_at).not.toBeNull();
    // The follow-up is not itself followed up.
    await new Promise((r) => setTimeout(r, 1500));
    expect(graph.sends(s.pnid)).toHaveLength(2);
    const out = await t.ctx.knex('messages').where({ conversation_id: conv.id, direction: 'out' }).orderBy('stored_at');
    expect(out.map((m: { author: string }) => m.author)).toEqual(['ai', 'system']);
  });

  it('no follow-up when the customer writes again, nor when a person pauses the AI', async () => {
    const s = await shop(t);
    ai.script(
      (_r, h) => (h.lastUserText().includes('taille M') ? { content: [{ type: 'text', text: 'Ih kayna. Chhal men wa7da?' }] } : undefined),
      (_r, h) => (h.lastUserText().includes('wa7da brk') ? { content: [{ type: 'text', text: 'Mlih, saha.' }] } : undefined),
    );
    await sendWhatsApp(t, s.pnid, '213661200002', 'kayna taille M?');
    await until(async () => graph.sends(s.pnid).length >= 1, 'first reply');
    // The customer answers before the follow-up is due; our answer asks nothing.
    await sendWhatsApp(t, s.pnid, '213661200002', 'wa7da brk');
    await until(async () => graph.sends(s.pnid).length >= 2, 'second reply');
    const conv = await conversationOf(t, s.ws.workspace_id);
    await until(async () => allDone(await jobStates(t, 'agent.follow_up', 'conversationId', conv.id), 2), 'both follow-up jobs done');
    expect(graph.sends(s.pnid).map(bodyText)).toEqual(['Ih kayna. Chhal men wa7da?', 'Mlih, saha.']);
    expect((await conversationOf(t, s.ws.workspace_id)).followed_up_at).toBeNull();

    // Another customer: the AI asks, then the merchant pauses the conversation.
    const s2 = await shop(t);
    ai.script((_r, h) => (h.lastUserText().includes('sac') ? { content: [{ type: 'text', text: 'Ih, wach men couleur?' }] } : undefined));
    await sendWhatsApp(t, s2.pnid, '213661200003', 'kayen sac?');
    await until(async () => graph.sends(s2.pnid).length >= 1, 'reply');
    const conv2 = await conversationOf(t, s2.ws.workspace_id);
    await t.http().post(`/api/v1/conversations/${conv2.id}/pause`).set(s2.ws.auth).send({}).expect(200);
    await until(async () => allDone(await jobStates(t, 'agent.follow_up', 'conversationId', conv2.id), 1), 'the follow-up job done');
    expect(graph.sends(s2.pnid)).toHaveLength(1);
    expect((await conversationOf(t, s2.ws.workspace_id)).followed_up_at).toBeNull();
  });
});

describe('pending orders: one reminder, then expiry', () => {
  let t: TestApp;
  let graph: FakeGraph;

  beforeAll(async () => {
    graph = await new FakeGraph().start();
    t = await startTestApp({
      work: true,
      env: {
        META_GRAPH_BASE_URL: graph.baseUrl,
        WHATSAPP_PAIR_INTERVAL_MS: '0',
        AGENT_FOLLOW_UP_MINUTES: '0',
        PENDING_ORDER_REMIND_HOURS: '0.0003', // ~1.1 s
        PENDING_ORDER_EXPIRE_HOURS: '0.0008', // ~2.9 s
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  /** A WhatsApp customer who wrote in French, with a pending order in their conversation. */
  async function pendingOrder(from: string) {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    // The AI is off so the inbound message only sets up the conversation (and its language).
    await t.http().put('/api/v1/agent').set(s.ws.auth).send({ ai_enabled: false }).expect(200);
    await sendWhatsApp(t, s.pnid, from, 'Bonjour, je voudrais la robe noire taille M svp');
    const conv = await conversationOf(t, ws);
    await until(async () => allDone(await jobStates(t, 'conversation.turn', 'conversationId', conv.id), 1), 'the (skipped) turn');
    await t.http().put('/api/v1/agent').set(s.ws.auth).send({ ai_enabled: true }).expect(200);
    const order = await createOrder(
      t.ctx,
      ws,
      {
        conversationId: conv.id, customerId: conv.customer_id, customerName: 'Sara B', phone: '+213661234567', wilayaCode: '16', communeCode: null,
        address: 'Rue 1', deliveryType: 'home', deliveryFee: 400, items: [{ product_id: s.robe.id, variant: 'M', quantity: 1 }], source: 'agent',
      },
      'agent',
    );
    return { s, conv, order };
  }

  it('reminds once with the server total and confirm/cancel buttons, then expires the order', async () => {
    const { s, order } = await pendingOrder('213661300001');
    expect(order.total).toBe(3900);
    await until(async () => graph.sends(s.pnid).length >= 1, 'the reminder');
    const sent = graph.sends(s.pnid)[0]!.body as { type: string; interactive: { body: { text: string }; action: { buttons: Array<{ reply: { id: string } }> } } };
    expect(sent.type).toBe('interactive');
    expect(sent.interactive.body.text).toBe('Votre commande (3900 DA) attend toujours votre confirmation. On la confirme ?');
    expect(sent.interactive.action.buttons.map((b) => b.reply.id)).toEqual([`confirm:${order.id}`, `cancel:${order.id}`]);
    await until(async () => (await t.ctx.knex('orders').where({ id: order.id }).first()).reminded_at, 'reminded_at recorded');

    const expired = await until(async () => {
      const o = (await t.http().get(`/api/v1/orders/${order.id}`).set(s.ws.auth).expect(200)).body.order;
      return o.status === 'expired' ? o : null;
    }, 'the order expired');
    expect(expired.total).toBe(3900);
    expect(graph.sends(s.pnid)).toHaveLength(1); // reminded once, expiry is silent
    const audit = await t.ctx.knex('audit_log').where({ target: order.id, action: 'order.expired' }).first();
    expect(audit.actor).toBe('system');
  });

  it('a confirmed order is neither reminded nor expired', async () => {
    const { s, order } = await pendingOrder('213661300002');
    await transitionOrder(t.ctx, s.ws.workspace_id, order.id, 'confirmed', 'test', { confirmedBy: 'merchant' });
    await until(async () => allDone(await jobStates(t, 'orders.pending_remind', 'orderId', order.id), 1), 'reminder job done');
    await until(async () => allDone(await jobStates(t, 'orders.pending_expire', 'orderId', order.id), 1), 'expiry job done');
    const row = await t.ctx.knex('orders').where({ id: order.id }).first();
    expect(row.status).toBe('confirmed');
    expect(row.reminded_at).toBeNull();
    expect(graph.sends(s.pnid)).toHaveLength(0);
  });
});
