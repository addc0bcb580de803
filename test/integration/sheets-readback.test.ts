import { transitionOrder } from '../../src/orders/service';
import { syncSheet } from '../../src/sheets/sync';
import type { FakeSheetsServer } from '../fakes/sheets-server';
import { startTestApp, type TestApp } from '../support/harness';
import { connectedShop, orderStatus, placeOrder, startFakeSheets, type SheetShop } from './sheets-support';

/** Two-way: statuses the merchant types in the sheet, and what Wakil must not read back as edits. */
describe('sheets read-back', () => {
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

  const statusRef = (shop: SheetShop, id: string) => `C${fake.rowOf(shop.spreadsheetId, 'Orders', id)}`;

  it('applies a status typed in French and in Arabic through the order status machine', async () => {
    const shop = await connectedShop(t, fake);
    const a = await placeOrder(t.ctx, shop);
    const b = await placeOrder(t.ctx, shop);
    const c = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);

    fake.type(shop.spreadsheetId, 'Orders', statusRef(shop, a), ' confirmé ');
    fake.type(shop.spreadsheetId, 'Orders', statusRef(shop, b), 'ملغى');
    fake.type(shop.spreadsheetId, 'Orders', statusRef(shop, c), 'مؤكدة');
    const res = await syncSheet(t.ctx, shop.workspaceId);
    expect(res).toMatchObject({ applied: 3, rejected: 0 });
    expect(await orderStatus(t.ctx, a)).toBe('confirmed');
    expect(await orderStatus(t.ctx, b)).toBe('cancelled');
    expect(await orderStatus(t.ctx, c)).toBe('confirmed');
    const audit = await t.ctx.knex('audit_log').where({ target: a, action: 'order.confirmed' }).first('actor');
    expect(audit).toEqual({ actor: 'sheet' }); // the change came from the sheet, not a member or Wakil
    // The applied statuses are written back in Wakil's words, in the same cycle.
    expect(fake.cell(shop.spreadsheetId, 'Orders', statusRef(shop, a))).toBe('Confirmée');
    expect(fake.cell(shop.spreadsheetId, 'Orders', statusRef(shop, b))).toBe('Annulée');

    // Later: the courier ships it, the merchant types "livré".
    await transitionOrder(t.ctx, shop.workspaceId, a, 'shipped', 'system');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.cell(shop.spreadsheetId, 'Orders', statusRef(shop, a))).toBe('Expédiée');
    fake.type(shop.spreadsheetId, 'Orders', statusRef(shop, a), 'Livré');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(await orderStatus(t.ctx, a)).toBe('delivered');
  });

  it('notes an invalid value once, without overwriting it, and clears the note when the merchant fixes it', async () => {
    const shop = await connectedShop(t, fake);
    const a = await placeOrder(t.ctx, shop);
    const b = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);

    fake.type(shop.spreadsheetId, 'Orders', statusRef(shop, a), 'peut-être demain');
    fake.type(shop.spreadsheetId, 'Orders', statusRef(shop, b), 'livré'); // pending cannot become delivered
    const first = await syncSheet(t.ctx, shop.workspaceId);
    expect(first).toMatchObject({ applied: 0, rejected: 2 });
    expect(await orderStatus(t.ctx, a)).toBe('pending');
    expect(await orderStatus(t.ctx, b)).toBe('pending');
    expect(fake.cell(shop.spreadsheetId, 'Orders', statusRef(shop, a))).toBe('peut-être demain');
    expect(fake.note(shop.spreadsheetId, 'Orders', statusRef(shop, a))).toMatch(/ne comprend pas « peut-être demain ».*Confirmée/);
    expect(fake.note(shop.spreadsheetId, 'Orders', statusRef(shop, b))).toMatch(/En attente/);

    // Next cycles: no second note, no write at all, and an unrelated update keeps their value.
    const writes = fake.writeRequests(shop.spreadsheetId);
    const second = await syncSheet(t.ctx, shop.workspaceId);
    expect(second).toMatchObject({ rejected: 0, writes: 0 });
    expect(fake.writeRequests(shop.spreadsheetId)).toBe(writes);
    await t.ctx.knex.transaction(async (trx) => {
      await trx('orders').where({ id: a }).update({ address: 'Cité 5 juillet' });
      const { runOrderHooks } = await import('../../src/orders/hooks');
      await runOrderHooks(t.ctx, trx, { workspaceId: shop.workspaceId, orderId: a, previousStatus: 'pending', status: 'pending' });
    });
    await syncSheet(t.ctx, shop.workspaceId);
    const row = fake.rowOf(shop.spreadsheetId, 'Orders', a)!;
    expect(fake.cell(shop.spreadsheetId, 'Orders', `H${row}`)).toBe('Cité 5 juillet');
    expect(fake.cell(shop.spreadsheetId, 'Orders', `C${row}`)).toBe('peut-être demain');

    // The merchant corrects it: applied, and the note goes away.
    fake.type(shop.spreadsheetId, 'Orders', `C${row}`, 'Annulée');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(await orderStatus(t.ctx, a)).toBe('cancelled');
    expect(fake.note(shop.spreadsheetId, 'Orders', `C${row}`)).toBeUndefined();
  });

  it('does not read back a value Wakil wrote as a merchant edit', async () => {
    const shop = await connectedShop(t, fake, { language: 'ar' });
    const a = await placeOrder(t.ctx, shop);
    await syncSheet(t.ctx, shop.workspaceId);
    await transitionOrder(t.ctx, shop.workspaceId, a, 'confirmed', 'system');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.cell(shop.spreadsheetId, 'Orders', statusRef(shop, a))).toBe('مؤكد');
    // Wakil's own cancellation (e.g. the customer cancelled in chat), then several polls.
    await transitionOrder(t.ctx, shop.workspaceId, a, 'cancelled', 'system');
    const r1 = await syncSheet(t.ctx, shop.workspaceId);
    const r2 = await syncSheet(t.ctx, shop.workspaceId);
    expect(r1?.applied).toBe(0);
    expect(r2?.applied).toBe(0);
    expect(await orderStatus(t.ctx, a)).toBe('cancelled');
    expect(fake.cell(shop.spreadsheetId, 'Orders', statusRef(shop, a))).toBe('ملغى');
    const transitions = await t.ctx.knex('audit_log').where({ target: a }).whereLike('action', 'order.%').pluck('action');
    expect(transitions.sort()).toEqual(['order.cancelled', 'order.confirmed', 'order.created']);
  });
});

describe('sheets connection test', () => {
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

  it('reports a spreadsheet not shared with the service account, naming the email to share with', async () => {
    const shop = await connectedShop(t, fake, { share: false });
    const res = await t.http().post('/api/v1/sheet/test').set(shop.ws.auth).expect(200);
    expect(res.body).toMatchObject({ ok: false, problem: 'not_shared', service_account_email: shop.sa.client_email });
    expect(res.body.message).toContain(`add ${shop.sa.client_email} as Editor`);
    // The background sync says the same on the settings page.
    await syncSheet(t.ctx, shop.workspaceId);
    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body.sync).toMatchObject({ state: 'error', last_error_code: 'not_shared' });
    expect(state.body.sync.last_error).toContain(shop.sa.client_email);

    fake.share(shop.spreadsheetId, shop.sa.client_email);
    const ok = await t.http().post('/api/v1/sheet/test').set(shop.ws.auth).expect(200);
    expect(ok.body).toMatchObject({ ok: true, tabs: { orders: 'Orders', leads: 'Leads' } });
  });

  it('tells a read-only share, a disabled API, a deleted spreadsheet and a rejected key apart', async () => {
    const readOnly = await connectedShop(t, fake, { share: false });
    fake.share(readOnly.spreadsheetId, readOnly.sa.client_email, 'reader');
    const r1 = await t.http().post('/api/v1/sheet/test').set(readOnly.ws.auth).expect(200);
    expect(r1.body).toMatchObject({ ok: false, problem: 'not_shared' });

    const disabled = await connectedShop(t, fake);
    fake.disableApiFor(disabled.sa.client_email);
    const r2 = await t.http().post('/api/v1/sheet/test').set(disabled.ws.auth).expect(200);
    expect(r2.body).toMatchObject({ ok: false, problem: 'api_disabled' });
    expect(r2.body.message).toMatch(/Google Sheets API is disabled/);

    const gone = await connectedShop(t, fake, { connect: false });
    await t.http().put('/api/v1/sheet').set(gone.ws.auth).send({ spreadsheet_id: 'x'.repeat(30) + 'Deleted', service_account: JSON.stringify(gone.sa) }).expect(200);
    const r3 = await t.http().post('/api/v1/sheet/test').set(gone.ws.auth).expect(200);
    expect(r3.body).toMatchObject({ ok: false, problem: 'not_found' });

    // A key Google does not know (deleted in the console): the signature does not verify.
    const badKey = await connectedShop(t, fake, { connect: false });
    const { newServiceAccount } = await import('../fakes/sheets-server');
    const other = newServiceAccount().json;
    await t.http().put('/api/v1/sheet').set(badKey.ws.auth).send({ spreadsheet_id: badKey.spreadsheetId, service_account: { ...other, client_email: badKey.sa.client_email, private_key_id: badKey.sa.private_key_id } }).expect(200);
    const r4 = await t.http().post('/api/v1/sheet/test').set(badKey.ws.auth).expect(200);
    expect(r4.body).toMatchObject({ ok: false, problem: 'invalid_key' });
  });

  it('validates the service-account JSON without echoing the key, accepts escaped newlines, and disconnects', async () => {
    const shop = await connectedShop(t, fake, { connect: false });
    const bad = await t.http().put('/api/v1/sheet').set(shop.ws.auth).send({ spreadsheet_id: shop.spreadsheetId, service_account: { ...shop.sa, private_key: 'not a key', type: 'user' } }).expect(400);
    expect(bad.body.error.type).toBe('invalid_input');
    expect(JSON.stringify(bad.body.error.details)).toMatch(/private_key/);
    expect(JSON.stringify(bad.body)).not.toContain('not a key');
    const badId = await t.http().put('/api/v1/sheet').set(shop.ws.auth).send({ spreadsheet_id: 'https://example.com/x', service_account: shop.sa }).expect(400);
    expect(badId.body.error.message).toMatch(/spreadsheet_id/);

    const escaped = { ...shop.sa, private_key: shop.sa.private_key.replace(/\n/g, '\\n') };
    await t.http().put('/api/v1/sheet').set(shop.ws.auth).send({ spreadsheet_id: shop.spreadsheetId, service_account: escaped }).expect(200);
    const ok = await t.http().post('/api/v1/sheet/test').set(shop.ws.auth).expect(200);
    expect(ok.body.ok).toBe(true);
    const secret = await t.ctx.knex('secrets').where({ workspace_id: shop.workspaceId, kind: 'sheets_service_account' }).first('token');
    expect(secret.token).not.toContain('PRIVATE');

    await t.http().delete('/api/v1/sheet').set(shop.ws.auth).expect(204);
    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body).toEqual({ connected: false });
    expect(await t.ctx.vault.has(shop.workspaceId, 'sheets_service_account')).toBe(false);
  });
});
