import { SHEET_SYNC_JOB } from '../../src/sheets/jobs';
import type { FakeSheetsServer } from '../fakes/sheets-server';
import { startTestApp, type TestApp } from '../support/harness';
import { connectedShop, orderStatus, placeOrder, startFakeSheets, waitFor } from './sheets-support';

/**
 * Through the real job queue: order hooks enqueue the per-workspace sync, bursts coalesce, and the
 * poll chain reads the merchant's edits back without any order changing on Wakil's side.
 */
describe('sheets through the job queue', () => {
  let fake: FakeSheetsServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeSheets();
    t = await startTestApp({
      work: true,
      env: { GOOGLE_SHEETS_ROOT_URL: fake.rootUrl, SHEETS_SYNC_DELAY_MS: '300', SHEETS_POLL_SECONDS: '1' },
    });
  });
  afterAll(async () => {
    // Nothing failed noisily on the way (job errors, unique-key clashes of the stately queues).
    const errors = t.logs.lines.filter((l) => /"level":"(error|fatal)"/.test(l));
    expect(errors).toEqual([]);
    await t.close();
    await fake.close();
  });

  const pending = async (workspaceId: string) =>
    Number((await t.ctx.knex('sheet_rows').where({ workspace_id: workspaceId }).whereRaw('change_seq > synced_seq').count({ n: '*' }).first())?.n);

  const syncsInFlight = async (workspaceId: string) =>
    Number(
      (await t.ctx.knex.raw("SELECT count(*)::int AS n FROM pgboss.job WHERE name = ? AND state < 'completed' AND data->>'workspaceId' = ?", [SHEET_SYNC_JOB, workspaceId])).rows[0].n,
    );

  it('mirrors a burst of 100 orders within a handful of write requests', async () => {
    const shop = await connectedShop(t, fake);
    await waitFor('tabs', async () => fake.tabTitles(shop.spreadsheetId).includes('Orders'));
    const before = fake.writeRequests(shop.spreadsheetId);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(...(await Promise.all(Array.from({ length: 10 }, () => placeOrder(t.ctx, shop)))));
    await waitFor('100 rows', async () => fake.dataRows(shop.spreadsheetId, 'Orders').length >= 100 && (await pending(shop.workspaceId)) === 0, 60_000);
    const rows = fake.dataRows(shop.spreadsheetId, 'Orders').map((r) => r[0]);
    expect(rows).toHaveLength(100);
    expect(new Set(rows)).toEqual(new Set(ids));
    const writes = fake.writeRequests(shop.spreadsheetId) - before;
    // Reported figure: write requests Google saw for 100 new orders.
    process.stdout.write(`sheets: 100 orders -> ${writes} write requests, ${fake.readRequests(shop.spreadsheetId)} read requests in all\n`);
    expect(writes).toBeLessThanOrEqual(10);
  }, 90_000);

  it('reads a status the merchant typed back on the next poll, and the order changes', async () => {
    const shop = await connectedShop(t, fake, { language: 'ar' });
    const id = await placeOrder(t.ctx, shop);
    const row = await waitFor('the row', async () => fake.rowOf(shop.spreadsheetId, 'Orders', id));
    await waitFor('written', async () => (await pending(shop.workspaceId)) === 0);
    // No sync left queued or running (workers wake at once now): only the poll can read the edit.
    await waitFor('syncs idle', async () => (await syncsInFlight(shop.workspaceId)) === 0);
    fake.type(shop.spreadsheetId, 'Orders', `C${row}`, 'تم التأكيد');
    await waitFor('confirmed from the sheet', async () => (await orderStatus(t.ctx, id)) === 'confirmed', 20_000);
    await waitFor('canonical label written back', async () => fake.cell(shop.spreadsheetId, 'Orders', `C${fake.rowOf(shop.spreadsheetId, 'Orders', id)}`) === 'مؤكد');
    const state = await t.http().get('/api/v1/sheet').set(shop.ws.auth).expect(200);
    expect(state.body.sync.last_poll_at).toBeTruthy();
  }, 40_000);
});
