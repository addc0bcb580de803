import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '../../src/observability/logger';
import { algiersDay } from '../../src/orders/stats';
import { startServer, type RunningServer } from '../../src/server';
import { LogCapture, testConfig } from '../support/harness';

/**
 * The dashboard charts and the catalog CSV import in a real browser (Debian's Chromium through
 * playwright-core) against the real server on 127.0.0.1 and the test database.
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-artifacts/screenshots');
const DAY = 86_400_000;

jest.setTimeout(60_000);

describe('e2e: dashboard charts and catalog import', () => {
  let server: RunningServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package: apt-get update && apt-get install -y chromium (never download a browser).`);
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer(testConfig({ PUBLIC_BASE_URL: 'https://wakil.example' }), createLogger({ level: 'warn', destination: new LogCapture() }), { port: 0 });
    const addr = server.server!.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    server?.server?.closeAllConnections();
    await server?.stop();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('draws the seeded days as bars, previews a CSV with one bad row, and imports the rest', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'fr-FR' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${base}/signup`);
    await page.getByLabel('Nom de la boutique', { exact: true }).fill('Boutique Charts');
    const email = `e2e-charts-${process.pid}-${Date.now()}@example.test`;
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Mot de passe', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await page.waitForURL(`${base}/`);

    // Seed two days of orders: 2 delivered three days ago, 1 delivered + 1 pending yesterday.
    const knex = server.ctx.knex;
    const ws = (await knex('memberships as m').join('accounts as a', 'a.id', 'm.account_id').where('a.email', email).first('m.workspace_id')).workspace_id as string;
    const noon = (back: number) => new Date(Date.parse(`${algiersDay(new Date())}T12:00:00+01:00`) - back * DAY);
    const seed = (back: number, status: string, total: number) => ({ workspace_id: ws, status, total, source: 'api', created_at: noon(back) });
    await knex('orders').insert([seed(3, 'delivered', 4000), seed(3, 'delivered', 5000), seed(1, 'delivered', 2500), seed(1, 'pending', 1000)]);
    const d3 = algiersDay(noon(3));
    const d1 = algiersDay(noon(1));

    await page.goto(`${base}/`);
    const orders = page.locator('#chart-orders svg');
    await orders.waitFor();
    expect(await orders.getAttribute('role')).toBe('img');
    expect(await page.locator('#chart-orders-title').textContent()).toBe('Commandes par jour');
    expect(await page.locator('#chart-orders rect.bar').count()).toBe(30);
    const tall = page.locator(`#chart-orders rect[data-day="${d3}"]`);
    expect(await tall.getAttribute('data-value')).toBe('2');
    expect(Number(await tall.getAttribute('height'))).toBeGreaterThan(0);
    expect(await page.locator(`#chart-orders rect[data-day="${d1}"]`).getAttribute('data-value')).toBe('2');
    expect(await page.locator(`#chart-revenue rect[data-day="${d3}"]`).getAttribute('data-value')).toBe('9000');
    // The tallest revenue bar fills the plot; a smaller day is proportionally shorter.
    const h3 = Number(await page.locator(`#chart-revenue rect[data-day="${d3}"]`).getAttribute('height'));
    const h1 = Number(await page.locator(`#chart-revenue rect[data-day="${d1}"]`).getAttribute('height'));
    expect(Math.round((h1 / h3) * 90)).toBe(25);
    expect((await page.locator('[data-stat="orders"]').textContent())?.trim()).toBe('4');
    await shot(page, '11-dashboard-charts');

    // Catalog import: the chosen file fills the textarea (progressive enhancement), then preview.
    await page.goto(`${base}/catalog/import`);
    const csv = 'name,price,stock,sku,variants\nRobe kabyle,4500,7,RK-01,M:4500|L:4800\nFoulard,quatre mille,2,FOU-1,\nSac cuir,3500,,SAC-1,\n';
    await page.locator('#f-csv-file').setInputFiles({ name: 'produits.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.waitForFunction("document.getElementById('f-csv').value.includes('Foulard')");
    await page.getByRole('button', { name: 'Prévisualiser' }).click();
    const bad = page.locator('tr[data-row="3"]');
    await bad.waitFor();
    expect(await bad.getAttribute('data-action')).toBe('invalid');
    expect(await bad.locator('.error').textContent()).toContain('"quatre mille" is not a number');
    expect(await page.locator('tr[data-action="create"]').count()).toBe(2);
    await shot(page, '12-catalog-import-preview');

    await page.getByRole('button', { name: 'Importer 2 lignes valides' }).click();
    await page.locator('#import-done').waitFor();
    const products = await knex('products').where({ workspace_id: ws }).orderBy('name').select('name', 'price', 'sku');
    expect(products).toEqual([
      { name: 'Robe kabyle', price: 4500, sku: 'RK-01' },
      { name: 'Sac cuir', price: 3500, sku: 'SAC-1' },
    ]);
    await shot(page, '13-catalog-import-done');

    expect(errors).toEqual([]);
    await context.close();
  });
});
