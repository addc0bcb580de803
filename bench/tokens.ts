import { costMicroUsd, priceTable } from '../src/agent/cost';
import { saveCourierAccount } from '../src/shipping/courier-accounts';
import { setTariffOverride } from '../src/shipping/tariffs';
import type { FakeRequest, RecordedRequest, ScriptStep } from '../test/fakes/anthropic-server';
import { isSendTo, startTurnFakes } from './fakes';
import { startInProcessApp } from './in-process';
import type { Section } from './lib';
import { customerPhone, openShop, postText } from './shop';
import { benchDatabase } from './support';

/** The product id the model reads from the catalog block of the (cached) system prompt. */
const catalogId = (req: FakeRequest, name: string) => {
  const sys = (req.body.system as Array<{ text: string }>).map((b) => b.text).join('\n');
  return new RegExp(`- ([0-9a-f-]{36}) \\| ${name}`).exec(sys)![1]!;
};
const say = (text: string): ScriptStep => () => ({ content: [{ type: 'text', text }] });
const orderIdIn = (text: string) => /"order_id":"([0-9a-f-]{36})"/.exec(text)?.[1];

/**
 * A realistic sale in Darija, one customer message per turn, and what the model does with it. The
 * tool results carry the prices; the model's texts only repeat what the tools returned.
 */
const CONVERSATION: Array<{ customer: string; model: ScriptStep[] }> = [
  { customer: 'salam alikoum', model: [say('Wa alikoum salam! Kifech n9der n3awnek?')] },
  {
    customer: "ch7al l'prix ta3 la robe noire, livraison l Bir Mourad Raïs?",
    model: [
      () => ({
        content: [
          { type: 'tool_use', name: 'search_catalog', input: { query: 'robe noire' } },
          { type: 'tool_use', name: 'quote_delivery', input: { wilaya: 'Alger', commune: 'Bir Mourad Raïs', delivery_type: 'home' } },
        ],
      }),
      (_r, h) => {
        const [cat] = h.toolResults('search_catalog') as Array<{ products: Array<{ price: number }> }>;
        const [quote] = h.toolResults('quote_delivery') as Array<{ fee: number }>;
        return { content: [{ type: 'text', text: `La robe noire b ${cat!.products[0]!.price} DA, livraison ${quote!.fee} DA.` }] };
      },
    ],
  },
  { customer: 'kayna taille M?', model: [say('Ih, kayna taille M. T7eb tcommandi?')] },
  {
    customer: 'ok nheb nakhedha taille M, smiti Amine Benali, 0661 23 45 67, Bir Mourad Rais Alger, cité 5 juillet bloc B',
    model: [
      (req) => ({
        content: [
          {
            type: 'tool_use',
            name: 'create_order',
            input: {
              customer_name: 'Amine Benali', phone: '0661 23 45 67', wilaya: 'Alger', commune: 'Bir Mourad Rais', address: 'Cité 5 juillet, bloc B',
              delivery_type: 'home', items: [{ product_id: catalogId(req, 'Robe noire'), variant: 'M', quantity: 1 }],
            },
          },
        ],
      }),
      (_r, h) => ({ content: [{ type: 'text', text: `Commande: robe noire (M), total ${(h.lastToolResults()[0]!.content as { total: number }).total} DA. Tconfirmi?` }] }),
    ],
  },
  {
    customer: 'ih nconfirmi',
    model: [
      (_r, h) => ({ content: [{ type: 'tool_use', name: 'confirm_order', input: { order_id: orderIdIn(h.lastUserText())! } }] }),
      say('Saha! Commande confirmée. Nwasloulek f yomain.'),
    ],
  },
  { customer: 'wa9tach twasslouha?', model: [say('Livraison f yomain wla tlata, le livreur y3ayetlek 9bel.')] },
  { customer: 'nkhalas cash 3and livraison?', model: [say('Ih, paiement à la livraison.')] },
  { customer: 'saha, merci bezzaf', model: [say('Bla mzia! Ila 7tajit haja okhra rana hna.')] },
];

const promptTokens = (r: RecordedRequest) => r.usage!.input_tokens + r.usage!.cache_read_input_tokens + r.usage!.cache_creation_input_tokens;

/**
 * Prompt caching: an 8-turn conversation that ends in a confirmed order, through the real agent
 * and tools, with the fake model (which computes cache reads from the request's cache_control
 * breakpoints). Cost priced with src/agent/cost.ts on the default model.
 */
export async function benchTokens(): Promise<Section> {
  const db = await benchDatabase();
  const fakes = await startTurnFakes();
  // Pair spacing (6 s per customer on WhatsApp) would only slow this count down.
  const app = await startInProcessApp(db.url, { ...fakes.env, WHATSAPP_PAIR_INTERVAL_MS: '0' });
  try {
    const shop = await openShop(db.url, app.url, [
      { name: 'Robe noire', price: 3500, stock: 10, description: 'Robe longue noire, tissu crêpe', variants: [{ name: 'M' }, { name: 'L', price: 3800, stock: 2 }] },
      { name: 'Sac à main cuir', price: 2900 },
    ]);
    // auto_ship off: a confirmed order would otherwise book a parcel with the courier.
    await saveCourierAccount(app.ctx, shop.workspaceId, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, settings: { auto_ship: false }, active: true });
    await setTariffOverride(app.ctx, shop.workspaceId, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    const phone = customerPhone(1, 77);
    const perTurn: RecordedRequest[][] = [];
    for (const [i, turn] of CONVERSATION.entries()) {
      const before = fakes.ai.requests.length;
      fakes.ai.script(...turn.model);
      const reply = fakes.graphArrivals.next(isSendTo(phone), 30_000);
      await postText(app.url, shop.phoneNumberId, phone, turn.customer);
      await reply.catch((e: Error) => {
        throw new Error(`tokens: turn ${i + 1} got no reply (${e.message})`);
      });
      perTurn.push(fakes.ai.requests.slice(before).filter((r) => r.usage));
    }
    const orders = await app.ctx.knex('orders').where({ workspace_id: shop.workspaceId, status: 'confirmed' }).count<{ n: string }[]>('* as n');
    const confirmed = Number(orders[0]!.n);
    if (confirmed !== 1) throw new Error(`tokens: expected 1 confirmed order, found ${confirmed}`);

    const later = perTurn.slice(1).flat();
    const cachedShare = later.reduce((s, r) => s + r.usage!.cache_read_input_tokens, 0) / later.reduce((s, r) => s + promptTokens(r), 0);
    const all = perTurn.flat();
    const model = app.ctx.config.anthropic.model;
    const prices = priceTable(app.ctx.config.agent.pricesJson);
    const actual = all.reduce((s, r) => s + costMicroUsd(model, r.usage!, prices), 0);
    const uncached = all.reduce((s, r) => s + costMicroUsd(model, { input_tokens: promptTokens(r), output_tokens: r.usage!.output_tokens }, prices), 0);
    const recorded = await app.ctx.knex('usage').where({ workspace_id: shop.workspaceId }).sum<{ s: string }[]>('cost_micro_usd as s');
    const totalPrompt = all.reduce((s, r) => s + promptTokens(r), 0);
    const cacheRead = all.reduce((s, r) => s + r.usage!.cache_read_input_tokens, 0);
    const perThousand = (microUsd: number) => Number(((microUsd / confirmed) * 1000 / 1e6).toFixed(3));
    return {
      title: 'Tokens: prompt cache and cost per confirmed order',
      method: `${CONVERSATION.length} customer turns (${all.length} model requests: tools + system prompt + history, with the agent's cache_control breakpoints) through the real agent, tools and database; the fake model computes cache reads per breakpoint. Cost from src/agent/cost.ts on the default model ${model}; the app's own usage table recorded ${Number(recorded[0]!.s)} µUSD for the same conversation.`,
      figures: [
        {
          name: 'input tokens read from cache, turns 2–8',
          value: Number((100 * cachedShare).toFixed(1)),
          unit: '%',
          baseline: { name: 'nothing cached', value: 0 },
          goal: '≥ 85 %',
          met: cachedShare >= 0.85,
        },
        {
          name: 'input tokens not read from cache (uncached + cache writes), whole conversation',
          value: totalPrompt - cacheRead,
          unit: 'tokens',
          baseline: { name: 'same prompts if nothing were cached', value: totalPrompt },
          ratio: (totalPrompt - cacheRead) / totalPrompt,
        },
        {
          name: `cost per confirmed order (${model})`,
          value: perThousand(actual),
          unit: 'USD per 1,000 orders',
          baseline: { name: 'same conversation, nothing cached', value: perThousand(uncached) },
          ratio: actual / uncached,
        },
      ],
    };
  } finally {
    await app.stop();
    await fakes.close();
    await db.drop();
  }
}
