import type { Knex } from 'knex';
import type { AppContext } from '../../src/context';
import { leadHooks, type LeadChange } from '../../src/orders/hooks';
import { createOrder, transitionOrder } from '../../src/orders/service';
import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { type FakeAnthropic, type FakeRequest } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import type { TestApp } from '../support/harness';
import { fixture, postWebhook } from '../support/meta-fixtures';
import { conversationOf, sendWhatsApp, shop, until, startAgentWorld, type AgentWorld } from './agent-helpers';

const sentText = (graph: FakeGraph, pnid: string, i: number) => {
  const b = graph.sends(pnid)[i]!.body as { text?: { body: string }; interactive?: { body: { text: string } } };
  return b.text?.body ?? b.interactive!.body.text;
};
async function turnJobs(t: TestApp, conversationId: string): Promise<string[]> {
  const r = await t.ctx.knex.raw("SELECT state::text AS state FROM pgboss.job WHERE name = 'conversation.turn' AND data->>'conversationId' = ?", [conversationId]);
  return (r.rows as Array<{ state: string }>).map((x) => x.state);
}
const isSummaryRequest = (req: FakeRequest) => !req.body.tools;

describe('agent tools: update_order, capture_lead, handoff_to_human, summary, images', () => {
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;

  let world: AgentWorld;
  beforeAll(async () => {
    world = await startAgentWorld({ WHATSAPP_PAIR_INTERVAL_MS: '0', AGENT_FOLLOW_UP_MINUTES: '0', AGENT_HISTORY_MESSAGES: '4' });
    ({ t, ai, graph } = world);
  });
  afterAll(() => world.close());

  it('update_order reprices quantity and commune on the server, and is refused once shipped', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, active: true });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 31, deliveryType: 'home', fee: 700 });
    ai.script((_r, h) => (h.lastUserText().includes('salam') ? { content: [{ type: 'text', text: 'Marhba!' }] } : undefined));
    await sendWhatsApp(t, s.pnid, '213661400001', 'salam');
    await until(async () => graph.sends(s.pnid).length >= 1, 'first reply');
    const conv = await conversationOf(t, ws);
    const order = await createOrder(
      t.ctx,
      ws,
      {
        conversationId: conv.id, customerId: conv.customer_id, customerName: 'Amine B', phone: '+213661400001', wilayaCode: '16', communeCode: '1601',
        address: 'Rue 1', deliveryType: 'home', deliveryFee: 450, items: [{ product_id: s.robe.id, variant: 'M', quantity: 1 }], source: 'agent',
      },
      'agent',
    );
    expect(order.total).toBe(3950);

    // The model sends a wrong "total" nowhere: it can only name items and places; the server prices.
    ai.script(
      (_r, h) =>
        h.lastUserText().includes('zouj')
          ? { content: [{ type: 'tool_use', name: 'update_order', input: { order_id: order.id, items: [{ product_id: s.robe.id, variant: 'M', quantity: 2 }], wilaya: 'Oran', commune: 'Es Senia' } }] }
          : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        return r?.name === 'update_order' && !r.is_error ? { content: [{ type: 'text', text: `C'est fait: total ${(r.content as { total: number }).total} DA.` }] } : undefined;
      },
    );
    await sendWhatsApp(t, s.pnid, '213661400001', 'bedelt: nheb zouj, w l Es Senia f Oran');
    await until(async () => graph.sends(s.pnid).length >= 2, 'update reply');
    expect(sentText(graph, s.pnid, 1)).toBe("C'est fait: total 7700 DA.");
    const updated = (await t.http().get(`/api/v1/orders/${order.id}`).set(s.ws.auth).expect(200)).body.order;
    expect(updated).toMatchObject({ status: 'pending', total: 2 * 3500 + 700, delivery_fee: 700, subtotal: 7000, customer: { wilaya: '31', commune: '3105' } });
    expect(updated.items).toEqual([expect.objectContaining({ quantity: 2, unit_price: 3500, line_total: 7000 })]);

    // Shipped: the tool refuses and nothing changes.
    await transitionOrder(t.ctx, ws, order.id, 'confirmed', 'test', { confirmedBy: 'merchant' });
    await transitionOrder(t.ctx, ws, order.id, 'shipped', 'test');
    let refusal: { is_error: boolean; content: unknown } | undefined;
    ai.script(
      (_r, h) =>
        h.lastUserText().includes('tlata')
          ? { content: [{ type: 'tool_use', name: 'update_order', input: { order_id: order.id, items: [{ product_id: s.robe.id, variant: 'M', quantity: 3 }] } }] }
          : undefined,
      (_r, h) => {
        refusal = h.lastToolResults()[0];
        return refusal ? { content: [{ type: 'text', text: 'Sma7li, la commande rahi f triq.' }] } : undefined;
      },
    );
    await sendWhatsApp(t, s.pnid, '213661400001', 'nheb tlata');
    await until(async () => graph.sends(s.pnid).length >= 3, 'refusal reply');
    expect(refusal!.is_error).toBe(true);
    expect(String(refusal!.content)).toMatch(/shipped; it can no longer be changed/);
    const after = (await t.http().get(`/api/v1/orders/${order.id}`).set(s.ws.auth).expect(200)).body.order;
    expect(after).toMatchObject({ status: 'shipped', total: 7700 });
    expect(after.items[0].quantity).toBe(2);
  });

  it('capture_lead stores the lead (phone normalised, wilaya resolved) and runs the lead hooks', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    const seen: LeadChange[] = [];
    const hook = async (_ctx: AppContext, _trx: Knex.Transaction, change: LeadChange) => {
      if (change.workspaceId === ws) seen.push(change);
    };
    leadHooks.push(hook);
    try {
      ai.script(
        (_r, h) =>
          h.lastUserText().includes('mba3d')
            ? { content: [{ type: 'tool_use', name: 'capture_lead', input: { customer_name: 'Nadia', phone: '0770 12 34 56', interest: 'sac à main cuir, plus tard', wilaya: 'Blida' } }] }
            : undefined,
        (_r, h) => (h.lastToolResults()[0]?.name === 'capture_lead' ? { content: [{ type: 'text', text: 'Mlih Nadia, nkhbrouk.' }] } : undefined),
      );
      await sendWhatsApp(t, s.pnid, '213770123456', 'nchri sac mba3d, smiti Nadia 0770 12 34 56 men Blida');
      await until(async () => graph.sends(s.pnid).length >= 1, 'reply');
    } finally {
      leadHooks.splice(leadHooks.indexOf(hook), 1);
    }
    const conv = await conversationOf(t, ws);
    const leads = (await t.http().get('/api/v1/leads').set(s.ws.auth).expect(200)).body.leads;
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ conversation_id: conv.id, customer_name: 'Nadia', phone: '+213770123456', interest: 'sac à main cuir, plus tard', wilaya: '09', status: 'new' });
    expect(seen).toEqual([{ workspaceId: ws, leadId: leads[0].id, created: true }]);
  });

  it('handoff_to_human pauses and flags the conversation; its goodbye goes out; the next message is not answered', async () => {
    const s = await shop(t);
    ai.script(
      (_r, h) => (h.lastUserText().includes('remboursement') ? { content: [{ type: 'tool_use', name: 'handoff_to_human', input: { reason: 'wants a refund for a damaged bag' } }] } : undefined),
      (_r, h) => (h.lastToolResults()[0]?.name === 'handoff_to_human' ? { content: [{ type: 'text', text: "Un membre de l'équipe vous répond bientôt." }] } : undefined),
    );
    await sendWhatsApp(t, s.pnid, '213661400003', 'Je veux un remboursement, le sac est abîmé');
    await until(async () => graph.sends(s.pnid).length >= 1, 'goodbye');
    expect(sentText(graph, s.pnid, 0)).toBe("Un membre de l'équipe vous répond bientôt.");
    const conv = await conversationOf(t, s.ws.workspace_id);
    expect(conv).toMatchObject({ ai_paused: true, needs_human: true, handoff_reason: 'wants a refund for a damaged bag', paused_reason: 'handoff' });

    const n = ai.requests.length;
    await sendWhatsApp(t, s.pnid, '213661400003', 'allo ?');
    const turns = await until(async () => {
      const rows = await turnJobs(t, conv.id);
      return rows.length === 2 && rows.every((x) => x === 'completed') ? rows : null;
    }, 'the second turn ran');
    expect(turns).toHaveLength(2);
    expect(ai.requests.length).toBe(n);
    expect(graph.sends(s.pnid)).toHaveLength(1);
  });

  it('a long conversation is summarised: the next request carries the summary and fewer verbatim messages', async () => {
    const s = await shop(t);
    const SUMMARY = 'Customer wants the robe noire in M, delivered to Oran; no order yet.';
    let summaryRequests = 0;
    ai.fallback((req, h) => {
      if (isSummaryRequest(req)) {
        summaryRequests++;
        return { content: [{ type: 'text', text: SUMMARY }] };
      }
      const n = /msg (\d+)/.exec(h.lastUserText())?.[1];
      return n ? { content: [{ type: 'text', text: `ok ${n}` }] } : undefined;
    });
    try {
      // 5 exchanges = 10 messages > 2 × AGENT_HISTORY_MESSAGES (4): the summary is made after the 5th.
      for (let i = 1; i <= 5; i++) {
        await sendWhatsApp(t, s.pnid, '213661400004', `msg ${i}`);
        await until(async () => graph.sends(s.pnid).length >= i, `reply ${i}`);
        // The summary step runs after the reply went out: let the turn finish before the next message.
        const c = await conversationOf(t, s.ws.workspace_id);
        await until(async () => (await turnJobs(t, c.id)).filter((x) => x === 'completed').length === i, `turn ${i} finished`);
      }
      const conv = await until(async () => {
        const c = await conversationOf(t, s.ws.workspace_id);
        return c.summary ? c : null;
      }, 'the summary stored');
      expect(conv.summary).toBe(SUMMARY);
      expect(summaryRequests).toBe(1);
      const summaryReq = ai.requests.filter((r) => isSummaryRequest(r)).at(-1)!;
      const transcript = JSON.stringify(summaryReq.body.messages);
      expect(transcript).toContain('customer: msg 1');
      expect(transcript).toContain('assistant: ok 3');
      expect(transcript).not.toContain('msg 4'); // the last 4 messages stay verbatim

      const before = ai.requests.length;
      await sendWhatsApp(t, s.pnid, '213661400004', 'msg 6');
      await until(async () => graph.sends(s.pnid).length >= 6, 'reply 6');
      const req = ai.requests.slice(before).find((r) => !isSummaryRequest(r))!;
      const body = JSON.stringify(req.body.messages);
      expect(body).toContain(`[summary of the earlier conversation]\\n${SUMMARY}`);
      for (const gone of ['msg 1', 'ok 1', 'msg 3', 'ok 3']) expect(body).not.toContain(gone);
      for (const kept of ['msg 4', 'ok 4', 'msg 5', 'ok 5', 'msg 6']) expect(body).toContain(kept);
      // Summary + 4 kept messages + the new one, merged into alternating turns.
      expect(req.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    } finally {
      ai.fallback(null);
    }
  });

  it("a customer's photo reaches the model as an image block", async () => {
    const s = await shop(t);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('fake-jpeg-body-for-the-agent'), Buffer.from([0xff, 0xd9])]);
    const mediaId = `77${Date.now()}`;
    graph.media.set(mediaId, { bytes: jpeg, mime: 'image/jpeg' });
    let image: Record<string, unknown> | undefined;
    ai.script((req) => {
      const last = req.body.messages.at(-1)!;
      const blocks = Array.isArray(last.content) ? last.content : [];
      image = blocks.find((b) => b.type === 'image');
      return image ? { content: [{ type: 'text', text: 'Hadi robe noire, kayna f M w L.' }] } : undefined;
    });
    await postWebhook(t, fixture('wa-image', { PHONE_NUMBER_ID: s.pnid, MEDIA_ID: mediaId })).expect(200);
    await until(async () => graph.sends(s.pnid).length >= 1, 'reply to the photo');
    expect(image).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: jpeg.toString('base64') } });
    // The caption rides along as text.
    const req = ai.requests.at(-1)!;
    expect(JSON.stringify(req.body.messages.at(-1)!.content)).toContain('بشحال هذي مع التوصيل لقسنطينة؟');
    expect(sentText(graph, s.pnid, 0)).toBe('Hadi robe noire, kayna f M w L.');
  });
});
