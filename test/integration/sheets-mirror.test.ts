import { transitionOrder } from '../../src/orders/service';
import { syncSheet } from '../../src/sheets/sync';
import { takeWriteSlot, WRITES_PER_MINUTE } from '../../src/sheets/write-budget';
import type { FakeSheetsServer } from '../fakes/sheets-server';
import { startTestApp, type TestApp } from '../support/harness';
import { connectedShop, placeOrder, startFakeSheets } from './sheets-support';

/**
 * The mirror, driven by calling the sync directly (deterministic): tabs and headers, append,
 * update in place wherever the row went, deleted rows and renamed tabs, 429 storms.
 */
describe('sheets mirror', () => {
  let fake: FakeSheetsServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeSheets();
    t = await startTestApp({ env: { GOOGLE_SHEETS_ROOT_URL: fake.rootUrl } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('first connection creates the Orders and Leads tabs with a French header row; the key is never returned', async () => {
    const shop = await connectedShop(t, fake, { language: 'fr' });
    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body).toMatchObject({ connected: true, spreadsheet_id: shop.spreadsheetId, service_account_email: shop.sa.client_email, tabs: { orders: 'Orders', leads: 'Leads' } });
    expect(JSON.stringify(state.body)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(state.body)).not.toContain(shop.sa.private_key_id);

    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.tabTitles(shop.spreadsheetId)).toEqual(['Sheet1', 'Orders', 'Leads']);
    const header = fake.values(shop.spreadsheetId, 'Orders')[0];
    expect(header?.slice(0, 4)).toEqual(['ID commande', 'Date', 'Statut', 'Client']);
    expect(header?.[9]).toBe('Total (DZD)');
    expect(fake.values(shop.spreadsheetId, 'Leads')[0]?.[0]).toBe('ID prospect');
    const after = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(after.body.sync).toMatchObject({ state: 'ok', pending: 0, last_error: null });
    expect(after.body.sync.last_success_at).toBeTruthy();
  });

  it('writes the header in Arabic for an Arabic workspace, and Arabic status words', async () => {
    const shop = await connectedShop(t, fake, { language: 'ar' });
    const id = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);
    const rows = fake.values(shop.spreadsheetId, 'Orders');
    expect(rows[0]?.slice(0, 3)).toEqual(['رقم الطلب', 'التاريخ', 'الحالة']);
    expect(rows[1]?.[0]).toBe(id);
    expect(rows[1]?.[2]).toBe('قيد الانتظار');
    expect(rows[1]?.[5]).toBe('16 الجزائر');
  });

  it("an order with a promo code: the Items cell names the code and its discount, Total is what the customer pays", async () => {
    const shop = await connectedShop(t, fake);
    await t.http().post('/api/v1/promo-codes').set(shop.ws.auth).send({ code: 'SOLDE10', kind: 'percent', value: 10 }).expect(201);
    const id = await placeOrder(t.ctx, shop, { quantity: 2, promoCode: 'solde10' });
    await syncSheet(t.ctx, shop.workspaceId);
    const row = fake.dataRows(shop.spreadsheetId, 'Orders').find((r) => r[0] === id);
    expect(row?.[8]).toBe('2× Robe kabyle, code promo SOLDE10 −900 DA');
    expect(row?.[9]).toBe(String(2 * 4500 - 900 + 400));
  });

  it('appends one row per new order and updates that same row after the merchant re-sorted the sheet', async () => {
    const shop = await connectedShop(t, fake);
    const ids = [
      await placeOrder(t.ctx, shop, { note: '=HYPERLINK("http://evil")' }),
      await placeOrder(t.ctx, shop, { quantity: 2 }),
      await placeOrder(t.ctx, shop, { quantity: 3 }),
    ];
    const first = await syncSheet(t.ctx, shop.workspaceId);
    expect(first).toMatchObject({ appended: 3, updated: 0 });
    let rows = fake.dataRows(shop.spreadsheetId, 'Orders');
    expect(rows.map((r) => r[0])).toEqual(ids);
    expect(rows[1]?.[8]).toBe('2× Robe kabyle');
    expect(rows[1]?.[9]).toBe(String(2 * 4500 + 400));
    // Customer text went in RAW: a formula is stored as text, not evaluated.
    expect(rows[0]?.[13]).toBe('=HYPERLINK("http://evil")');

    fake.sortRows(shop.spreadsheetId, 'Orders', 'D', 'desc'); // by customer name, reversed
    fake.insertBlankRows(shop.spreadsheetId, 'Orders', 2, 2); // and two empty rows on top
    fake.type(shop.spreadsheetId, 'Orders', `N${fake.rowOf(shop.spreadsheetId, 'Orders', ids[0]!)}`, 'appeler après 18h');
    await transitionOrder(t.ctx, shop.workspaceId, ids[0]!, 'confirmed', 'system');
    const second = await syncSheet(t.ctx, shop.workspaceId);
    expect(second).toMatchObject({ appended: 0, updated: 1 });

    rows = fake.dataRows(shop.spreadsheetId, 'Orders');
    expect(rows).toHaveLength(3);
    const row = fake.rowOf(shop.spreadsheetId, 'Orders', ids[0]!)!;
    expect(fake.cell(shop.spreadsheetId, 'Orders', `C${row}`)).toBe('Confirmée');
    // The merchant's Note is theirs: an update never overwrites it.
    expect(fake.cell(shop.spreadsheetId, 'Orders', `N${row}`)).toBe('appeler après 18h');
    const sr = await t.ctx.knex('sheet_rows').where({ entity_id: ids[0] }).first();
    expect(sr).toMatchObject({ row_number: row, written_status: 'Confirmée', sheet_note: 'appeler après 18h' });
    // The other two rows were not touched.
    for (const other of ids.slice(1)) expect(fake.cell(shop.spreadsheetId, 'Orders', `C${fake.rowOf(shop.spreadsheetId, 'Orders', other)}`)).toBe('En attente');
  });

  it('re-creates a row the merchant deleted, once', async () => {
    const shop = await connectedShop(t, fake);
    const a = await placeOrder(t.ctx, shop);
    const b = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);
    fake.deleteRow(shop.spreadsheetId, 'Orders', fake.rowOf(shop.spreadsheetId, 'Orders', a)!);
    expect(fake.dataRows(shop.spreadsheetId, 'Orders').map((r) => r[0])).toEqual([b]);
    const res = await syncSheet(t.ctx, shop.workspaceId);
    expect(res?.appended).toBe(1);
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.dataRows(shop.spreadsheetId, 'Orders').map((r) => r[0]).sort()).toEqual([a, b].sort());
  });

  it('finds a renamed tab again by its sheetId and tells the merchant; a deleted tab is recreated with its rows', async () => {
    const shop = await connectedShop(t, fake);
    const a = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);
    fake.renameTab(shop.spreadsheetId, 'Orders', 'Commandes 2026');
    const b = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.tabTitles(shop.spreadsheetId)).toEqual(['Sheet1', 'Commandes 2026', 'Leads']);
    expect(fake.dataRows(shop.spreadsheetId, 'Commandes 2026').map((r) => r[0])).toEqual([a, b]);
    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body.tabs.orders).toBe('Commandes 2026');
    expect(state.body.sync.notice).toContain('Commandes 2026');

    fake.deleteTab(shop.spreadsheetId, 'Commandes 2026');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.tabTitles(shop.spreadsheetId)).toContain('Commandes 2026');
    expect(fake.dataRows(shop.spreadsheetId, 'Commandes 2026').map((r) => r[0]).sort()).toEqual([a, b].sort());
    const again = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(again.body.sync.notice).toMatch(/supprimé/);
  });

  it('survives a 429 storm (Retry-After) and a reply lost after the append landed: no row lost, none duplicated', async () => {
    const shop = await connectedShop(t, fake);
    await syncSheet(t.ctx, shop.workspaceId); // tabs exist
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await placeOrder(t.ctx, shop));
    fake.failNext(1, { status: 500, on: 'append', afterApply: true }); // the rows land, the answer is a 500
    fake.failNext(3, { status: 429, retryAfter: 1, on: 'write' });
    const res = await syncSheet(t.ctx, shop.workspaceId);
    expect(res).not.toBeNull();
    expect(fake.pendingFaults()).toBe(0);
    const rows = fake.dataRows(shop.spreadsheetId, 'Orders').map((r) => r[0]);
    expect(rows).toHaveLength(20);
    expect(new Set(rows)).toEqual(new Set(ids));
    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body.sync).toMatchObject({ state: 'ok', pending: 0 });
  });

  it('mirrors leads into the Leads tab, updating the same row', async () => {
    const shop = await connectedShop(t, fake, { language: 'en' });
    const { captureLead } = await import('../../src/leads/leads');
    const lead = await captureLead(t.ctx, shop.workspaceId, { customerName: 'Amina', phone: '+213550000111', interest: 'Robe kabyle taille M', wilayaCode: '31' });
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.dataRows(shop.spreadsheetId, 'Leads')).toEqual([[lead.id, expect.any(String), 'New', 'Amina', '+213550000111', '31 Oran', 'Robe kabyle taille M']]);
    await t.ctx.knex.transaction(async (trx) => {
      await trx('leads').where({ id: lead.id }).update({ interest: 'Robe kabyle taille L' });
      const { runLeadHooks } = await import('../../src/orders/hooks');
      await runLeadHooks(t.ctx, trx, { workspaceId: shop.workspaceId, leadId: lead.id, created: false });
    });
    await syncSheet(t.ctx, shop.workspaceId);
    const rows = fake.dataRows(shop.spreadsheetId, 'Leads');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.[6]).toBe('Robe kabyle taille L');
  });

  it('keeps each spreadsheet under 60 writes a minute, shared through the database', async () => {
    const key = `budget-${Date.now()}`;
    const waits = await Promise.all(Array.from({ length: WRITES_PER_MINUTE }, () => takeWriteSlot(t.ctx.knex, key)));
    expect(waits.every((w) => w === 0)).toBe(true);
    const wait = await takeWriteSlot(t.ctx.knex, key);
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await takeWriteSlot(t.ctx.knex, `${key}-other`)).toBe(0);
  });
});
