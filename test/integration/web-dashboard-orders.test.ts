import crypto from 'node:crypto';
import { algiersDay } from '../../src/orders/stats';
import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

const DAY = 86_400_000;

/** noon in Algiers, `back` calendar days before today (Algiers). */
function algiersNoon(back: number): Date {
  return new Date(Date.parse(`${algiersDay(new Date())}T12:00:00+01:00`) - back * DAY);
}
const dayKey = (back: number) => algiersDay(algiersNoon(back));

async function html200(c: WebClient, path: string): Promise<string> {
  const r = await c.get(path);
  expect({ path, status: r.status }).toEqual({ path, status: 200 });
  return r.text;
}

describe('dashboard stats, order filters, shipping from the orders page', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A rate other than the default proves USD_DZD_RATE reaches the stats.
    t = await startTestApp({ env: { USD_DZD_RATE: '140' } });
  });
  afterAll(() => t.close());

  async function shop(tag: string) {
    const c = new WebClient(t.app);
    await c.signUp({ shop: `Shop ${tag}`, email: uniqueEmail(tag) });
    const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
    return { c, ws };
  }

  async function conversation(ws: string, kind: 'whatsapp' | 'messenger' | 'instagram' | 'playground', createdAt: Date, referral?: Record<string, unknown>) {
    const knex = t.ctx.knex;
    const [ch] = await knex('channels').insert({ workspace_id: ws, kind, external_id: crypto.randomUUID() }).returning('id');
    const [cu] = await knex('customers').insert({ workspace_id: ws, channel_id: ch.id, external_id: crypto.randomUUID() }).returning('id');
    const [cv] = await knex('conversations')
      .insert({ workspace_id: ws, channel_id: ch.id, customer_id: cu.id, created_at: createdAt, referral: referral ? JSON.stringify(referral) : null })
      .returning('id');
    return cv.id as string;
  }

  const order = async (ws: string, o: Record<string, unknown>) =>
    (await t.ctx.knex('orders').insert({ workspace_id: ws, source: 'api', phone: '+213550000001', ...o }).returning('id'))[0].id as string;

  it('computes the new stats figures exactly from seeded rows, and draws them on the dashboard', async () => {
    const { c, ws } = await shop('stats');
    const ad = { source_id: 'ad-1', headline: 'Robe promo', source_type: 'ad', ctwa_clid: 'clid-1' };
    const conv1 = await conversation(ws, 'whatsapp', algiersNoon(3), ad);
    const conv2 = await conversation(ws, 'whatsapp', algiersNoon(3), { ...ad, ctwa_clid: 'clid-2' });
    const conv3 = await conversation(ws, 'messenger', algiersNoon(2), { headline: 'Sacs', source_type: 'ad' });
    const conv4 = await conversation(ws, 'instagram', algiersNoon(2));
    await conversation(ws, 'whatsapp', new Date(Date.now() - 40 * DAY)); // outside the window

    await order(ws, { conversation_id: conv1, status: 'delivered', total: 5000, created_at: algiersNoon(3) });
    await order(ws, { conversation_id: conv2, status: 'delivered', total: 3000, created_at: algiersNoon(3) });
    await order(ws, { conversation_id: conv3, status: 'returned', total: 4000, created_at: algiersNoon(2) });
    await order(ws, { status: 'cancelled', total: 2500, created_at: algiersNoon(2) });
    await order(ws, { conversation_id: conv4, status: 'pending', total: 1000, created_at: algiersNoon(2) });
    // 23:30 UTC is 00:30 the next day in Algiers: counted on that next day.
    const lateNight = new Date(Date.parse(`${dayKey(5)}T23:30:00Z`));
    await order(ws, { status: 'confirmed', total: 6000, created_at: lateNight });
    await order(ws, { status: 'delivered', total: 9999, created_at: new Date(Date.now() - 40 * DAY) });
    // The merchant testing the agent: neither sales nor customer conversations.
    const pg = await conversation(ws, 'playground', algiersNoon(2), ad);
    await order(ws, { conversation_id: pg, source: 'playground', status: 'delivered', total: 777, created_at: algiersNoon(2) });
    await t.ctx.knex('usage').insert([
      { workspace_id: ws, model: 'm', cost_micro_usd: 2_000_000, created_at: algiersNoon(3) },
      { workspace_id: ws, model: 'm', cost_micro_usd: 1_000_000, created_at: algiersNoon(2) },
      { workspace_id: ws, model: 'm', cost_micro_usd: 7_000_000, created_at: new Date(Date.now() - 40 * DAY) },
    ]);

    const s = (await c.agent.get('/api/v1/stats').expect(200)).body.stats;
    expect(s.orders).toEqual({ total: 6, by_status: { delivered: 2, returned: 1, cancelled: 1, pending: 1, confirmed: 1 } });
    expect(s.confirmation_rate).toBe(0.8); // 4 confirmed or beyond of 5 decided
    expect(s.revenue_delivered).toBe(8000);
    expect(s.delivered_vs_returned).toEqual({ delivered: 2, returned: 1, return_rate: 0.333 });
    expect(s.ai_cost).toEqual({ micro_usd: 3_000_000, dzd: 420, usd_to_dzd: 140 });
    expect(s.roi).toBe(19.05); // 8000 / 420
    expect(s.conversations).toEqual({ total: 4, by_channel: { whatsapp: 2, messenger: 1, instagram: 1 } });
    expect(s.orders_by_ad).toEqual([
      { key: 'ad-1', source_id: 'ad-1', headline: 'Robe promo', orders: 2, delivered: 2, revenue_delivered: 8000 },
      { key: 'Sacs', source_id: null, headline: 'Sacs', orders: 1, delivered: 0, revenue_delivered: 0 },
    ]);
    expect(s.orders_from_ads).toBe(3);
    expect(s.orders_without_ad).toBe(3);
    // Shown apart from sales: the one test order in the period.
    expect(s.playground_orders).toBe(1);
    expect(s.per_day).toEqual([
      { day: dayKey(4), orders: 1, confirmed: 1, delivered: 0, returned: 0, delivered_revenue: 0, ai_cost_micro_usd: 0 },
      { day: dayKey(3), orders: 2, confirmed: 2, delivered: 2, returned: 0, delivered_revenue: 8000, ai_cost_micro_usd: 2_000_000 },
      { day: dayKey(2), orders: 3, confirmed: 1, delivered: 0, returned: 1, delivered_revenue: 0, ai_cost_micro_usd: 1_000_000 },
    ]);

    const home = await html200(c, '/');
    const chart = (id: string) => home.slice(home.indexOf(`id="${id}"`), home.indexOf('</svg>', home.indexOf(`id="${id}"`)));
    const orders = chart('chart-orders');
    expect(orders).toContain('role="img"');
    expect(orders).toContain('<title id="chart-orders-title">');
    expect(orders).toContain('<desc id="chart-orders-desc">');
    expect(orders.match(/<rect class="bar"/g)).toHaveLength(30);
    expect(orders).toContain(`data-day="${dayKey(3)}" data-value="2"`);
    expect(orders).toContain(`data-day="${dayKey(2)}" data-value="3"`);
    expect(orders).toContain(`data-day="${dayKey(4)}" data-value="1"`);
    expect(chart('chart-revenue')).toContain(`data-day="${dayKey(3)}" data-value="8000"`);
    // The data table fallback holds the same figures.
    expect(home).toMatch(/<th scope="row">[^<]+<\/th><td class="num">2<\/td>/);
    expect(home).toMatch(/data-stat="roi">× 19,05</);
    expect(home).toContain('data-stat="returned">1<');
    expect(home).toContain('data-channel="messenger"');
    expect(home).toContain('data-ad="ad-1"');
    expect(home).toContain('Robe promo');
  });

  it('filters orders by wilaya and courier in the API and on the page', async () => {
    const { c, ws } = await shop('filters');
    const algiersFake = await order(ws, { status: 'shipped', wilaya_code: '16', total: 100 });
    await t.ctx.knex('shipments').insert({ workspace_id: ws, order_id: algiersFake, courier: 'fake', tracking: 'FAKE-9', status: 'in_transit' });
    const algiersYalidine = await order(ws, { status: 'confirmed', wilaya_code: '16', courier: 'yalidine', total: 200 });
    const oranFake = await order(ws, { status: 'shipped', wilaya_code: '31', total: 300 });
    await t.ctx.knex('shipments').insert({ workspace_id: ws, order_id: oranFake, courier: 'fake', tracking: 'FAKE-10', status: 'delivered' });
    // Assigned to yalidine first, then booked with fake: the shipment wins.
    const movedToFake = await order(ws, { status: 'shipped', wilaya_code: '31', courier: 'yalidine', total: 400 });
    await t.ctx.knex('shipments').insert({ workspace_id: ws, order_id: movedToFake, courier: 'fake', tracking: 'FAKE-11', status: 'created' });

    const ids = async (qs: string) => ((await c.agent.get(`/api/v1/orders?${qs}`).expect(200)).body.orders as Array<{ id: string }>).map((o) => o.id).sort();
    expect(await ids('wilaya=16')).toEqual([algiersFake, algiersYalidine].sort());
    expect(await ids('courier=fake')).toEqual([algiersFake, oranFake, movedToFake].sort());
    expect(await ids('courier=yalidine')).toEqual([algiersYalidine]);
    expect(await ids('wilaya=31&courier=fake')).toEqual([oranFake, movedToFake].sort());
    expect((await c.agent.get('/api/v1/orders?courier=Not%20a%20courier').expect(400)).body.error.type).toBe('invalid_input');

    const page = await html200(c, '/orders?wilaya=16&courier=fake');
    expect(page).toContain(`data-order="${algiersFake}"`);
    for (const other of [algiersYalidine, oranFake, movedToFake]) expect(page).not.toContain(`data-order="${other}"`);
    expect(page).toContain('<option value="16" selected>');
    expect(page).toContain('FAKE-9');
  });

  it('ships a confirmed order from the page through shipOrderByHand, links its label, and shows the return-risk badge', async () => {
    const { c, ws } = await shop('ship');
    await c.get('/couriers');
    await c.agent.put('/api/v1/couriers/fake').set('x-csrf-token', c.csrf).send({ credentials: { token: `t-${ws}` }, settings: { auto_ship: false }, active: true }).expect(200);
    const synced = await c.post('/couriers/fake/sync');
    expect(synced.status).toBe(200);
    expect(synced.text).toMatch(/3 communes \(3 reconnues\)|3 communes/);

    const phone = '+213550000042';
    await order(ws, { status: 'delivered', phone, total: 1 });
    await order(ws, { status: 'returned', phone, total: 1 });
    await order(ws, { status: 'returned', phone, total: 1 });
    const id = await order(ws, { status: 'confirmed', phone, customer_name: 'Samir Test', wilaya_code: '16', commune_code: '1601', address: 'Rue 1', subtotal: 4500, delivery_fee: 400, total: 4900 });
    await t.ctx.knex('order_items').insert({ workspace_id: ws, order_id: id, name: 'Robe', unit_price: 4500, quantity: 1, line_total: 4500 });

    const list = await html200(c, '/orders?status=confirmed');
    const row = list.slice(list.indexOf(`data-order="${id}"`));
    expect(row).toContain('data-risk="high"'); // 2 returned, 1 delivered
    expect(row).toContain('action="/orders/' + id + '/ship"');

    const shipped = await c.post(`/orders/${id}/ship`, { back: 'status=confirmed' });
    expect(shipped.status).toBe(303);
    expect(shipped.headers.location).toBe(`/orders?status=confirmed&shipped=booked#order-${id}`);
    const api = (await c.agent.get(`/api/v1/orders/${id}`).expect(200)).body.order;
    expect(api.status).toBe('shipped');
    expect(api.shipment.tracking).toMatch(/^FAKE-/);

    const after = await html200(c, `/orders?shipped=booked`);
    expect(after).toContain(api.shipment.tracking);
    expect(after).toContain(`href="/orders/${id}/label"`);
    const label = await c.get(`/orders/${id}/label`);
    expect(label.status).toBe(303);
    expect(label.headers.location).toBe(`https://fake.invalid/label/${api.shipment.tracking}`);

    // A second "Ship now" is refused by the service (already booked), shown as an error page.
    const again = await c.post(`/orders/${id}/ship`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('already booked');
  });
});
