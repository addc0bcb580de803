import { captureLead, updateLeadStatus } from '../../src/leads/leads';
import { runLeadHooks } from '../../src/orders/hooks';
import { transitionOrder } from '../../src/orders/service';
import { checkHeader } from '../../src/sheets/header-check';
import { LEAD_STATUS_LABELS, leadHeader, orderHeader } from '../../src/sheets/layout';
import { parseLeadStatusWord, parseStatusWord } from '../../src/sheets/status-words';
import { syncSheet } from '../../src/sheets/sync';
import type { FakeSheetsServer } from '../fakes/sheets-server';
import { startTestApp, type TestApp } from '../support/harness';
import { connectedShop, orderStatus, placeOrder, startFakeSheets, type SheetShop } from './sheets-support';

/**
 * The Leads tab's Status column is the merchant's too: read back like the Orders tab (one code
 * path), within the same one read per cycle. And a sheet whose columns were dragged around is not
 * written by position until the merchant restores the order.
 */
describe('sheets lead read-back and column layout', () => {
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

  let n = 0;
  const newLead = async (shop: SheetShop) => {
    n += 1;
    return (await captureLead(t.ctx, shop.workspaceId, { customerName: `Prospect ${n}`, phone: `+2135510${String(10000 + n).slice(-5)}`, interest: 'Robe kabyle', wilayaCode: '16' })).id;
  };
  const leadStatus = async (id: string) => (await t.ctx.knex('leads').where({ id }).first('status')).status;
  const leadRef = (shop: SheetShop, id: string, col = 'C') => `${col}${fake.rowOf(shop.spreadsheetId, 'Leads', id)}`;
  /** The Sheets requests one sync sends, by operation. */
  const cycle = async (shop: SheetShop) => {
    const from = fake.log.length;
    const res = await syncSheet(t.ctx, shop.workspaceId);
    return { res, ops: fake.log.slice(from).filter((r) => r.spreadsheetId === shop.spreadsheetId).map((r) => r.op) };
  };

  it('reads back every lead label Wakil writes, tolerant spellings, and keeps the order vocabulary apart', () => {
    for (const labels of Object.values(LEAD_STATUS_LABELS)) for (const [status, label] of Object.entries(labels)) expect(parseLeadStatusWord(label)).toBe(status);
    expect(parseLeadStatusWord('CONTACTEE')).toBe('contacted');
    expect(parseLeadStatusWord('تحوّل الى طلب')).toBe('converted');
    expect(parseLeadStatusWord('peut-être')).toBeNull();
    expect(parseLeadStatusWord('nouveau')).toBe('new');
    expect(parseStatusWord('nouveau')).toBe('pending');
  });

  it('applies "Contacté" and Arabic words typed in the Leads tab through updateLeadStatus, audited, in the same requests as before', async () => {
    const shop = await connectedShop(t, fake);
    const a = await newLead(shop);
    const b = await newLead(shop);
    const c = await newLead(shop);
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe('Nouveau');

    // An idle cycle: one metadata read, one batchGet, no write.
    const idle = await cycle(shop);
    expect(idle.ops).toEqual(['get', 'values.batchGet']);

    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, a), ' contacté ');
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, b), 'تم الإتصال');
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, c), 'ضايع');
    const edit = await cycle(shop);
    expect(edit.res).toMatchObject({ applied: 3, rejected: 0, columnsMoved: [] });
    // Still one read; the three rows go back in one values write.
    expect(edit.ops).toEqual(['get', 'values.batchGet', 'values.batchUpdate']);
    expect(await leadStatus(a)).toBe('contacted');
    expect(await leadStatus(b)).toBe('contacted');
    expect(await leadStatus(c)).toBe('lost');
    const audit = await t.ctx.knex('audit_log').where({ workspace_id: shop.workspaceId, target: a, action: 'lead.contacted' }).first('actor', 'data');
    expect(audit).toMatchObject({ actor: 'sheet', data: { from: 'new', to: 'contacted' } });
    // Written back in Wakil's words, and not read back as a new edit afterwards.
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe('Contacté');
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, c))).toBe('Perdu');
    const after = await cycle(shop);
    expect(after.res).toMatchObject({ applied: 0, rejected: 0, writes: 0 });
    expect(after.ops).toEqual(['get', 'values.batchGet']);
    expect(await t.ctx.knex('audit_log').where({ target: a }).whereLike('action', 'lead.%').pluck('action')).toEqual(['lead.contacted']);
  });

  it('refuses converted → new and a nonsense word like the order read-back: value kept, one note, no nagging, cleared on a fix', async () => {
    const shop = await connectedShop(t, fake);
    const a = await newLead(shop);
    const b = await newLead(shop);
    const order = await placeOrder(t.ctx, shop);
    await updateLeadStatus(t.ctx, shop.workspaceId, a, 'converted', 'user:test');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe('Converti');

    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, a), 'Nouveau');
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, b), 'peut-être demain');
    const orderRef = `C${fake.rowOf(shop.spreadsheetId, 'Orders', order)}`;
    fake.type(shop.spreadsheetId, 'Orders', orderRef, 'peut-être demain');
    const first = await cycle(shop);
    expect(first.res).toMatchObject({ applied: 0, rejected: 3 });
    // The notes of both tabs go in one batchUpdate.
    expect(first.ops).toEqual(['get', 'values.batchGet', 'batchUpdate']);
    expect(await leadStatus(a)).toBe('converted');
    expect(await leadStatus(b)).toBe('new');
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe('Nouveau');
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, b))).toBe('peut-être demain');
    expect(fake.note(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe(
      "Wakil n'a pas appliqué « Nouveau » : le prospect est « Converti » et ne peut pas passer à ce statut.",
    );
    // Same wording as the order's note, with the lead's choices.
    expect(fake.note(shop.spreadsheetId, 'Leads', leadRef(shop, b))).toBe('Wakil ne comprend pas « peut-être demain ». Écrivez un de ces statuts : Contacté, Converti, Perdu.');
    expect(fake.note(shop.spreadsheetId, 'Orders', orderRef)).toMatch(/^Wakil ne comprend pas « peut-être demain »\. Écrivez un de ces statuts : Confirmée/);
    expect(await t.ctx.knex('audit_log').where({ target: a, action: 'lead.new' }).first()).toBeUndefined();

    // Next cycle: no second note, no write.
    const second = await cycle(shop);
    expect(second.res).toMatchObject({ rejected: 0, writes: 0 });
    expect(second.ops).toEqual(['get', 'values.batchGet']);

    // An unrelated change to the lead rewrites its row but keeps the merchant's value.
    await t.ctx.knex.transaction(async (trx) => {
      await trx('leads').where({ id: b }).update({ interest: 'Robe kabyle taille L' });
      await runLeadHooks(t.ctx, trx, { workspaceId: shop.workspaceId, leadId: b, created: false });
    });
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, b, 'G'))).toBe('Robe kabyle taille L');
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, b))).toBe('peut-être demain');
    expect(fake.note(shop.spreadsheetId, 'Leads', leadRef(shop, b))).toBeDefined();

    // The merchant fixes both: b is applied, a goes back to Wakil's word; both notes go away.
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, b), 'perdue');
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, a), 'converti');
    const fixed = await cycle(shop);
    expect(fixed.res).toMatchObject({ applied: 1, rejected: 0 });
    expect(await leadStatus(b)).toBe('lost');
    expect(await leadStatus(a)).toBe('converted');
    expect(fake.note(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBeUndefined();
    expect(fake.note(shop.spreadsheetId, 'Leads', leadRef(shop, b))).toBeUndefined();
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, b))).toBe('Perdu');
    expect(await t.ctx.knex('sheet_rows').where({ entity_id: a }).first('rejected_value')).toEqual({ rejected_value: null });
  });

  it('applies an Arabic word in an Arabic workspace and notes a refused move in Arabic', async () => {
    const shop = await connectedShop(t, fake, { language: 'ar' });
    const a = await newLead(shop);
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe('جديد');
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, a), 'تحول الى طلب');
    await syncSheet(t.ctx, shop.workspaceId);
    expect(await leadStatus(a)).toBe('converted');
    expect(fake.cell(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toBe('تحول إلى طلب');
    fake.type(shop.spreadsheetId, 'Leads', leadRef(shop, a), 'تم التواصل'); // converted is final
    const res = await syncSheet(t.ctx, shop.workspaceId);
    expect(res).toMatchObject({ applied: 0, rejected: 1 });
    expect(await leadStatus(a)).toBe('converted');
    expect(fake.note(shop.spreadsheetId, 'Leads', leadRef(shop, a))).toContain('حالة العميل المحتمل «تحول إلى طلب»');
  });

  // Column layout: a tab whose columns the merchant moved is neither read nor written.
  it('tells moved columns from renamed ones and from a header in another language', () => {
    const fr = orderHeader('fr');
    expect(checkHeader('orders', fr)).toBe('ok');
    expect(checkHeader('orders', orderHeader('ar'))).toBe('ok'); // the workspace switched language
    expect(checkHeader('orders', [...fr.slice(0, 3), 'Nom du client', ...fr.slice(4), 'Mes remarques'])).toBe('ok');
    expect(checkHeader('orders', [...fr.slice(0, 3), fr[4], fr[3], ...fr.slice(5)])).toBe('moved');
    expect(checkHeader('orders', [...fr.slice(0, 6), ...fr.slice(7)])).toBe('moved'); // Commune deleted
    expect(checkHeader('leads', ['', '  '])).toBe('empty');
    expect(checkHeader('leads', [...leadHeader('en').slice(0, 2), 'Remarks', ...leadHeader('en').slice(2)])).toBe('moved'); // a column inserted
  });

  it('stops writing to a tab whose columns were reordered, says so on GET /api/v1/sheet, and resumes once restored', async () => {
    const shop = await connectedShop(t, fake);
    const a = await placeOrder(t.ctx, shop);
    const lead = (await captureLead(t.ctx, shop.workspaceId, { customerName: 'Amina', phone: '+213550000222', interest: 'Robe', wilayaCode: '31' })).id;
    await syncSheet(t.ctx, shop.workspaceId);

    fake.moveColumn(shop.spreadsheetId, 'Orders', 'D', 'E'); // Client and Téléphone swapped
    const before = fake.values(shop.spreadsheetId, 'Orders');
    const b = await placeOrder(t.ctx, shop);
    await transitionOrder(t.ctx, shop.workspaceId, a, 'confirmed', 'system');
    await updateLeadStatus(t.ctx, shop.workspaceId, lead, 'contacted', 'user:test');
    // While the layout is wrong, a typed status in the moved tab is not read back either.
    fake.type(shop.spreadsheetId, 'Orders', `C${fake.rowOf(shop.spreadsheetId, 'Orders', a)}`, 'Annulée');
    const typed = fake.values(shop.spreadsheetId, 'Orders');
    const res = await syncSheet(t.ctx, shop.workspaceId);
    expect(res?.columnsMoved).toHaveLength(1);
    expect(res).toMatchObject({ appended: 0, applied: 0, rejected: 0 });
    expect(fake.values(shop.spreadsheetId, 'Orders')).toEqual(typed);
    expect(typed.length).toBe(before.length);
    expect(await orderStatus(t.ctx, a)).toBe('confirmed');
    // The Leads tab is fine and keeps syncing.
    expect(fake.cell(shop.spreadsheetId, 'Leads', `C${fake.rowOf(shop.spreadsheetId, 'Leads', lead)}`)).toBe('Contacté');

    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body.sync).toMatchObject({ state: 'error', last_error_code: 'columns_moved', pending: 2 });
    expect(state.body.sync.last_error).toContain('« Orders »');
    expect(state.body.sync.last_error).toContain('A ID commande, B Date, C Statut, D Client, E Téléphone, F Wilaya');
    // A poll changes nothing while it stays moved.
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.values(shop.spreadsheetId, 'Orders')).toEqual(typed);

    fake.moveColumn(shop.spreadsheetId, 'Orders', 'E', 'D'); // restored
    const resumed = await syncSheet(t.ctx, shop.workspaceId);
    expect(resumed).toMatchObject({ appended: 1, updated: 1, columnsMoved: [] });
    const rowA = fake.rowOf(shop.spreadsheetId, 'Orders', a)!;
    const rowB = fake.rowOf(shop.spreadsheetId, 'Orders', b)!;
    // The merchant's "Annulée" was typed while Wakil was not reading: it is now read back (confirmed → cancelled is allowed).
    expect(await orderStatus(t.ctx, a)).toBe('cancelled');
    expect(fake.cell(shop.spreadsheetId, 'Orders', `C${rowA}`)).toBe('Annulée');
    expect(fake.cell(shop.spreadsheetId, 'Orders', `D${rowB}`)).toMatch(/^Client /);
    expect(fake.cell(shop.spreadsheetId, 'Orders', `E${rowB}`)).toMatch(/^\+213/);
    const ok = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(ok.body.sync).toMatchObject({ state: 'ok', last_error: null, last_error_code: null, pending: 0 });
  });

  it('writes a header row the merchant cleared again, in the values write of the cycle', async () => {
    const shop = await connectedShop(t, fake, { language: 'en' });
    await captureLead(t.ctx, shop.workspaceId, { customerName: 'Yacine', phone: '+213550000333', interest: 'Robe', wilayaCode: '16' });
    await syncSheet(t.ctx, shop.workspaceId);
    for (const col of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) fake.type(shop.spreadsheetId, 'Leads', `${col}1`, '');
    const res = await syncSheet(t.ctx, shop.workspaceId);
    expect(res).toMatchObject({ writes: 1, columnsMoved: [] });
    expect(fake.values(shop.spreadsheetId, 'Leads')[0]).toEqual(leadHeader('en'));
  });
});
