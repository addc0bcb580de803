import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOrder, getOrder } from '../../src/orders/service';
import { CANCEL_JOB } from '../../src/shipping/cancel';
import { syncCourierReference } from '../../src/shipping/reference-sync';
import { pollShipments } from '../../src/shipping/tracking';
import { startFakeYalidine, type FakeYalidine, type YalidineParcel } from '../fakes/couriers/yalidine-server';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';
import { waitFor } from '../support/meta-fixtures';

const YAL = { api_id: 'cancel-yal-id', api_token: 'cancel-yal-token-SECRET' };

type Ws = Awaited<ReturnType<typeof newWorkspace>>;

describe('shipping: a cancelled order has its courier parcel cancelled', () => {
  let t: TestApp;
  let yal: FakeYalidine;

  beforeAll(async () => {
    yal = await startFakeYalidine({ apiId: YAL.api_id, apiToken: YAL.api_token });
    t = await startTestApp({
      work: true,
      env: {
        COURIER_YALIDINE_BASE_URL: yal.baseUrl,
        // Long enough for the merchant's cancel to land while Yalidine holds its answer (onCreate).
        COURIER_HTTP_TIMEOUT_MS: '1500',
        SHIPMENT_RETRY_DELAY_SECONDS: '1',
        TRACKING_POLL_SECONDS: '3600', // no tracking polls in the fake's log
        WEBHOOKS_ALLOW_LOOPBACK: 'true', // the merchant's webhook receiver below is local
      },
    });
  });
  afterEach(() => {
    yal.onCreate = undefined;
  });
  afterAll(async () => {
    await t.close();
    await yal.close();
  });

  /** A shop on Yalidine (communes synced, auto_ship on) with one product, as in shipping.test.ts. */
  async function yalidineShop(name = 'Boutique Lina') {
    const ws = await newWorkspace(t.ctx, name);
    await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ credentials: YAL, settings: { origin_wilaya: 16 }, active: true }).expect(200);
    await syncCourierReference(t.ctx, ws.workspace_id, 'yalidine');
    const product = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Robe noire', price: 3500, stock: 10 }).expect(201)).body.product;
    return { ws, product };
  }

  function order(ws: Ws, productId: string) {
    return createOrder(
      t.ctx,
      ws.workspace_id,
      {
        customerName: 'Amina Benali',
        phone: '+213551234567',
        wilayaCode: '16',
        communeCode: '1609',
        address: 'Cité 5 Juillet, bt 3',
        deliveryType: 'home',
        deliveryFee: 500,
        items: [{ product_id: productId, quantity: 1 }],
        source: 'api',
      },
      'test',
    );
  }

  const setStatus = (ws: Ws, id: string, status: string) => t.http().patch(`/api/v1/orders/${id}`).set(ws.auth).send({ status });
  const shipmentOf = (ws: Ws, orderId: string) => t.ctx.knex('shipments').where({ workspace_id: ws.workspace_id, order_id: orderId }).first();
  const deletesOf = (tracking: string) => yal.log.filter((r) => r.method === 'DELETE' && r.path.endsWith(`/parcels/${tracking}`));

  /** The shipment.cancel jobs of an order, once none is waiting, running or due for a retry. */
  async function settledCancelJobs(orderId: string): Promise<Array<{ state: string; retry_count: number }>> {
    return waitFor(async () => {
      const r = await t.ctx.knex.raw('SELECT state::text AS state, retry_count FROM pgboss.job WHERE name = ? AND data->>? = ?', [CANCEL_JOB, 'orderId', orderId]);
      const jobs = r.rows as Array<{ state: string; retry_count: number }>;
      return jobs.length && jobs.every((j) => j.state === 'completed' || j.state === 'failed') ? jobs : null;
    }, 20_000);
  }

  /**
   * Confirms the order (auto_ship books it) and, while Yalidine holds its answer to the create,
   * cancels it through the API: the merchant's click landing mid-booking, the one way a Yalidine
   * parcel exists for an order that can still be cancelled. `first` runs before the cancel.
   */
  async function cancelWhileBooking(ws: Ws, orderId: string, first?: (parcel: YalidineParcel) => void): Promise<() => number> {
    let cancelStatus = 0;
    yal.onCreate = async (parcel) => {
      if (parcel.order_id !== orderId) return;
      first?.(parcel);
      cancelStatus = (await setStatus(ws, orderId, 'cancelled')).status;
    };
    await setStatus(ws, orderId, 'confirmed').expect(200);
    return () => cancelStatus;
  }

  it('cancelling an order mid-booking deletes its parcel at Yalidine exactly once and shows the shipment cancelled', async () => {
    const { ws, product } = await yalidineShop();
    const o = await order(ws, product.id);
    const cancelStatus = await cancelWhileBooking(ws, o.id);

    const s = await waitFor(async () => {
      const r = await shipmentOf(ws, o.id);
      return r?.status === 'cancelled' ? r : null;
    }, 15_000);
    expect(cancelStatus()).toBe(200);
    // Both paths enqueued a cancel: the order hook (shipment row present) and the booking that
    // found its order cancelled once the parcel existed. Only one of them talked to Yalidine.
    expect(await settledCancelJobs(o.id)).toEqual([expect.objectContaining({ state: 'completed' }), expect.objectContaining({ state: 'completed' })]);
    expect(s.tracking).toMatch(/^yal-/);
    expect(deletesOf(s.tracking)).toHaveLength(1);
    expect(yal.deleted.filter((x) => x === s.tracking)).toHaveLength(1);
    expect([...yal.parcels.values()].filter((p) => p.order_id === o.id)).toHaveLength(0);

    const json = (await t.http().get(`/api/v1/orders/${o.id}`).set(ws.auth).expect(200)).body.order;
    expect(json).toMatchObject({ status: 'cancelled', shipment: { courier: 'yalidine', tracking: s.tracking, status: 'cancelled', error: null } });
    const history = (await shipmentOf(ws, o.id)).history as Array<{ status: string; source?: string }>;
    expect(history.filter((h) => h.status === 'cancelled')).toEqual([expect.objectContaining({ source: 'order_cancelled' })]);
  });

  it('a parcel Yalidine no longer lets us delete: the shipment says so in words, the order stays cancelled', async () => {
    const { ws, product } = await yalidineShop();
    const o = await order(ws, product.id);
    // The parcel has left 'En préparation' by the time anyone asks Yalidine to delete it.
    const cancelStatus = await cancelWhileBooking(ws, o.id, (parcel) => yal.setStatus(parcel.tracking, 'Ramassé'));

    const s = await waitFor(async () => {
      const r = await shipmentOf(ws, o.id);
      return r?.error ? r : null;
    }, 15_000);
    expect(cancelStatus()).toBe(200);
    await settledCancelJobs(o.id);
    expect(s.error).toBe(`Yalidine would not cancel parcel ${s.tracking}: it can only be deleted while 'En préparation'. Call the courier to stop it`);
    // Asked once: the second job of the race does not ask again after a refusal.
    expect(deletesOf(s.tracking)).toHaveLength(1);
    expect(yal.deleted).not.toContain(s.tracking);
    expect(yal.parcels.get(o.id)?.tracking).toBe(s.tracking);

    const json = (await t.http().get(`/api/v1/orders/${o.id}`).set(ws.auth).expect(200)).body.order;
    expect(json.status).toBe('cancelled');
    expect(json.shipment).toMatchObject({ tracking: s.tracking, error: s.error });
    expect(json.shipment.status).not.toBe('cancelled');
  });

  it('a create whose answer was lost, then a 5xx on the first delete: the parcel is found by our reference and deleted once, after a retry', async () => {
    const { ws, product } = await yalidineShop();
    const o = await order(ws, product.id);
    const start = yal.log.length;
    const since = () => yal.log.slice(start);
    // Yalidine creates the parcel but answers after our 1.5 s timeout: the booking never learns the tracking.
    yal.fail({ kind: 'timeout', afterEffect: true, holdMs: 3000 }, { path: '/parcels' });
    let tracking = '';
    const cancelStatus = await cancelWhileBooking(ws, o.id, (parcel) => {
      tracking = parcel.tracking;
      yal.fail({ kind: '5xx', status: 503 }, { path: `/parcels/${parcel.tracking}` });
    });

    const s = await waitFor(async () => {
      const r = await shipmentOf(ws, o.id);
      return r?.status === 'cancelled' ? r : null;
    }, 20_000);
    expect(cancelStatus()).toBe(200);
    // The 503 was retried, not taken as a refusal: a refusal would have ended every job for this
    // parcel with the reason on the shipment. (The booking job's retry, finding the adopted
    // tracking, enqueues a second cancel job; it does nothing once the parcel is cancelled.)
    const jobs = await settledCancelJobs(o.id);
    expect(jobs.every((j) => j.state === 'completed')).toBe(true);
    expect(s).toMatchObject({ tracking, error: null });
    expect((s.history as Array<{ status: string }>).some((h) => h.status === 'cancel_refused')).toBe(false);
    expect(since().filter((r) => r.method === 'GET' && r.path.endsWith('/parcels/'))).toHaveLength(1); // the lookup by order_id
    expect(deletesOf(tracking)).toHaveLength(2); // 503, then deleted
    expect(yal.deleted.filter((x) => x === tracking)).toHaveLength(1);
    expect(yal.parcels.has(o.id)).toBe(false);
    expect((await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status).toBe('cancelled');
    // The booking's own retry saw the cancelled order and created nothing more.
    expect(since().filter((r) => r.method === 'POST')).toHaveLength(1);
    // The failures were logged (job retries) without the customer's data or the courier token.
    expect(t.logs.text).toContain('job failed');
    expect(t.logs.text).not.toMatch(/0551234567|213551234567|Amina|Benali|Juillet|cancel-yal-token-SECRET/);
  });

  it("another workspace cannot cancel a shop's parcel, by the API or by a job naming the order", async () => {
    const { ws, product } = await yalidineShop('Boutique A');
    const other = await yalidineShop('Boutique B');
    const o = await order(ws, product.id);
    await setStatus(ws, o.id, 'confirmed').expect(200);
    const booked = await waitFor(async () => {
      const r = await shipmentOf(ws, o.id);
      return r?.tracking && r.error === null ? r : null;
    }, 15_000);
    await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'shipped', 10_000);

    await setStatus(other.ws, o.id, 'cancelled').expect(404);
    await t.http().get(`/api/v1/orders/${o.id}`).set(other.ws.auth).expect(404);

    // A's order cancelled behind the status machine, so no job of A's runs: the parcel is live and
    // deletable, and only a job acting for A may delete it.
    await t.ctx.knex('orders').where({ workspace_id: ws.workspace_id, id: o.id }).update({ status: 'cancelled' });
    const before = await shipmentOf(ws, o.id);
    const calls = yal.log.length;
    await t.ctx.jobs.send(CANCEL_JOB, { workspaceId: other.ws.workspace_id, orderId: o.id }, { idempotencyKey: `${o.id}:from-B` });
    await settledCancelJobs(o.id);
    expect(yal.log.length).toBe(calls);
    expect(yal.parcels.get(o.id)?.tracking).toBe(booked.tracking);
    expect(await shipmentOf(ws, o.id)).toEqual(before);

    await t.ctx.jobs.send(CANCEL_JOB, { workspaceId: ws.workspace_id, orderId: o.id }, { idempotencyKey: `${o.id}:from-A` });
    const done = await waitFor(async () => {
      const r = await shipmentOf(ws, o.id);
      return r?.status === 'cancelled' ? r : null;
    }, 15_000);
    expect(done.error).toBeNull();
    expect(yal.deleted.filter((x) => x === booked.tracking)).toHaveLength(1);
  });
  it('a shipped order whose parcel waits for pickup can be cancelled: the parcel is deleted and the stock comes back; after pickup it is refused with the reason', async () => {
    const { ws, product } = await yalidineShop('Boutique Sara');
    const stock = async () => (await t.http().get(`/api/v1/products/${product.id}`).set(ws.auth).expect(200)).body.product.stock as number;
    const shipped = async () => {
      const o = await order(ws, product.id);
      await setStatus(ws, o.id, 'confirmed').expect(200);
      await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'shipped', 15_000);
      return { o, s: await shipmentOf(ws, o.id) };
    };

    const first = await shipped();
    expect(first.s).toMatchObject({ status: 'created', tracking: expect.stringMatching(/^yal-/) });
    expect(await stock()).toBe(9);
    const page = (await t.http().get(`/api/v1/orders/${first.o.id}`).set(ws.auth).expect(200)).body.order;
    expect(page.status).toBe('shipped');
    await setStatus(ws, first.o.id, 'cancelled').expect(200);
    const cancelled = await waitFor(async () => {
      const r = await shipmentOf(ws, first.o.id);
      return r?.status === 'cancelled' ? r : null;
    }, 15_000);
    expect(deletesOf(cancelled.tracking)).toHaveLength(1);
    expect(yal.deleted).toContain(cancelled.tracking);
    expect(await stock()).toBe(10);

    // Picked up: Yalidine says so and our tracking sync has heard it.
    const second = await shipped();
    yal.setStatus(second.s.tracking, 'Ramassé');
    await pollShipments(t.ctx, ws.workspace_id, 'yalidine');
    expect((await shipmentOf(ws, second.o.id)).status).not.toBe('created');
    const refused = await setStatus(ws, second.o.id, 'cancelled').expect(409);
    expect(refused.body.error.message).toMatch(/already with the courier .*refuse it at delivery/);
    expect((await getOrder(t.ctx.knex, ws.workspace_id, second.o.id)).status).toBe('shipped');
    expect(deletesOf(second.s.tracking)).toHaveLength(0);
    expect(await stock()).toBe(9);
  });
  it("the merchant's webhook hears shipment.updated when the parcel is booked and when it is cancelled, without the customer's details", async () => {
    const got: Array<{ type: string; data: { shipment: Record<string, unknown> } }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { ws, product } = await yalidineShop('Boutique Hooks');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wakil`;
      await t.http().post('/api/v1/webhooks').set(ws.auth).send({ url, events: ['shipment.updated'] }).expect(201);
      const o = await order(ws, product.id);
      await setStatus(ws, o.id, 'confirmed').expect(200);
      const booked = await waitFor(async () => got.find((e) => e.data.shipment.status === 'created'), 15_000);
      expect(booked).toMatchObject({ type: 'shipment.updated', data: { shipment: { order_id: o.id, courier: 'yalidine', tracking: expect.stringMatching(/^yal-/) } } });
      await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'shipped', 10_000);
      await setStatus(ws, o.id, 'cancelled').expect(200);
      await waitFor(async () => got.find((e) => e.data.shipment.status === 'cancelled'), 15_000);
      expect(got.every((e) => e.type === 'shipment.updated')).toBe(true);
      expect(JSON.stringify(got)).not.toMatch(/Amina|Benali|0551234567|213551234567|Juillet/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
