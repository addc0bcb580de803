import type { AppContext } from '../../src/context';
import { createOrder } from '../../src/orders/service';
import { FakeSheetsServer, newServiceAccount, type ServiceAccountJson } from '../fakes/sheets-server';
import { newWorkspace, type TestApp } from '../support/harness';

/** Shared set-up for the sheets-*.test.ts files (not a test file itself). */

export async function startFakeSheets(): Promise<FakeSheetsServer> {
  return new FakeSheetsServer().start();
}

export interface SheetShop {
  ws: Awaited<ReturnType<typeof newWorkspace>>;
  workspaceId: string;
  sa: ServiceAccountJson;
  spreadsheetId: string;
  productId: string;
}

/**
 * A workspace with a product, a service account the fake trusts, and a spreadsheet shared with it
 * (unless `share: false`), connected through PUT /api/v1/sheet with the spreadsheet's URL.
 */
export async function connectedShop(
  t: TestApp,
  fake: FakeSheetsServer,
  opts: { language?: 'fr' | 'ar' | 'en'; share?: boolean; connect?: boolean } = {},
): Promise<SheetShop> {
  const ws = await newWorkspace(t.ctx, 'Boutique Sheets');
  if (opts.language) await t.ctx.knex('workspaces').where({ id: ws.workspace_id }).update({ language: opts.language });
  const { json: sa, publicKeyPem } = newServiceAccount();
  fake.trust(sa, publicKeyPem);
  const spreadsheetId = fake.createSpreadsheet({ sharedWith: opts.share === false ? [] : [sa.client_email] });
  const [product] = await t.ctx
    .knex('products')
    .insert({ workspace_id: ws.workspace_id, name: 'Robe kabyle', price: 4500, stock: null })
    .returning('id');
  if (opts.connect !== false) {
    await t
      .http()
      .put('/api/v1/sheet')
      .set(ws.auth)
      .send({ spreadsheet_id: `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit#gid=0`, service_account: sa })
      .expect(200);
  }
  return { ws, workspaceId: ws.workspace_id, sa, spreadsheetId, productId: product.id };
}

let n = 0;
export async function placeOrder(ctx: AppContext, shop: SheetShop, opts: { quantity?: number; note?: string; promoCode?: string } = {}): Promise<string> {
  n += 1;
  const order = await createOrder(
    ctx,
    shop.workspaceId,
    {
      customerName: `Client ${n}`,
      phone: `+2135500${String(10000 + n).slice(-5)}`,
      wilayaCode: '16',
      communeCode: null,
      address: `Rue ${n}`,
      deliveryType: 'home',
      deliveryFee: 400,
      items: [{ product_id: shop.productId, quantity: opts.quantity ?? 1 }],
      note: opts.note ?? null,
      promoCode: opts.promoCode ?? null,
      source: 'api',
    },
    'system',
  );
  return order.id;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function orderStatus(ctx: AppContext, id: string): Promise<string> {
  return (await ctx.knex('orders').where({ id }).first('status')).status;
}
