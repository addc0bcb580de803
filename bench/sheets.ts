import { createOrder } from '../src/orders/service';
import { connectSheet } from '../src/sheets/connection';
import { FakeSheetsServer, newServiceAccount } from '../test/fakes/sheets-server';
import { epochMs } from './arrivals';
import { startInProcessApp } from './in-process';
import type { Section } from './lib';
import { openShop } from './shop';
import { benchDatabase } from './support';

const ORDERS = 100;

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`sheets: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Sheet mirroring: a burst of 100 new orders (10 at a time, as a busy shop's conversations would
 * create them) with the default sync delay, against the fake Sheets server; every request Google
 * would have seen is counted there.
 */
export async function benchSheets(): Promise<Section> {
  const db = await benchDatabase();
  const fake = await new FakeSheetsServer().start();
  const app = await startInProcessApp(db.url, { GOOGLE_SHEETS_ROOT_URL: fake.rootUrl });
  try {
    const shop = await openShop(db.url, app.url, [{ name: 'Robe kabyle', price: 4500 }]);
    const { json: sa, publicKeyPem } = newServiceAccount();
    fake.trust(sa, publicKeyPem);
    const spreadsheetId = fake.createSpreadsheet({ sharedWith: [sa.client_email] });
    await connectSheet(app.ctx, shop.workspaceId, { spreadsheet_id: spreadsheetId, service_account: JSON.stringify(sa) });
    await until('the Orders tab', () => fake.tabTitles(spreadsheetId).includes('Orders'), 30_000);
    // The first cycle (tabs, header) is set-up, not the burst.
    await new Promise((r) => setTimeout(r, app.ctx.config.sheets.syncDelayMs + 500));
    const writesBefore = fake.writeRequests(spreadsheetId);
    const readsBefore = fake.readRequests(spreadsheetId);

    const started = epochMs();
    for (let i = 0; i < ORDERS / 10; i++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          createOrder(
            app.ctx,
            shop.workspaceId,
            {
              customerName: `Client ${i * 10 + j}`, phone: `+2135500${String(10_000 + i * 10 + j).slice(-5)}`, wilayaCode: '16', communeCode: null,
              address: `Rue ${i * 10 + j}`, deliveryType: 'home', deliveryFee: 400, items: [{ product_id: shop.productIds[0]!, quantity: 1 }], note: null, source: 'api',
            },
            'system',
          ),
        ),
      );
    }
    const pending = async () =>
      Number((await app.ctx.knex('sheet_rows').where({ workspace_id: shop.workspaceId }).whereRaw('change_seq > synced_seq').count({ n: '*' }).first())?.n);
    await until('100 mirrored rows', async () => fake.dataRows(spreadsheetId, 'Orders').length >= ORDERS && (await pending()) === 0, 90_000);
    const mirroredInS = (epochMs() - started) / 1000;
    const writes = fake.writeRequests(spreadsheetId) - writesBefore;
    return {
      title: 'Sheets: a burst of 100 orders mirrored to the merchant’s Google Sheet',
      method: `${ORDERS} orders created 10 at a time through the order service (hooks enqueue the per-workspace sync), default SHEETS_SYNC_DELAY_MS=${app.ctx.config.sheets.syncDelayMs}; requests counted at the fake Sheets API. In process (counts, not timings).`,
      figures: [
        { name: 'write requests for 100 orders', value: writes, unit: 'requests', baseline: { name: 'naive: one append per order', value: ORDERS }, ratio: writes / ORDERS, goal: '≤ 10', met: writes <= 10 },
        { name: 'read requests during the burst', value: fake.readRequests(spreadsheetId) - readsBefore, unit: 'requests' },
        { name: 'burst start → all 100 rows in the sheet', value: Number(mirroredInS.toFixed(1)), unit: 's', note: 'includes the sync delay' },
      ],
    };
  } finally {
    await app.stop();
    await fake.close();
    await db.drop();
  }
}
