import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

describe('merchant API: phone orders created and edited through POST/PATCH /api/v1/orders', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Loopback webhook URLs are accepted so an endpoint can be registered; no worker delivers them.
    t = await startTestApp({ env: { WEBHOOKS_ALLOW_LOOPBACK: 'true' } });
  });
  afterAll(() => t.close());

  /** A shop with a courier (not auto-shipping), its own fees for Alger and Oran, and two products. */
  async function shop(opts: { courier?: boolean } = {}) {
    const ws = await newWorkspace(t.ctx, 'Phone orders');
    if (opts.courier !== false) {
      await saveCourierAccount(t.ctx, ws.workspace_id, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, settings: { auto_ship: false }, active: true });
      await setTariffOverride(t.ctx, ws.workspace_id, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
      await setTariffOverride(t.ctx, ws.workspace_id, 'yalidine', { wilayaCode: 31, deliveryType: 'home', fee: 600 });
    }
    const robe = (
      await t.http().post('/api/v1/products').set(ws.auth)
        .send({ name: 'Robe noire', price: 3500, stock: 10, variants: [{ name: 'M' }, { name: 'L', price: 3800, stock: 2 }] })
        .expect(201)
    ).body.product;
    const sac = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Sac à main cuir', price: 2900 }).expect(201)).body.product;
    return { ws, robe, sac };
  }

  const body = (productId: string, extra: Record<string, unknown> = {}) => ({
    customer_name: 'Amine Benali',
    phone: '0661 23 45 67',
    wilaya: '16',
    commune: 'Bir Mourad Rais',
    address: 'Cité 5 juillet, bloc B',
    delivery_type: 'home',
    items: [{ product_id: productId, variant: 'M', quantity: 1 }],
    ...extra,
  });

  it('creates an order priced from the catalog with the tariff fee, normalised phone, resolved place; hooks run', async () => {
    const { ws, robe, sac } = await shop();
    await t.http().post('/api/v1/webhooks').set(ws.auth).send({ url: 'http://127.0.0.1:9/hooks', events: ['order.created'] }).expect(201);
    const res = await t.http().post('/api/v1/orders').set(ws.auth)
      .send(body(robe.id, { items: [{ product_id: robe.id, variant: 'L', quantity: 2 }, { product_id: sac.id, quantity: 1 }], note: 'appeler après 17h' }))
      .expect(201);
    const order = res.body.order;
    expect(order).toMatchObject({
      status: 'pending',
      source: 'api',
      subtotal: 2 * 3800 + 2900,
      discount: 0,
      delivery_fee: 450,
      total: 2 * 3800 + 2900 + 450,
      delivery_type: 'home',
      note: 'appeler après 17h',
      customer: { name: 'Amine Benali', phone: '+213661234567', wilaya: '16', commune: '1609', address: 'Cité 5 juillet, bloc B' },
    });
    expect(order.items).toHaveLength(2);
    expect((await t.http().get(`/api/v1/orders/${order.id}`).set(ws.auth).expect(200)).body.order).toEqual(order);
    // Same hooks as an agent order: the merchant's webhook got an order.created for it.
    const deliveries = await t.ctx.knex('webhook_deliveries').where({ workspace_id: ws.workspace_id, event: 'order.created' });
    expect(deliveries.map((d) => d.payload.data.order.id)).toEqual([order.id]);
    const audit = await t.ctx.knex('audit_log').where({ workspace_id: ws.workspace_id, action: 'order.created', target: order.id }).first();
    expect(audit.actor).toMatch(/^api_key:/);
  });

  it('takes the wilaya by name and an explicit delivery fee over the tariff', async () => {
    const { ws, robe } = await shop();
    const { order } = (await t.http().post('/api/v1/orders').set(ws.auth).send(body(robe.id, { wilaya: 'Alger', delivery_fee: 300 })).expect(201)).body;
    expect(order).toMatchObject({ delivery_fee: 300, subtotal: 3500, total: 3800, customer: { wilaya: '16', commune: '1609' } });
    const free = (await t.http().post('/api/v1/orders').set(ws.auth).send(body(robe.id, { wilaya: 16, delivery_fee: 0 })).expect(201)).body.order;
    expect(free).toMatchObject({ delivery_fee: 0, total: 3500 });
  });

  it('applies a promo code: total = subtotal − discount + fee', async () => {
    const { ws, robe } = await shop();
    await t.http().post('/api/v1/promo-codes').set(ws.auth).send({ code: 'SOLDE10', kind: 'percent', value: 10 }).expect(201);
    const { order } = (await t.http().post('/api/v1/orders').set(ws.auth).send(body(robe.id, { promo_code: 'solde10' })).expect(201)).body;
    expect(order).toMatchObject({ subtotal: 3500, promo_code: 'SOLDE10', discount: 350, delivery_fee: 450, total: 3500 - 350 + 450 });
    const bad = await t.http().post('/api/v1/orders').set(ws.auth).send(body(robe.id, { promo_code: 'NOPE' })).expect(400);
    expect(bad.body.error.message).toMatch(/NOPE/);
  });

  it('refuses bad input with the field and a reason', async () => {
    const { ws, robe } = await shop();
    const post = (b: unknown) => t.http().post('/api/v1/orders').set(ws.auth).send(b as object);

    const phone = await post(body(robe.id, { phone: '12345' })).expect(400);
    expect(phone.body.error.message).toMatch(/^Phone: an Algerian number starts with 0/);
    expect(phone.body.error.message).not.toContain('12345');
    expect(phone.body.error.details).toEqual([expect.objectContaining({ path: 'phone' })]);

    const commune = await post(body(robe.id, { commune: 'Xyzzyville' })).expect(400);
    expect(commune.body.error.message).toMatch(/no commune matches 'Xyzzyville' in wilaya 16/);
    expect(commune.body.error.details[0].path).toBe('commune');

    const wilaya = await post(body(robe.id, { wilaya: '99' })).expect(400);
    expect(wilaya.body.error.details[0].path).toBe('wilaya');

    const address = await post(body(robe.id, { address: '  ' })).expect(400);
    expect(address.body.error.message).toMatch(/address: required for home delivery/);
    // A stop-desk order needs no address.
    await post(body(robe.id, { address: undefined, delivery_type: 'stopdesk', delivery_fee: 250 })).expect(201);

    const product = await post(body('5f0c6f7e-1111-4222-8333-444455556666')).expect(400);
    expect(product.body.error.message).toMatch(/Unknown product_id 5f0c6f7e-1111-4222-8333-444455556666/);

    const variant = await post(body(robe.id, { items: [{ product_id: robe.id, variant: 'XXL', quantity: 1 }] })).expect(400);
    expect(variant.body.error.message).toMatch(/no variant "XXL"; available: M, L/);

    const stock = await post(body(robe.id, { items: [{ product_id: robe.id, variant: 'L', quantity: 3 }] })).expect(400);
    expect(stock.body.error.message).toMatch(/Only 2 left of "Robe noire" \(L\)/);

    const shape = await post({ ...body(robe.id), items: [], delivery_fee: -5 }).expect(400);
    expect(shape.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['delivery_fee', 'items']);

    // A shop without a courier has no tariff: the reason says how to fix it.
    const bare = await shop({ courier: false });
    const noTariff = await t.http().post('/api/v1/orders').set(bare.ws.auth).send(body(bare.robe.id)).expect(400);
    expect(noTariff.body.error.message).toMatch(/No courier is set up.*Set a delivery tariff for this wilaya.*or give delivery_fee/);
    expect(noTariff.body.error.details[0].path).toBe('delivery_fee');
    await t.http().post('/api/v1/orders').set(bare.ws.auth).send(body(bare.robe.id, { delivery_fee: 500 })).expect(201);
    // Only the stop-desk order got through in the first shop.
    expect(Number((await t.ctx.knex('orders').where({ workspace_id: ws.workspace_id }).count({ n: '*' }).first())?.n)).toBe(1);
  });

  it('keeps workspaces apart: no reading, editing or ordering across them', async () => {
    const a = await shop();
    const b = await shop();
    const { order } = (await t.http().post('/api/v1/orders').set(a.ws.auth).send(body(a.robe.id)).expect(201)).body;
    await t.http().get(`/api/v1/orders/${order.id}`).set(b.ws.auth).expect(404);
    await t.http().patch(`/api/v1/orders/${order.id}`).set(b.ws.auth).send({ address: 'ailleurs' }).expect(404);
    await t.http().patch(`/api/v1/orders/${order.id}`).set(b.ws.auth).send({ status: 'cancelled' }).expect(404);
    const cross = await t.http().post('/api/v1/orders').set(b.ws.auth).send(body(a.robe.id)).expect(400);
    expect(cross.body.error.message).toMatch(/Unknown product_id/);
    const still = (await t.http().get(`/api/v1/orders/${order.id}`).set(a.ws.auth).expect(200)).body.order;
    expect(still).toMatchObject({ status: 'pending', customer: { address: 'Cité 5 juillet, bloc B' } });
  });

  it('PATCH edits fields: items reprice and keep the promo; a new wilaya re-quotes the fee; an address fix keeps an agreed fee', async () => {
    const { ws, robe, sac } = await shop();
    await t.http().post('/api/v1/promo-codes').set(ws.auth).send({ code: 'SOLDE10', kind: 'percent', value: 10 }).expect(201);
    const { order } = (await t.http().post('/api/v1/orders').set(ws.auth).send(body(robe.id, { promo_code: 'SOLDE10' })).expect(201)).body;
    const patch = (b: object) => t.http().patch(`/api/v1/orders/${order.id}`).set(ws.auth).send(b);

    const items = (await patch({ items: [{ product_id: robe.id, variant: 'M', quantity: 2 }, { product_id: sac.id, quantity: 1 }] }).expect(200)).body.order;
    expect(items).toMatchObject({ subtotal: 9900, promo_code: 'SOLDE10', discount: 990, delivery_fee: 450, total: 9900 - 990 + 450 });

    const moved = (await patch({ wilaya: 'Oran', commune: 'Es Senia', address: 'Hai Nour' }).expect(200)).body.order;
    expect(moved).toMatchObject({ delivery_fee: 600, total: 9900 - 990 + 600, customer: { wilaya: '31', commune: '3105', address: 'Hai Nour' } });

    const agreed = (await patch({ delivery_fee: 350, customer_name: 'Amine B.', phone: '+213 550 11 22 33', note: 'porte bleue' }).expect(200)).body.order;
    expect(agreed).toMatchObject({ delivery_fee: 350, total: 9900 - 990 + 350, note: 'porte bleue', customer: { name: 'Amine B.', phone: '+213550112233' } });
    const fixed = (await patch({ address: 'Hai Nour, villa 12' }).expect(200)).body.order;
    expect(fixed).toMatchObject({ delivery_fee: 350, customer: { address: 'Hai Nour, villa 12' } });

    const noCode = (await patch({ promo_code: null }).expect(200)).body.order;
    expect(noCode).toMatchObject({ promo_code: null, discount: 0, total: 9900 + 350 });

    const lonely = await patch({ wilaya: '31' }).expect(400);
    expect(lonely.body.error.details[0].path).toBe('commune');
    const badPhone = await patch({ phone: 'abc' }).expect(400);
    expect(badPhone.body.error.details[0].path).toBe('phone');
    await patch({}).expect(400);
  });

  it('PATCH status still moves the order; fields then status in one call; a shipped order cannot be edited (409)', async () => {
    const { ws, robe } = await shop();
    const { order } = (await t.http().post('/api/v1/orders').set(ws.auth).send(body(robe.id)).expect(201)).body;
    const patch = (b: object) => t.http().patch(`/api/v1/orders/${order.id}`).set(ws.auth).send(b);

    const confirmed = (await patch({ address: 'Rue Didouche 3', status: 'confirmed' }).expect(200)).body.order;
    expect(confirmed).toMatchObject({ status: 'confirmed', customer: { address: 'Rue Didouche 3' } });
    expect((await t.http().get(`/api/v1/products/${robe.id}`).set(ws.auth).expect(200)).body.product.stock).toBe(9);
    // An impossible status refuses the whole call: the fields are not written either.
    const back = await patch({ address: 'pas écrit', status: 'pending' }).expect(409);
    expect(back.body.error.message).toMatch(/An order that is confirmed cannot become pending/);
    expect((await t.http().get(`/api/v1/orders/${order.id}`).set(ws.auth).expect(200)).body.order.customer.address).toBe('Rue Didouche 3');

    const shipped = (await patch({ status: 'shipped' }).expect(200)).body.order;
    expect(shipped.status).toBe('shipped');
    const refused = await patch({ address: 'trop tard' }).expect(409);
    expect(refused.body.error.message).toMatch(/The order is shipped; only pending or confirmed orders can be changed/);
    await patch({ status: 'bogus' }).expect(400);
    await patch({ status: 'delivered' }).expect(200);
  });
});
