import { newWorkspace, startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

const CSV = [
  'name,price,stock,sku,description,variants',
  'Robe kabyle,4500,7,RK-01,"Robe brodée, coton",M:4500|L:4800',
  'Sac cuir,"3 500",,SAC-1,,',
  'Foulard,quatre mille,2,FOU-1,,',
  ',1200,1,NONAME,,',
  'Ceinture,900,3,,,',
  'Chapeau,1500,1,RK-01,,',
  'Gilet,2500,-1,GIL-1,,XL:abc',
].join('\r\n');

describe('catalog CSV import (API and page)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('dry run reports every row with its errors and writes nothing', async () => {
    const ws = await newWorkspace(t.ctx);
    const r = (await t.http().post('/api/v1/products/import').set(ws.auth).send({ csv: CSV, dry_run: true }).expect(200)).body.import;
    expect(r.dry_run).toBe(true);
    expect(r.summary).toEqual({ rows: 7, valid: 3, invalid: 4, created: 3, updated: 0 });
    const byRow = Object.fromEntries(r.rows.map((x: { row: number }) => [x.row, x]));
    expect(byRow[2]).toMatchObject({ action: 'create', name: 'Robe kabyle', sku: 'RK-01', price: 4500, errors: [] });
    expect(byRow[3]).toMatchObject({ action: 'create', price: 3500, errors: [] });
    expect(byRow[4]).toMatchObject({ action: 'invalid', errors: [{ field: 'price', message: '"quatre mille" is not a number' }] });
    expect(byRow[5].action).toBe('invalid');
    expect(byRow[5].errors.map((e: { field: string }) => e.field)).toEqual(['name']);
    expect(byRow[6]).toMatchObject({ action: 'create', sku: null });
    expect(byRow[7]).toMatchObject({ action: 'invalid', errors: [{ field: 'sku', message: 'SKU RK-01 is already used in row 2' }] });
    expect(byRow[8].errors.map((e: { field: string }) => e.field).sort()).toEqual(['stock', 'variants.0.price']);
    expect((await t.http().get('/api/v1/products').set(ws.auth).expect(200)).body.products).toEqual([]);
  });

  it('imports the valid rows, then updates by SKU on a second import (no duplicates)', async () => {
    const ws = await newWorkspace(t.ctx);
    const first = (await t.http().post('/api/v1/products/import').set(ws.auth).send({ csv: CSV }).expect(200)).body.import;
    expect(first.summary).toMatchObject({ valid: 3, invalid: 4, created: 3, updated: 0 });
    let products = (await t.http().get('/api/v1/products').set(ws.auth).expect(200)).body.products;
    expect(products.map((p: { name: string }) => p.name).sort()).toEqual(['Ceinture', 'Robe kabyle', 'Sac cuir']);
    const robe = products.find((p: { sku: string }) => p.sku === 'RK-01');
    expect(robe).toMatchObject({ price: 4500, stock: 7, description: 'Robe brodée, coton', variants: [{ name: 'M', price: 4500 }, { name: 'L', price: 4800 }] });
    expect(products.find((p: { sku: string }) => p.sku === 'SAC-1')).toMatchObject({ price: 3500, stock: null });

    // A price-only file (semicolons, as French Excel saves it) updates by SKU and keeps the stock.
    const second = (await t.http().post('/api/v1/products/import').set(ws.auth).send({ csv: 'sku;name;price\nRK-01;Robe kabyle;4700\nNEW-1;Bracelet;800\n' }).expect(200)).body.import;
    expect(second.summary).toEqual({ rows: 2, valid: 2, invalid: 0, created: 1, updated: 1 });
    expect(second.rows[0]).toMatchObject({ action: 'update', product_id: robe.id });
    products = (await t.http().get('/api/v1/products').set(ws.auth).expect(200)).body.products;
    expect(products).toHaveLength(4);
    expect(products.find((p: { id: string }) => p.id === robe.id)).toMatchObject({ price: 4700, stock: 7, variants: [{ name: 'M', price: 4500 }, { name: 'L', price: 4800 }] });

    // The same file again: SKU rows update, nothing is duplicated.
    await t.http().post('/api/v1/products/import').set(ws.auth).send({ csv: 'sku;name;price\nRK-01;Robe kabyle;4700\nNEW-1;Bracelet;800\n' }).expect(200);
    expect((await t.http().get('/api/v1/products').set(ws.auth).expect(200)).body.products).toHaveLength(4);
  });

  it('refuses a file without the required columns or with an unclosed quote', async () => {
    const ws = await newWorkspace(t.ctx);
    const bad = await t.http().post('/api/v1/products/import').set(ws.auth).send({ csv: 'title,cost\nx,1\n' }).expect(400);
    expect(bad.body.error.message).toMatch(/needs the columns name and price/);
    await t.http().post('/api/v1/products/import').set(ws.auth).send({ csv: 'name,price\n"unclosed,1\n' }).expect(400);
  });

  it('previews on the page with the error next to the row, then imports the valid rows', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'Import shop', email: uniqueEmail('imp') });
    const form = await c.get('/catalog/import');
    expect(form.status).toBe(200);
    expect(form.text).toContain('data-csv-into="f-csv"');
    expect(form.text).toContain('<label for="f-csv">');

    const preview = await c.post('/catalog/import/preview', { csv: 'name,price,sku\nRobe,4500,R1\n<b>Bad</b>,abc,R2\n' });
    expect(preview.status).toBe(200);
    const bad = preview.text.slice(preview.text.indexOf('data-row="3"'), preview.text.indexOf('</tr>', preview.text.indexOf('data-row="3"')));
    expect(bad).toContain('data-action="invalid"');
    expect(bad).toContain('&quot;abc&quot; is not a number');
    expect(bad).toContain('&lt;b&gt;Bad&lt;/b&gt;');
    expect(preview.text).toContain('data-import-count="1"');
    expect(await c.agent.get('/api/v1/products').then((r) => r.body.products)).toEqual([]);

    const done = await c.post('/catalog/import', { csv: 'name,price,sku\nRobe,4500,R1\n<b>Bad</b>,abc,R2\n' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('id="import-done"');
    const products = (await c.agent.get('/api/v1/products')).body.products;
    expect(products).toHaveLength(1);
    expect(products[0]).toMatchObject({ name: 'Robe', price: 4500, sku: 'R1' });

    const empty = await c.post('/catalog/import/preview', { csv: '  ' });
    expect(empty.status).toBe(400);
    const noHeader = await c.post('/catalog/import/preview', { csv: 'foo,bar\n1,2\n' });
    expect(noHeader.status).toBe(400);
    expect(noHeader.text).toContain('needs the columns name and price');
  });
});
