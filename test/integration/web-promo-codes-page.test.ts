import { createOrder } from '../../src/orders/service';
import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

/** The row of one code in the page's table. */
const rowOf = (html: string, code: string) => {
  const start = html.indexOf(`data-promo="${code}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
};

describe('settings page: promo codes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('adds a code through the form, shows its uses, deactivates and deletes it; orders show their discount', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'Promo page', email: uniqueEmail('promo') });
    const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;

    const empty = await c.get('/promo-codes');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('href="/promo-codes"'); // in the menu, next to the catalog
    expect(empty.text.indexOf('href="/catalog"')).toBeLessThan(empty.text.indexOf('href="/promo-codes"'));
    expect(empty.text).toContain('action="/promo-codes"');

    const bad = await c.post('/promo-codes', { code: 'solde 10', kind: 'percent', value: '95', min_subtotal: '', max_uses: '', ends_at: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="f-code-err"');
    expect(bad.text).toContain('id="f-value-err"');
    expect(bad.text).toContain('value="solde 10"'); // the merchant's input comes back

    const ok = await c.post('/promo-codes', { code: 'solde10', kind: 'percent', value: '10', min_subtotal: '3000', max_uses: '50', ends_at: '2099-12-31' });
    expect(ok.status).toBe(303);
    const [code] = (await c.agent.get('/api/v1/promo-codes').expect(200)).body.promo_codes;
    expect(code).toMatchObject({ code: 'SOLDE10', kind: 'percent', value: 10, min_subtotal: 3000, max_uses: 50, uses: 0, active: true });
    // The last day ends at midnight in Algiers.
    expect(new Date(code.ends_at).toISOString()).toBe('2099-12-31T22:59:59.000Z');

    const dup = await c.post('/promo-codes', { code: 'SOLDE10', kind: 'amount', value: '500', min_subtotal: '', max_uses: '', ends_at: '' });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('The code SOLDE10 already exists in this shop');

    // An order with the code: the page counts the use, the orders page shows the discount.
    const product = (await c.agent.post('/api/v1/products').set('x-csrf-token', c.csrf).send({ name: 'Robe', price: 4000 }).expect(201)).body.product;
    await createOrder(
      t.ctx,
      ws,
      { customerName: 'Amine B', phone: '+213661400001', wilayaCode: '16', communeCode: '1601', address: 'Rue 1', deliveryType: 'home', deliveryFee: 450, items: [{ product_id: product.id, quantity: 1 }], promoCode: 'SOLDE10', source: 'api' },
      'test',
    );
    const listed = rowOf((await c.get('/promo-codes')).text, 'SOLDE10');
    expect(listed).toContain('data-status="active"');
    expect(listed).toContain('data-uses="1"');
    expect(listed).toMatch(/data-uses="1">1 \/ 50</);
    const orders = await c.get('/orders');
    expect(orders.text).toContain('data-discount="400"');
    expect(orders.text).toContain('code SOLDE10');

    const off = await c.post(`/promo-codes/${code.id}/active`, { active: 'false' });
    expect(off.status).toBe(303);
    expect((await c.agent.get('/api/v1/promo-codes').expect(200)).body.promo_codes[0].active).toBe(false);
    const offRow = rowOf((await c.get('/promo-codes')).text, 'SOLDE10');
    expect(offRow).toContain('data-status="inactive"');
    expect(offRow).toContain('Réactiver');

    // In Arabic the page is right to left, with its labels.
    await c.post('/locale', { locale: 'ar', next: '/promo-codes' });
    const ar = await c.get('/promo-codes');
    expect(ar.text).toContain('dir="rtl"');
    expect(ar.text).toContain('رموز التخفيض');
    expect(rowOf(ar.text, 'SOLDE10')).toContain('معطّل');

    const gone = await c.post(`/promo-codes/${code.id}/delete`);
    expect(gone.status).toBe(303);
    expect((await c.agent.get('/api/v1/promo-codes').expect(200)).body.promo_codes).toEqual([]);
    // The order keeps its discount and code.
    const [order] = (await c.agent.get('/api/v1/orders').expect(200)).body.orders;
    expect(order).toMatchObject({ discount: 400, promo_code: 'SOLDE10', total: 4000 - 400 + 450 });
  });

  it("answers 404 for another workspace's code", async () => {
    const a = new WebClient(t.app);
    await a.signUp({ shop: 'A', email: uniqueEmail('pa') });
    await a.get('/promo-codes');
    await a.post('/promo-codes', { code: 'SHOPA', kind: 'amount', value: '300', min_subtotal: '', max_uses: '', ends_at: '' });
    const [code] = (await a.agent.get('/api/v1/promo-codes').expect(200)).body.promo_codes;

    const b = new WebClient(t.app);
    await b.signUp({ shop: 'B', email: uniqueEmail('pb') });
    await b.get('/promo-codes');
    expect((await b.post(`/promo-codes/${code.id}/active`, { active: 'false' })).status).toBe(404);
    expect((await b.post(`/promo-codes/${code.id}/delete`)).status).toBe(404);
    expect((await a.agent.get('/api/v1/promo-codes').expect(200)).body.promo_codes).toEqual([expect.objectContaining({ code: 'SHOPA', active: true })]);
  });
});
