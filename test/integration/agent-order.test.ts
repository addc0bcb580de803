import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import type { TestApp } from '../support/harness';
import { catalogId, conversationOf, sendWhatsApp, shop, until, startAgentWorld, type AgentWorld } from './agent-helpers';

const sentTexts = (graph: FakeGraph, pnid: string) =>
  graph.sends(pnid).map((r) => {
    const b = r.body as { text?: { body: string }; interactive?: { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } } };
    return b.text?.body ?? b.interactive!.body.text;
  });

describe('agent: a Darija conversation becomes a confirmed COD order', () => {
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;

  let world: AgentWorld;
  beforeAll(async () => {
    world = await startAgentWorld({});
    ({ t, ai, graph } = world);
  });
  afterAll(() => world.close());

  it('quotes from the catalog and tariffs, creates a pending order, confirms on the customer yes; caches turn 2', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    // Booking on confirmation is shipping.test.ts's subject; here the order stays unbooked.
    await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, settings: { auto_ship: false }, active: true });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    const from = '213661234567';
    const first = ai.requests.length;

    // Turn 1: price + delivery question in Arabizi.
    ai.script(
      (_r, h) =>
        /ch7al/.test(h.lastUserText())
          ? {
              content: [
                { type: 'tool_use', name: 'search_catalog', input: { query: 'robe noire' } },
                { type: 'tool_use', name: 'quote_delivery', input: { wilaya: 'Alger', commune: 'Bir Mourad Raïs', delivery_type: 'home' } },
              ],
            }
          : undefined,
      (_r, h) => {
        const [cat] = h.toolResults('search_catalog') as Array<{ products: Array<{ price: number }> }>;
        const [quote] = h.toolResults('quote_delivery') as Array<{ fee: number }>;
        if (!cat || !quote) return undefined;
        return { content: [{ type: 'text', text: `Salam! La robe noire b ${cat.products[0]!.price} DA, livraison l Bir Mourad Raïs ${quote.fee} DA. T7eb tcommandi?` }] };
      },
    );
    await sendWhatsApp(t, s.pnid, from, "salam, ch7al l'prix ta3 la robe noire, livraison l Bir Mourad Raïs?");
    await until(async () => graph.sends(s.pnid).length >= 1, 'turn 1 reply');
    expect(sentTexts(graph, s.pnid)[0]).toBe('Salam! La robe noire b 3500 DA, livraison l Bir Mourad Raïs 450 DA. T7eb tcommandi?');

    // Turn 2: the customer gives their details; the model creates the order.
    let createResult: { order_id: string; total: number } | undefined;
    ai.script(
      (req, h) =>
        /nheb nakhedha/.test(h.lastUserText())
          ? {
              content: [
                {
                  type: 'tool_use',
                  name: 'create_order',
                  input: {
                    customer_name: 'Amine Benali',
                    phone: '0661 23 45 67',
                    wilaya: 'Alger',
                    commune: 'Bir Mourad Rais',
                    address: 'Cité 5 juillet, bloc B',
                    delivery_type: 'home',
                    items: [{ product_id: catalogId(req, 'Robe noire'), variant: 'M', quantity: 1 }],
                  },
                },
              ],
            }
          : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        if (r?.name !== 'create_order' || r.is_error) return undefined;
        createResult = r.content as { order_id: string; total: number };
        return { content: [{ type: 'text', text: `Commande: robe noire (M) x1, livraison domicile. Total ${createResult.total} DA. Tconfirmi?` }] };
      },
    );
    await sendWhatsApp(t, s.pnid, from, 'ok nheb nakhedha taille M, smiti Amine Benali, 0661 23 45 67, Bir Mourad Rais Alger, cité 5 juillet bloc B');
    await until(async () => graph.sends(s.pnid).length >= 2, 'turn 2 reply').catch((e) => {
      process.stdout.write(JSON.stringify(ai.requests.slice(-2).map((r) => [r.status, r.body.messages.at(-1)])) + t.logs.lines.filter((l) => /turn|warn|error/.test(l)).slice(-8).join('\n'));
      throw e;
    });
    expect(createResult!.total).toBe(3500 + 450);
    const pending = (await t.http().get(`/api/v1/orders/${createResult!.order_id}`).set(s.ws.auth).expect(200)).body.order;
    expect(pending).toMatchObject({ status: 'pending', total: 3950, customer: { name: 'Amine Benali', phone: '+213661234567', wilaya: '16' } });
    // The summary went out with reply buttons to confirm or cancel.
    const summary = graph.sends(s.pnid)[1]!.body as { type: string; interactive: { body: { text: string }; action: { buttons: Array<{ reply: { id: string } }> } } };
    expect(summary.type).toBe('interactive');
    expect(summary.interactive.body.text).toContain('3950 DA');
    expect(summary.interactive.action.buttons.map((b) => b.reply.id)).toEqual([`confirm:${pending.id}`, `cancel:${pending.id}`]);

    // Turn 3: an explicit yes → confirm_order (the order id comes from the context the server adds).
    ai.script(
      (_r, h) => {
        if (!/ih nconfirmi/.test(h.lastUserText())) return undefined;
        const id = /"order_id":"([0-9a-f-]{36})"/.exec(h.lastUserText())![1]!;
        return { content: [{ type: 'tool_use', name: 'confirm_order', input: { order_id: id } }] };
      },
      (_r, h) => {
        const r = h.lastToolResults()[0];
        return r?.name === 'confirm_order' && !r.is_error
          ? { content: [{ type: 'text', text: `Saha! Commande confirmée, total ${(r.content as { total: number }).total} DA. Nwasloulek f 48h.` }] }
          : undefined;
      },
    );
    const yesId = await sendWhatsApp(t, s.pnid, from, 'ih nconfirmi');
    await until(async () => graph.sends(s.pnid).length >= 3, 'turn 3 reply');
    expect(sentTexts(graph, s.pnid)[2]).toContain('3950 DA');

    const order = (await t.http().get(`/api/v1/orders/${pending.id}`).set(s.ws.auth).expect(200)).body.order;
    expect(order).toMatchObject({ status: 'confirmed', total: 3950, shipment: null });
    expect(order.items).toEqual([expect.objectContaining({ name: 'Robe noire', variant: 'M', unit_price: 3500, quantity: 1, line_total: 3500 })]);
    const row = await t.ctx.knex('orders').where({ id: pending.id }).first();
    const yes = await t.ctx.knex('messages').where({ provider_message_id: yesId }).first();
    expect(row.confirmed_message_id).toBe(yes.id);
    expect(row.confirmed_by).toBe('customer');
    // Stock is taken at confirmation.
    expect((await t.ctx.knex('products').where({ id: s.robe.id }).first()).stock).toBe(9);

    // Caching: every request carries breakpoints; from turn 2 on the prefix is read from the cache.
    const mine = ai.requests.slice(first).filter((r) => r.usage);
    expect(mine).toHaveLength(6);
    for (const r of mine) expect(JSON.stringify(r.body)).toContain('"cache_control":{"type":"ephemeral"}');
    const turn2 = mine[2]!.usage!;
    expect(turn2.cache_read_input_tokens).toBeGreaterThan(0);
    const usageRows = await t.ctx.knex('usage').where({ workspace_id: ws }).orderBy('created_at');
    expect(usageRows).toHaveLength(3);
    expect(usageRows[1].cache_read_tokens).toBeGreaterThan(0);
    expect(usageRows.every((u: { cost_micro_usd: string }) => Number(u.cost_micro_usd) > 0)).toBe(true);

    const totalIn = (u: { input_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number }) =>
      u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
    const later = mine.slice(2).map((r) => r.usage!);
    const cachedShare = later.reduce((a, u) => a + u.cache_read_input_tokens, 0) / later.reduce((a, u) => a + totalIn(u), 0);
    const cost = usageRows.reduce((a: number, u: { cost_micro_usd: string }) => a + Number(u.cost_micro_usd), 0);
    // Figures for the report (not assertions of speed): share of prompt tokens read from cache from turn 2, cost per confirmed order.
    t.ctx.logger.info({ cachedShare, costMicroUsd: cost }, 'agent e2e figures');
    process.stdout.write(`\nFIGURES cached_share_from_turn2=${cachedShare.toFixed(3)} cost_per_confirmed_order_micro_usd=${cost}\n`);

    // Stats see the order, the confirmation and the AI cost.
    const stats = (await t.http().get('/api/v1/stats').set(s.ws.auth).expect(200)).body.stats;
    expect(stats.orders.by_status).toEqual({ confirmed: 1 });
    expect(stats.confirmation_rate).toBe(1);
    expect(stats.ai_cost.micro_usd).toBe(cost);

    const conv = await conversationOf(t, ws);
    expect(conv.needs_human).toBe(false);
  });
});
