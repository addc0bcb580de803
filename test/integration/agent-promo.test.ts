import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import type { TestApp } from '../support/harness';
import { catalogId, conversationOf, sendWhatsApp, shop, until, startAgentWorld, type AgentWorld } from './agent-helpers';

const sentTexts = (graph: FakeGraph, pnid: string) =>
  graph.sends(pnid).map((r) => {
    const b = r.body as { text?: { body: string }; interactive?: { body: { text: string } } };
    return b.text?.body ?? b.interactive!.body.text;
  });

interface OrderResult {
  order_id: string;
  subtotal: number;
  discount: number;
  promo_code: string;
  delivery_fee: number;
  total: number;
}

describe('agent: a promo code the customer writes becomes a server-computed discount', () => {
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;
  let world: AgentWorld;
  beforeAll(async () => {
    world = await startAgentWorld({ WHATSAPP_PAIR_INTERVAL_MS: '0' });
    ({ t, ai, graph } = world);
  });
  afterAll(() => world.close());

  async function promoShop() {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    // Booking on confirmation is shipping.test.ts's subject; here the order stays unbooked.
    await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, settings: { auto_ship: false }, active: true });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    await t.http().post('/api/v1/promo-codes').set(s.ws.auth).send({ code: 'SOLDE10', kind: 'percent', value: 10 }).expect(201);
    return s;
  }

  const orderInput = (productId: string, promo: string) => ({
    customer_name: 'Amine Benali',
    phone: '0661 23 45 67',
    wilaya: 'Alger',
    commune: 'Bir Mourad Rais',
    address: 'Cité 5 juillet, bloc B',
    delivery_type: 'home',
    items: [{ product_id: productId, variant: 'M', quantity: 1 }],
    promo_code: promo,
  });

  it('create_order with the code: the tool result carries the discount and total, the reply quoting them goes out unflagged', async () => {
    const s = await promoShop();
    let result: OrderResult | undefined;
    ai.script(
      (req, h) =>
        /code promo/.test(h.lastUserText())
          ? { content: [{ type: 'tool_use', name: 'create_order', input: orderInput(catalogId(req, 'Robe noire'), 'solde10') }] }
          : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        if (r?.name !== 'create_order' || r.is_error) return undefined;
        result = r.content as OrderResult;
        return {
          content: [{ type: 'text', text: `Robe noire (M): ${result.subtotal} DA, remise ${result.promo_code} -${result.discount} DA, livraison ${result.delivery_fee} DA. Total ${result.total} DA. Tconfirmi?` }],
        };
      },
    );
    await sendWhatsApp(t, s.pnid, '213661234567', 'salam nheb robe noire taille M, smiti Amine Benali, 0661 23 45 67, Bir Mourad Rais Alger, cité 5 juillet bloc B. code promo solde10');
    await until(async () => graph.sends(s.pnid).length >= 1, 'order reply');

    // The model saw promo_code in the tool's schema; the server did the arithmetic.
    const createTool = ai.requests.at(-1)!.body.tools!.find((x) => x.name === 'create_order')!;
    expect((createTool.input_schema as { properties: Record<string, unknown> }).properties).toHaveProperty('promo_code');
    expect(result).toMatchObject({ subtotal: 3500, promo_code: 'SOLDE10', discount: 350, delivery_fee: 450, total: 3500 - 350 + 450 });
    expect(sentTexts(graph, s.pnid)[0]).toBe('Robe noire (M): 3500 DA, remise SOLDE10 -350 DA, livraison 450 DA. Total 3600 DA. Tconfirmi?');
    const conv = await conversationOf(t, s.ws.workspace_id);
    expect(conv.needs_human).toBe(false);

    const order = (await t.http().get(`/api/v1/orders/${result!.order_id}`).set(s.ws.auth).expect(200)).body.order;
    expect(order).toMatchObject({ status: 'pending', subtotal: 3500, discount: 350, promo_code: 'SOLDE10', delivery_fee: 450, total: 3600 });
    const codes = (await t.http().get('/api/v1/promo-codes').set(s.ws.auth).expect(200)).body.promo_codes;
    expect(codes).toEqual([expect.objectContaining({ code: 'SOLDE10', uses: 1 })]);

    // The customer drops the code: update_order with promo_code "" removes it; the server reprices.
    let updated: Record<string, unknown> | undefined;
    ai.script(
      (_r, h) =>
        /bla code/.test(h.lastUserText()) ? { content: [{ type: 'tool_use', name: 'update_order', input: { order_id: result!.order_id, promo_code: '' } }] } : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        if (r?.name !== 'update_order' || r.is_error) return undefined;
        updated = r.content as Record<string, unknown>;
        return { content: [{ type: 'text', text: `Saha, bla code: total ${updated.total as number} DA.` }] };
      },
    );
    await sendWhatsApp(t, s.pnid, '213661234567', 'khalih bla code, nkhelles kamel');
    await until(async () => graph.sends(s.pnid).length >= 2, 'update reply');
    expect(updated).toMatchObject({ subtotal: 3500, total: 3950 });
    expect(updated).not.toHaveProperty('discount');
    expect(sentTexts(graph, s.pnid)[1]).toBe('Saha, bla code: total 3950 DA.');
    expect((await t.http().get(`/api/v1/orders/${result!.order_id}`).set(s.ws.auth).expect(200)).body.order).toMatchObject({ discount: 0, promo_code: null, total: 3950 });
  });

  it('an unknown code comes back to the model as a tool error with the reason, and no order is made', async () => {
    const s = await promoShop();
    let refusal: { is_error: boolean; content: unknown } | undefined;
    ai.script(
      (req, h) =>
        /code promo/.test(h.lastUserText())
          ? { content: [{ type: 'tool_use', name: 'create_order', input: orderInput(catalogId(req, 'Robe noire'), 'MEGA50') }] }
          : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        if (r?.name !== 'create_order') return undefined;
        refusal = r;
        return { content: [{ type: 'text', text: 'Smahli, had le code MEGA50 ma yemchich 3andna. Nkemel la commande bla code?' }] };
      },
    );
    await sendWhatsApp(t, s.pnid, '213661234568', 'nheb robe noire M, Amine Benali 0661 23 45 67 Bir Mourad Rais Alger cité 5 juillet bloc B, code promo MEGA50');
    await until(async () => graph.sends(s.pnid).length >= 1, 'refusal reply');

    expect(refusal).toEqual(expect.objectContaining({ is_error: true, content: 'The promo code "MEGA50" does not exist in this shop' }));
    expect(sentTexts(graph, s.pnid)[0]).toBe('Smahli, had le code MEGA50 ma yemchich 3andna. Nkemel la commande bla code?');
    expect((await t.http().get('/api/v1/orders').set(s.ws.auth).expect(200)).body.orders).toEqual([]);
    const codes = (await t.http().get('/api/v1/promo-codes').set(s.ws.auth).expect(200)).body.promo_codes;
    expect(codes).toEqual([expect.objectContaining({ code: 'SOLDE10', uses: 0 })]);
  });

  it('a code refused for its minimum subtotal: the reply may quote the minimum (a server figure), and is not flagged', async () => {
    const s = await promoShop();
    await t.http().post('/api/v1/promo-codes').set(s.ws.auth).send({ code: 'BIG500', kind: 'amount', value: 500, min_subtotal: 5000 }).expect(201);
    let refusal: { is_error: boolean; content: unknown } | undefined;
    ai.script(
      (req, h) =>
        /code promo/.test(h.lastUserText())
          ? { content: [{ type: 'tool_use', name: 'create_order', input: orderInput(catalogId(req, 'Robe noire'), 'big500') }] }
          : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        if (r?.name !== 'create_order') return undefined;
        refusal = r;
        return { content: [{ type: 'text', text: 'Had le code BIG500 yemchi m3a commande men 5000 DA w fouq. Tzid haja?' }] };
      },
    );
    await sendWhatsApp(t, s.pnid, '213661234569', 'nheb robe noire M, Amine Benali 0661 23 45 67 Bir Mourad Rais Alger cité 5 juillet bloc B, code promo BIG500');
    await until(async () => graph.sends(s.pnid).length >= 1, 'refusal reply');

    expect(refusal).toEqual(expect.objectContaining({ is_error: true, content: expect.stringContaining('at least 5000 DA') }));
    expect(sentTexts(graph, s.pnid)[0]).toBe('Had le code BIG500 yemchi m3a commande men 5000 DA w fouq. Tzid haja?');
    const conv = await t.ctx.knex('conversations').where({ workspace_id: s.ws.workspace_id }).first('needs_human');
    expect(conv.needs_human).toBe(false);
  });
});
