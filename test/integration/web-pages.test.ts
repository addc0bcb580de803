import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

const SETTINGS = ['/channels', '/agent', '/catalog', '/catalog/new', '/couriers', '/sheet', '/workspace', '/api-keys'];
const SHARED = ['/', '/inbox', '/orders', '/leads', '/account'];

describe('settings pages: rendering, languages, tenant isolation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('renders every page for the owner, with escaping of merchant text', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: '<b>Shop</b> & "Co"', email: uniqueEmail('pages') });
    for (const path of [...SHARED, ...SETTINGS]) {
      const r = await c.get(path);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect(r.text).toContain('<h1>');
      expect(r.text).not.toContain('<b>Shop</b>');
    }
    expect((await c.get('/')).text).toContain('&lt;b&gt;Shop&lt;/b&gt; &amp; &quot;Co&quot;');
  });

  it('adds a product through the page, shows it priced in DZD per locale, and reports field errors', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'Catalog shop', email: uniqueEmail('cat') });
    await c.get('/catalog/new');
    const bad = await c.post('/catalog', { name: '', price: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="f-name-err"');
    expect(bad.text).toContain('id="f-price-err"');
    const ok = await c.post('/catalog', { name: 'Robe kabyle', price: '4500', stock: '3', variants: 'S\nXL: 4800', active: 'on' });
    expect(ok.status).toBe(303);
    const api = await c.agent.get('/api/v1/products').expect(200);
    expect(api.body.products[0]).toMatchObject({ name: 'Robe kabyle', price: 4500, stock: 3, variants: [{ name: 'S' }, { name: 'XL', price: 4800 }] });
    const fr = await c.get('/catalog');
    expect(fr.text).toContain(new Intl.NumberFormat('fr-DZ', { style: 'currency', currency: 'DZD', maximumFractionDigits: 0 }).format(4500));
    await c.post('/locale', { locale: 'ar', next: '/catalog' });
    const ar = await c.get('/catalog');
    expect(ar.text).toContain('dir="rtl"');
    expect(ar.text).toContain('lang="ar"');
    expect(ar.text).toContain('الكتالوج');
    expect(ar.text).toContain(new Intl.NumberFormat('ar-DZ', { style: 'currency', currency: 'DZD', maximumFractionDigits: 0 }).format(4500));
  });

  it("gives 404 for another workspace's product, and 403 on settings for an agent", async () => {
    const a = new WebClient(t.app);
    await a.signUp({ shop: 'A', email: uniqueEmail('a') });
    await a.get('/catalog/new');
    await a.post('/catalog', { name: 'Secret A', price: '100', active: 'on' });
    const id = (await a.agent.get('/api/v1/products')).body.products[0].id;
    const b = new WebClient(t.app);
    await b.signUp({ shop: 'B', email: uniqueEmail('b') });
    expect((await b.get(`/catalog/${id}`)).status).toBe(404);
    expect((await b.post(`/catalog/${id}`, { name: 'pwned', price: '1', active: 'on' })).status).toBe(404);
    expect((await b.agent.get(`/api/v1/products/${id}`)).status).toBe(404);
    expect((await b.get('/inbox/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await a.agent.get(`/api/v1/products/${id}`)).body.product.name).toBe('Secret A');

    await b.get('/workspace');
    const token = /\/invite\/([\w-]+)/.exec((await b.post('/workspace/invites', { role: 'agent', email: '' })).text)![1]!;
    const agent = new WebClient(t.app);
    await agent.get(`/invite/${token}`);
    await agent.post(`/invite/${token}`, { name: 'Agent', email: uniqueEmail('ag'), password: 'agent password 1' });
    for (const path of SHARED) expect({ path, s: (await agent.get(path)).status }).toEqual({ path, s: 200 });
    for (const path of SETTINGS) expect({ path, s: (await agent.get(path)).status }).toEqual({ path, s: 403 });
    expect((await agent.post('/catalog', { name: 'x', price: '1' })).status).toBe(403);
    expect((await agent.post('/channels', { kind: 'whatsapp', external_id: '123', access_token: 'x'.repeat(20) })).status).toBe(403);
  });

  it('exports orders as CSV with formula injection neutralised', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'CSV', email: uniqueEmail('csv') });
    const wsId = (await c.agent.get('/api/v1/workspace')).body.workspace.id;
    await t.ctx.knex('orders').insert({ workspace_id: wsId, customer_name: '=HYPERLINK("http://x")', phone: '+213550000000', total: 5200, status: 'pending', source: 'api' });
    const r = await c.agent.get('/orders.csv').expect(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    expect(r.text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(r.text).toContain('5200');
  });
});
