import { createOrder, getOrder } from '../../src/orders/service';
import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { syncCourierReference } from '../../src/shipping/reference-sync';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { ORDER_ASK, shopAssistantStep, waitUntil } from '../chaos/storm';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { startFakeYalidine, type FakeYalidine } from '../fakes/couriers/yalidine-server';
import { FakeGraph } from '../fakes/graph-server';
import type { FakeSheetsServer } from '../fakes/sheets-server';
import { conversationOf, sendWhatsApp, shop } from '../integration/agent-helpers';
import { connectedShop, placeOrder, startFakeSheets } from '../integration/sheets-support';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

/**
 * Outside services down for a while, scaled down in time by configuration: the model answering
 * 529 (overloaded), Google Sheets answering 429 storms (some after the write landed), a courier
 * answering 5xx and timing out. The customer hears a holding message during the model outage;
 * once each service is back all work completes, and nothing is done twice (orders, sheet rows,
 * parcels).
 */
describe('chaos: outside services down for a while', () => {
  const YAL = { api_id: 'chaos-yal-id', api_token: 'chaos-yal-token' };
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;
  let sheets: FakeSheetsServer;
  let yal: FakeYalidine;
  let modelDown = false;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    ai = await startFakeAnthropic();
    ai.fallback((req, h) => (modelDown ? { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } } : shopAssistantStep(req, h)));
    graph = await new FakeGraph().start();
    sheets = await startFakeSheets();
    yal = await startFakeYalidine({ apiId: YAL.api_id, apiToken: YAL.api_token });
    t = await startTestApp({
      work: true,
      env: {
        ANTHROPIC_BASE_URL: ai.url,
        ANTHROPIC_API_KEY: 'test',
        // Scaled down: the SDK retries once, the turn job three times (5-10 s, then 10-20 s apart).
        ANTHROPIC_MAX_RETRIES: '1',
        AGENT_MAX_MODEL_ATTEMPTS: '3',
        META_GRAPH_BASE_URL: graph.baseUrl,
        AGENT_DEBOUNCE_MS: '0',
        WHATSAPP_PAIR_INTERVAL_MS: '0',
        META_SEND_RETRY_BASE_MS: '10',
        GOOGLE_SHEETS_ROOT_URL: sheets.rootUrl,
        SHEETS_SYNC_DELAY_MS: '200',
        SHEETS_POLL_SECONDS: '600',
        COURIER_YALIDINE_BASE_URL: yal.baseUrl,
        COURIER_HTTP_TIMEOUT_MS: '400',
        SHIPMENT_RETRY_DELAY_SECONDS: '1',
        TRACKING_POLL_SECONDS: '600',
        LOG_LEVEL: 'warn',
      },
    });
  });
  afterAll(async () => {
    process.stdout.write(`\nFIGURES outages ${JSON.stringify(figures)}\n`);
    await t?.close();
    await Promise.all([ai?.close(), graph?.stop(), sheets?.close(), yal?.close()]);
  });

  it('model 529s: a holding message during the outage, the order made once after it', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, active: true });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    const from = '213661770001';
    const ask = `${ORDER_ASK}, smiti Client Outage, 0661770001, Bir Mourad Rais Alger`;
    const sendsTo = () => graph.sends(s.pnid).map((r) => JSON.stringify(r.body));

    modelDown = true;
    const down = Date.now();
    const before = ai.requests.length;
    await sendWhatsApp(t, s.pnid, from, ask);
    const holdingAfter = await waitUntil(async () => sendsTo().length > 0, 'the holding message', 90_000);
    expect(sendsTo()).toHaveLength(1);
    expect(sendsTo()[0]).toMatch(/Sma7lna|سمحلنا|Désolé|Sorry/);
    const conv = await conversationOf(t, ws);
    expect(conv.needs_human).toBe(true);
    // Every attempt reached the model and was refused; no order was made blind.
    expect(ai.requests.slice(before).every((r) => r.status === 529)).toBe(true);
    expect(await t.ctx.knex('orders').where({ workspace_id: ws })).toHaveLength(0);

    // The customer writes again during the outage, then the model comes back.
    await sendWhatsApp(t, s.pnid, from, ask);
    await new Promise((r) => setTimeout(r, 3000));
    modelDown = false;
    const upAt = Date.now();
    await waitUntil(async () => sendsTo().some((b) => b.includes('sajjelna la commande')), 'the real answer after the outage', 90_000);
    const recoveredAfter = Date.now() - upAt;
    await waitUntil(async () => (await t.ctx.knex.raw("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'conversation.turn' AND state < 'completed' AND data->>'workspaceId' = ?", [ws])).rows[0].n === 0, 'turns drained', 60_000);
    expect(await t.ctx.knex('orders').where({ workspace_id: ws })).toHaveLength(1);
    // One holding message, one order summary: nothing twice.
    const holding = sendsTo().filter((b) => /Sma7lna|سمحلنا|Désolé|Sorry/.test(b));
    expect(holding).toHaveLength(1);
    expect(sendsTo().filter((b) => b.includes('sajjelna la commande'))).toHaveLength(1);
    figures.model = { outageMs: upAt - down, holdingAfterMs: holdingAfter, refusedModelCalls: ai.requests.slice(before).filter((r) => r.status === 529).length, recoveredAfterMs: recoveredAfter, sends: sendsTo().length };
  });

  it('Sheets 429 storm (some after the write landed): every order mirrored once', async () => {
    const s = await connectedShop(t, sheets);
    await waitUntil(async () => sheets.tabTitles(s.spreadsheetId).includes('Orders'), 'tabs', 30_000);
    const N = 25;
    sheets.failNext(12, { status: 429, on: 'write', retryAfter: 1 });
    sheets.failNext(2, { status: 500, on: 'write', afterApply: true });
    sheets.failNext(3, { status: 429, on: 'any', retryAfter: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await Promise.all(Array.from({ length: N / 5 }, () => placeOrder(t.ctx, s)))));
    const mirroredAfter = await waitUntil(
      async () =>
        sheets.pendingFaults() === 0 &&
        sheets.dataRows(s.spreadsheetId, 'Orders').length >= N &&
        Number((await t.ctx.knex('sheet_rows').where({ workspace_id: s.workspaceId }).whereRaw('change_seq > synced_seq').count({ n: '*' }).first())?.n) === 0,
      'every order mirrored',
      120_000,
      250,
    );
    const rows = sheets.dataRows(s.spreadsheetId, 'Orders').map((r) => r[0]);
    expect(rows).toHaveLength(N);
    expect(new Set(rows)).toEqual(new Set(ids));
    figures.sheets = { orders: N, rows: rows.length, writeRequests: sheets.writeRequests(s.spreadsheetId), mirroredAfterMs: mirroredAfter };
  });

  it('courier 5xx and timeouts: every confirmed order booked once', async () => {
    const ws = await newWorkspace(t.ctx, 'Boutique Courier');
    await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ credentials: YAL, settings: { origin_wilaya: 16, auto_ship: true }, active: true }).expect(200);
    await syncCourierReference(t.ctx, ws.workspace_id, 'yalidine');
    const product = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Robe noire', price: 3500, stock: 50 }).expect(201)).body.product;
    const N = 8;
    // The outage: 503s, timeouts that never answer, and timeouts after the parcel was created.
    yal.fail({ kind: '5xx', status: 503 }, { times: 6, path: '/parcels' });
    yal.fail({ kind: 'timeout', holdMs: 2000, afterEffect: false }, { times: 3, path: '/parcels' });
    yal.fail({ kind: 'timeout', holdMs: 2000, afterEffect: true }, { times: 3, path: '/parcels' });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const o = await createOrder(
        t.ctx,
        ws.workspace_id,
        {
          customerName: `Client Colis ${i}`,
          phone: `+21355123${String(4500 + i)}`,
          wilayaCode: '16',
          communeCode: '1609',
          address: 'Cité 5 Juillet',
          deliveryType: 'home',
          deliveryFee: 500,
          items: [{ product_id: product.id, quantity: 1 }],
          source: 'api',
        },
        'test',
      );
      ids.push(o.id);
      await t.http().patch(`/api/v1/orders/${o.id}`).set(ws.auth).send({ status: 'confirmed' }).expect(200);
    }
    const bookedAfter = await waitUntil(
      async () => (await Promise.all(ids.map((id) => getOrder(t.ctx.knex, ws.workspace_id, id)))).every((o) => o.status === 'shipped'),
      'every order shipped',
      150_000,
      250,
    );
    const parcels = [...yal.parcels.values()].filter((p) => ids.includes(p.order_id));
    expect(parcels).toHaveLength(N);
    expect(new Set(parcels.map((p) => p.order_id)).size).toBe(N);
    const shipments = await t.ctx.knex('shipments').whereIn('order_id', ids).select('order_id', 'tracking', 'error');
    expect(shipments).toHaveLength(N);
    for (const sh of shipments) {
      expect(sh.error).toBeNull();
      expect(sh.tracking).toBe(parcels.find((p) => p.order_id === sh.order_id)!.tracking);
    }
    // "Already exists" refusals would mean a retry tried to book a second parcel.
    figures.courier = { orders: N, parcels: parcels.length, createCalls: yal.log.filter((r) => r.method === 'POST' && r.path.includes('/parcels')).length, bookedAfterMs: bookedAfter };
  });
});
