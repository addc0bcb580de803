import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

describe('orders page: the merchant types a phone order and edits it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates an order from the form, shows a phone error next to the field with the typed values, and edits the address', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'Orders form', email: uniqueEmail('orders-form') });
    const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
    await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, settings: { auto_ship: false }, active: true });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    await c.get('/orders');
    const robe = (await c.agent.post('/api/v1/products').set('x-csrf-token', c.csrf).send({ name: 'Robe noire', price: 3500, variants: [{ name: 'M' }, { name: 'L', price: 3800 }] }).expect(201)).body.product;
    const sac = (await c.agent.post('/api/v1/products').set('x-csrf-token', c.csrf).send({ name: 'Sac cuir', price: 2900 }).expect(201)).body.product;

    const list = await c.get('/orders');
    expect(list.text).toContain('href="/orders/new"');
    const blank = await c.get('/orders/new');
    expect(blank.status).toBe(200);
    expect(blank.text).toContain('action="/orders/new"');
    expect(blank.text.match(/data-item-row="/g)).toHaveLength(3);
    expect(blank.text).toContain(`value="${robe.id}|L"`);

    const typed = {
      customer_name: 'Amine Benali',
      phone: '12345',
      wilaya: '16',
      commune: 'Bir Mourad Rais',
      delivery_type: 'home',
      address: 'Cité 5 juillet, bloc B',
      stopdesk_id: '',
      item0_product: `${robe.id}|L`,
      item0_quantity: '2',
      item1_product: '',
      item1_quantity: '1',
      item2_product: sac.id,
      item2_quantity: '1',
      promo_code: '',
      delivery_fee: '',
      note: 'après 17h',
    };
    const bad = await c.post('/orders/new', typed);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/<p class="error" id="f-phone-err">Phone: an Algerian number starts with 0/);
    expect(bad.text).toContain('value="12345"');
    expect(bad.text).toContain('value="Cité 5 juillet, bloc B"');
    expect(bad.text).toMatch(new RegExp(`<option value="${robe.id}\\|L" selected>`));
    expect(await t.ctx.knex('orders').where({ workspace_id: ws }).first()).toBeUndefined();

    const ok = await c.post('/orders/new', { ...typed, phone: '0661 23 45 67' });
    expect(ok.status).toBe(303);
    const [order] = (await c.agent.get('/api/v1/orders').expect(200)).body.orders;
    expect(ok.headers.location).toBe(`/orders#order-${order.id}`);
    expect(order).toMatchObject({
      source: 'api',
      subtotal: 2 * 3800 + 2900,
      delivery_fee: 450,
      total: 2 * 3800 + 2900 + 450,
      note: 'après 17h',
      customer: { name: 'Amine Benali', phone: '+213661234567', wilaya: '16', commune: '1609', address: 'Cité 5 juillet, bloc B' },
    });
    expect(order.items.map((x: { name: string; variant: string | null; quantity: number }) => [x.name, x.variant, x.quantity])).toEqual([
      ['Robe noire', 'L', 2],
      ['Sac cuir', null, 1],
    ]);
    const audit = await t.ctx.knex('audit_log').where({ workspace_id: ws, action: 'order.created', target: order.id }).first();
    expect(audit.actor).toMatch(/^account:/);

    // Edit: the list links to the form, prefilled; only the address changes, the fee stays.
    expect((await c.get('/orders')).text).toContain(`href="/orders/${order.id}/edit"`);
    const edit = await c.get(`/orders/${order.id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.text).toContain('value="Cité 5 juillet, bloc B"');
    const prefilled = Object.fromEntries([...edit.text.matchAll(/<input type="[^"]*" id="f-([\w-]+)" name="([\w-]+)"[^>]*value="([^"]*)">/g)].map((m) => [m[2]!, m[3]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')]));
    const selected = Object.fromEntries([...edit.text.matchAll(/<select id="f-[\w-]+" name="([\w-]+)"[\s\S]*?<\/select>/g)].map((m) => [m[1]!, /<option value="([^"]*)" selected>/.exec(m[0])?.[1] ?? '']));
    expect(selected).toMatchObject({ wilaya: '16', delivery_type: 'home', item0_product: `${robe.id}|L`, item1_product: sac.id });
    expect(prefilled).toMatchObject({ phone: '+213661234567', delivery_fee: '450', item0_quantity: '2', commune: expect.stringMatching(/^Bir Mourad Ra/) });
    const changed = await c.post(`/orders/${order.id}/edit`, { ...prefilled, ...selected, note: 'après 17h', address: 'Rue Didouche Mourad 12' });
    expect(changed.status).toBe(303);
    const after = (await c.agent.get(`/api/v1/orders/${order.id}`).expect(200)).body.order;
    expect(after).toMatchObject({ delivery_fee: 450, total: order.total, customer: { address: 'Rue Didouche Mourad 12', commune: '1609' } });
    expect(after.items).toEqual(order.items);
    const updates = await t.ctx.knex('audit_log').where({ workspace_id: ws, action: 'order.updated', target: order.id });
    expect(updates).toHaveLength(1);
    expect(updates[0].data.fields.sort()).toEqual(['address', 'discount', 'promo_code', 'subtotal', 'total', 'updated_at'].sort());

    // A shipped order has no edit form.
    await c.agent.patch(`/api/v1/orders/${order.id}`).set('x-csrf-token', c.csrf).send({ status: 'confirmed' }).expect(200);
    await c.agent.patch(`/api/v1/orders/${order.id}`).set('x-csrf-token', c.csrf).send({ status: 'shipped' }).expect(200);
    expect((await c.get('/orders')).text).not.toContain(`href="/orders/${order.id}/edit"`);
    expect((await c.get(`/orders/${order.id}/edit`)).status).toBe(409);

    // In Arabic, the form speaks Arabic.
    await c.post('/locale', { locale: 'ar', next: '/orders/new' });
    expect((await c.get('/orders/new')).text).toContain('طلب جديد');
  });
});
