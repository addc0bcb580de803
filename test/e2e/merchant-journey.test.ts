import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { createLogger } from '../../src/observability/logger';
import { startServer, type RunningServer } from '../../src/server';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { catalogId } from '../integration/agent-helpers';
import { LogCapture, testConfig } from '../support/harness';

/**
 * The merchant's journey in a real browser (Debian's Chromium through playwright-core) against the
 * real server listening on 127.0.0.1 with the test database. External services are local fakes.
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-artifacts/screenshots');

jest.setTimeout(120_000);

describe('e2e: a merchant sets up a shop on a phone', () => {
  let server: RunningServer;
  let browser: Browser;
  let ai: FakeAnthropic;
  let base: string;

  beforeAll(async () => {
    // Fail loudly rather than skip: this suite is part of `npm test`.
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package: apt-get update && apt-get install -y chromium (never download a browser).`);
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    ai = await startFakeAnthropic();
    const config = testConfig({ ANTHROPIC_BASE_URL: ai.url, ANTHROPIC_API_KEY: 'test', PUBLIC_BASE_URL: 'https://wakil.example' });
    server = await startServer(config, createLogger({ level: 'warn', destination: new LogCapture() }), { port: 0 });
    const addr = server.server!.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    // Server-sent event streams stay open until their clients go; the browser is closed by now.
    server?.server?.closeAllConnections();
    await server?.stop();
    await ai?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('signs up, connects WhatsApp, adds a product, tries the playground, handles orders and the inbox, exports, and switches to Arabic', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'fr-FR', acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    const openMenu = async () => {
      const menu = page.locator('details.menu');
      if (!(await menu.getAttribute('open').then((v) => v !== null))) await page.locator('details.menu > summary').click();
    };

    // Sign up (French by default).
    await page.goto(`${base}/signup`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await shot(page, '01-signup');
    await page.getByLabel('Nom de la boutique', { exact: true }).fill('Boutique Lina');
    await page.getByLabel('Votre nom (facultatif)', { exact: true }).fill('Lina');
    const email = `e2e-${process.pid}-${Date.now()}@example.test`;
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Mot de passe', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await page.waitForURL(`${base}/`);
    await see(page.locator('h1')).toHaveText('Tableau de bord');
    expect(await page.locator('[data-step="channel"]').getAttribute('data-done')).toBe('0');
    await shot(page, '02-dashboard-empty');

    // Connect a WhatsApp channel: the page shows the webhook URL and verify token.
    await openMenu();
    await page.getByRole('link', { name: 'Canaux' }).click();
    await see(page.locator('#webhook-url')).toHaveText('https://wakil.example/webhooks/meta');
    await see(page.getByText('test-verify-token')).toBeVisible();
    await page.getByLabel('Canal', { exact: true }).selectOption('whatsapp');
    await page.getByLabel('Identifiant du compte', { exact: true }).fill('109876543210');
    await page.getByLabel("Nom d'affichage (facultatif)", { exact: true }).fill('Lina WhatsApp');
    await page.getByLabel("Jeton d'accès", { exact: true }).fill('EAAG-test-token-0123456789');
    await page.getByRole('button', { name: 'Connecter', exact: true }).click();
    await see(page.locator('li[data-channel="whatsapp"]')).toContainText('109876543210');
    expect(await page.content()).not.toContain('EAAG-test-token');
    await shot(page, '03-channels');

    // Add a product, with a field error first (next to the field, focused).
    await page.goto(`${base}/catalog/new`);
    await page.getByLabel('Nom du produit', { exact: true }).fill('Robe kabyle');
    await page.getByLabel('Prix (DA)', { exact: true }).fill('quatre mille');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await see(page.locator('#f-price-err')).toBeVisible();
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('f-price');
    await page.getByLabel('Prix (DA)', { exact: true }).fill('4500');
    await page.getByLabel('Stock (facultatif)', { exact: true }).fill('7');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(`${base}/catalog`);
    const row = page.locator('tr[data-product]', { hasText: 'Robe kabyle' });
    await see(row).toContainText(dzd(4500));
    await shot(page, '04-catalog');

    // A courier and the merchant's own home-delivery price for Alger, so the playground order has a fee.
    await page.goto(`${base}/couriers`);
    const yalidine = page.locator('section[aria-labelledby="c-yalidine"]');
    await yalidine.locator('summary').click();
    await yalidine.locator('input[name="credentials.api_id"]').fill('yal-id-1');
    await yalidine.locator('input[name="credentials.api_token"]').fill('yal-token-1');
    // Booking stays by hand: shipping the order is not this journey's subject.
    await yalidine.locator('input[name="auto_ship_yalidine"]').uncheck();
    await yalidine.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(`${base}/couriers`);
    await see(page.locator('section[aria-labelledby="c-yalidine"] summary')).toContainText('Utilisée');
    await page.goto(`${base}/couriers/yalidine/tariffs`);
    const override = page.locator('section[aria-labelledby="ov-h"] form');
    await override.getByLabel('Wilaya', { exact: true }).selectOption('16');
    await override.getByLabel('Type de livraison', { exact: true }).selectOption('home');
    await override.getByLabel('Prix (DA) (facultatif)', { exact: true }).fill('450');
    await override.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(`${base}/couriers/yalidine/tariffs`);
    await see(page.locator('tr[data-tariff="16|"] [data-override="450"]')).toBeVisible();
    await shot(page, '04b-courier-tariffs');

    // Playground: the page's fetch() goes to POST /api/v1/playground with the session and CSRF header.
    // The fake model only picks tools and words; the real agent runs them, and the server prices the order.
    ai.script(
      (_r, h) => (/robe/i.test(h.lastUserText()) ? { content: [{ type: 'tool_use', name: 'search_catalog', input: { query: 'robe kabyle' } }] } : undefined),
      (_r, h) => {
        const [cat] = h.toolResults('search_catalog') as Array<{ products: Array<{ name: string; price: number }> }>;
        const p = cat?.products[0];
        return p ? { content: [{ type: 'text', text: `Oui, la ${p.name} est disponible à ${p.price} DA. Votre nom, téléphone et adresse ?` }] } : undefined;
      },
    );
    let created: { order_id: string; total: number } | undefined;
    ai.script(
      (req, h) =>
        /Karima/.test(h.lastUserText())
          ? {
              content: [
                {
                  type: 'tool_use',
                  name: 'create_order',
                  input: {
                    customer_name: 'Karima Test',
                    phone: '0550 12 34 56',
                    wilaya: '16',
                    commune: 'Bir Mourad Raïs',
                    address: 'Rue des Frères Oughlis, n° 3',
                    delivery_type: 'home',
                    items: [{ product_id: catalogId(req, 'Robe kabyle'), quantity: 1 }],
                  },
                },
              ],
            }
          : undefined,
      (_r, h) => {
        const r = h.lastToolResults()[0];
        if (r?.name !== 'create_order' || r.is_error) return undefined;
        created = r.content as { order_id: string; total: number };
        return { content: [{ type: 'text', text: `Commande : Robe kabyle x1, livraison à domicile. Total ${created.total} DA. Vous confirmez ?` }] };
      },
    );
    await page.goto(`${base}/agent`);
    const say = async (text: string, reply: string) => {
      const before = await page.locator('#pg-log .msg.in').count();
      await page.getByLabel('Votre message (comme un client)', { exact: true }).fill(text);
      await page.getByRole('button', { name: 'Envoyer' }).click();
      await see(page.locator('#pg-log .msg.in').nth(before)).toHaveText(reply);
    };
    await say('Salam, la robe kabyle est dispo ?', 'Oui, la Robe kabyle est disponible à 4500 DA. Votre nom, téléphone et adresse ?');
    await say('Karima Test, 0550 12 34 56, Bir Mourad Raïs Alger, rue des Frères Oughlis n° 3', 'Commande : Robe kabyle x1, livraison à domicile. Total 4950 DA. Vous confirmez ?');
    // 4 500 DA from the catalog + the 450 DA tariff set above, computed by the server.
    expect(created!.total).toBe(4500 + 450);
    await shot(page, '05-agent-playground');

    // Orders: the playground order is listed, marked as a test, with the server's total.
    await page.goto(`${base}/orders`);
    const testRow = page.locator(`li[data-order="${created!.order_id}"]`);
    await see(testRow).toContainText('Karima Test');
    await see(testRow.locator('[data-source="playground"]')).toHaveText('essai');
    await see(testRow).toContainText(dzd(4950));
    expect(await server.ctx.knex('orders').where({ id: created!.order_id }).first('source', 'status', 'subtotal', 'delivery_fee', 'wilaya_code', 'phone')).toEqual({
      source: 'playground', status: 'pending', subtotal: 4500, delivery_fee: 450, wilaya_code: '16', phone: '+213550123456',
    });
    await shot(page, '05b-orders-playground');

    // Seed what customers would have produced: an inbound WhatsApp conversation and a pending order.
    const knex = server.ctx.knex;
    const ws = await knex('memberships as m').join('accounts as a', 'a.id', 'm.account_id').where('a.email', email).first('m.workspace_id');
    const channel = await knex('channels').where({ workspace_id: ws.workspace_id, kind: 'whatsapp' }).first('id');
    const [customer] = await knex('customers').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, external_id: '213550123456', wa_id: '213550123456', name: 'Samir' }).returning('id');
    const [conv] = await knex('conversations').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, customer_id: customer.id, last_inbound_at: new Date() }).returning('id');
    await knex('messages').insert({ workspace_id: ws.workspace_id, conversation_id: conv.id, channel_id: channel.id, direction: 'in', author: 'customer', text: 'Bonsoir, je veux la robe en XL', provider_message_id: 'wamid.e2e1' });
    const [order] = await knex('orders').insert({ workspace_id: ws.workspace_id, conversation_id: conv.id, customer_id: customer.id, customer_name: 'Samir', phone: '+213550123456', wilaya_code: '16', subtotal: 4500, delivery_fee: 400, total: 4900, status: 'pending', source: 'agent' }).returning('id');
    await knex('order_items').insert({ workspace_id: ws.workspace_id, order_id: order.id, name: 'Robe kabyle', unit_price: 4500, quantity: 1, line_total: 4500 });

    // Orders: filter and confirm the pending order.
    await page.goto(`${base}/orders?status=pending`);
    const orderRow = page.locator(`li[data-order="${order.id}"]`);
    await see(orderRow).toContainText('Samir');
    await see(orderRow).toContainText(dzd(4900));
    await shot(page, '06-orders');
    await orderRow.getByRole('button', { name: 'Confirmée' }).click();
    // Back to the list with the merchant's filters kept.
    await page.waitForURL(`${base}/orders?status=pending`);
    expect((await knex('orders').where({ id: order.id }).first('status')).status).toBe('confirmed');

    // Dashboard: the checklist and the stats read from the database.
    await page.goto(`${base}/`);
    expect(await page.locator('[data-step="channel"]').getAttribute('data-done')).toBe('1');
    expect(await page.locator('[data-step="products"]').getAttribute('data-done')).toBe('1');
    expect(await page.locator('[data-step="playground"]').getAttribute('data-done')).toBe('1');
    // Sales figures leave the playground out; the test order has its own figure.
    await see(page.locator('[data-stat="orders"]')).toHaveText('1');
    await see(page.locator('[data-stat="playground_orders"]')).toHaveText('1');
    await shot(page, '07-dashboard');

    // Inbox: open the conversation and pause the AI.
    await page.goto(`${base}/inbox`);
    await page.getByRole('link', { name: 'Samir' }).click();
    await see(page.locator('.chat')).toContainText('je veux la robe en XL');
    await page.getByRole('button', { name: "Mettre l'IA en pause" }).click();
    await see(page.locator('#ai-state')).toHaveText('IA en pause');
    expect((await knex('conversations').where({ id: conv.id }).first('ai_paused')).ai_paused).toBe(true);
    await shot(page, '08-inbox-conversation');

    // Export: the owner downloads the workspace as JSON (GET /api/v1/export with the session).
    await page.goto(`${base}/workspace`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: "Télécharger l'export" }).click()]);
    const exported = fs.readFileSync((await download.path())!, 'utf8');
    expect(exported).toContain('Robe kabyle');
    await shot(page, '09-workspace');

    // Switch to Arabic: right-to-left layout and translated labels.
    await page.goto(`${base}/account`);
    await page.getByRole('combobox', { name: 'Langue' }).selectOption('ar');
    await page.locator('form[action="/locale"] button').click();
    await page.waitForURL(`${base}/account`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    await see(page.locator('h1')).toHaveText('حسابي');
    await page.goto(`${base}/`);
    await see(page.locator('h1')).toHaveText('لوحة القيادة');
    expect(await page.evaluate('getComputedStyle(document.body).direction')).toBe('rtl');
    await shot(page, '10-dashboard-ar');

    expect(errors).toEqual([]);
    // The only failed response is the product form sent with a bad price (400, errors shown).
    expect(failed).toEqual(['400 POST /catalog']);
    await context.close();
  });
});

const dzd = (n: number) => new Intl.NumberFormat('fr-DZ', { style: 'currency', currency: 'DZD', maximumFractionDigits: 0 }).format(n);

// Playwright's own expect lives in @playwright/test (not installed): a small polling equivalent.
function see(l: Locator): LocatorMatchers {
  return locatorMatchers(l);
}
interface LocatorMatchers {
  toHaveText(text: string): Promise<void>;
  toContainText(text: string): Promise<void>;
  toBeVisible(): Promise<void>;
}
function locatorMatchers(l: Locator): LocatorMatchers {
  const poll = async (check: () => Promise<boolean>, what: () => Promise<string>) => {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${l.toString()}: ${await what().catch((e: Error) => e.message)}`);
  };
  // Intl output uses no-break spaces: compare with all whitespace folded to one space.
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const text = async () => norm((await l.first().textContent({ timeout: 1000 })) ?? '');
  return {
    toHaveText: (t) => poll(async () => (await text()) === norm(t), async () => `expected text "${t}", got "${await text()}"`),
    toContainText: (t) => poll(async () => (await text()).includes(norm(t)), async () => `expected to contain "${t}", got "${await text()}"`),
    toBeVisible: () => poll(() => l.first().isVisible(), async () => 'expected to be visible'),
  };
}
