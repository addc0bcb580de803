import crypto from 'node:crypto';
import { createOrder, getOrder } from '../../src/orders/service';
import { syncCourierReference } from '../../src/shipping/reference-sync';
import { getReturnRisk } from '../../src/shipping/return-risk';
import { startFakeEcotrack, type FakeEcotrack } from '../fakes/couriers/ecotrack-server';
import { MINIMAL_PDF } from '../fakes/couriers/fake-http';
import { startFakeYalidine, type FakeYalidine } from '../fakes/couriers/yalidine-server';
import { FakeGraph } from '../fakes/graph-server';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';
import { uniqueId, waitFor } from '../support/meta-fixtures';

const YAL = { api_id: 'ship-yal-id', api_token: 'ship-yal-token-SECRET' };
const ECO_TOKEN = 'ship-eco-token-SECRET';
const HOOK_SECRET = 'yalidine-webhook-signing-secret';
const WA_TOKEN = 'EAAG-ship-token-0123456789';

/** Yalidine dates: Algiers local time (UTC+1), "YYYY-MM-DD HH:MM:SS". */
const algiers = (ms: number) => new Date(ms + 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const sign = (raw: string, secret = HOOK_SECRET) => crypto.createHmac('sha256', secret).update(raw).digest('hex');

describe('shipping: booking, tracking, customer notifications and return risk', () => {
  let t: TestApp;
  let yal: FakeYalidine;
  let eco: FakeEcotrack;
  let graph: FakeGraph;

  beforeAll(async () => {
    yal = await startFakeYalidine({ apiId: YAL.api_id, apiToken: YAL.api_token });
    eco = await startFakeEcotrack(ECO_TOKEN);
    graph = await new FakeGraph().start();
    t = await startTestApp({
      work: true,
      env: {
        COURIER_YALIDINE_BASE_URL: yal.baseUrl,
        META_GRAPH_BASE_URL: graph.baseUrl,
        WHATSAPP_PAIR_INTERVAL_MS: '0',
        META_SEND_RETRY_BASE_MS: '5',
        COURIER_HTTP_TIMEOUT_MS: '400',
        SHIPMENT_RETRY_DELAY_SECONDS: '1',
        // Yalidine workspaces below have a webhook secret, so their safety-net poll waits 6x longer (12 s).
        TRACKING_POLL_SECONDS: '2',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([yal.close(), eco.close(), graph.stop()]);
  });

  /** A shop on Yalidine (communes synced, webhook secret saved) with one product. */
  async function yalidineShop(opts: { autoShip?: boolean; price?: number } = {}) {
    const ws = await newWorkspace(t.ctx, 'Boutique Nour');
    await t.http().put('/api/v1/couriers/yalidine').set(ws.auth).send({ credentials: YAL, settings: { origin_wilaya: 16, auto_ship: opts.autoShip ?? true }, active: true }).expect(200);
    await t.http().put('/api/v1/couriers/yalidine/webhook').set(ws.auth).send({ secret: HOOK_SECRET }).expect(200);
    await syncCourierReference(t.ctx, ws.workspace_id, 'yalidine');
    const product = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Robe noire', price: opts.price ?? 3500, stock: 10 }).expect(201)).body.product;
    return { ws, product };
  }

  async function order(ws: { workspace_id: string }, productId: string, o: { commune?: string; wilaya?: string; phone?: string; conversationId?: string; fee?: number } = {}) {
    return createOrder(
      t.ctx,
      ws.workspace_id,
      {
        customerName: 'Amina Benali Kaci',
        phone: o.phone ?? '+213551234567',
        wilayaCode: o.wilaya ?? '16',
        communeCode: o.commune ?? '1609', // official "Bir Mourad Raïs"; Yalidine spells it "Bir Mourad Rais"
        address: 'Cité 5 Juillet, bt 3',
        deliveryType: 'home',
        deliveryFee: o.fee ?? 500,
        items: [{ product_id: productId, quantity: 1 }],
        source: 'api',
        conversationId: o.conversationId ?? null,
      },
      'test',
    );
  }

  const confirm = (ws: { auth: Record<string, string> }, id: string) => t.http().patch(`/api/v1/orders/${id}`).set(ws.auth).send({ status: 'confirmed' }).expect(200);
  const shipmentOf = (orderId: string) => t.ctx.knex('shipments').where({ order_id: orderId }).first();
  const parcelsFor = (orderId: string) => [...yal.parcels.values()].filter((p) => p.order_id === orderId);

  it('books a confirmed order once, even when the answer to the create call is lost (job retry and manual POST /ship)', async () => {
    const { ws, product } = await yalidineShop();
    const o = await order(ws, product.id);
    // The fake creates the parcel, then holds its answer past our 400 ms timeout.
    yal.fail({ kind: 'timeout', afterEffect: true, holdMs: 3000 }, { path: '/parcels' });
    await confirm(ws, o.id);

    await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'shipped', 15_000);
    const booked = await shipmentOf(o.id);
    expect(booked).toMatchObject({ courier: 'yalidine', error: null, attempts: 2, cod_amount: 4000 });
    expect(parcelsFor(o.id)).toHaveLength(1);
    const parcel = parcelsFor(o.id)[0]!;
    expect(booked.tracking).toBe(parcel.tracking);
    // The courier's own spelling from courier_communes, and the quoted total collected as is.
    expect(parcel.body).toMatchObject({
      order_id: o.id,
      to_commune_name: 'Bir Mourad Rais',
      to_wilaya_name: 'Alger',
      from_wilaya_name: 'Alger',
      firstname: 'Amina',
      familyname: 'Benali Kaci',
      contact_phone: '0551234567',
      price: 4000,
      freeshipping: true,
      is_stopdesk: false,
      product_list: '1x Robe noire',
    });
    // The retry looked the parcel up by our reference instead of creating a second one.
    expect(yal.log.filter((r) => r.method === 'POST' && r.path.endsWith('/parcels/'))).toHaveLength(1);

    const shipped = (await t.http().get(`/api/v1/orders/${o.id}`).set(ws.auth).expect(200)).body.order;
    expect(shipped).toMatchObject({ status: 'shipped', shipment: { courier: 'yalidine', tracking: parcel.tracking, error: null } });

    const again = await t.http().post(`/api/v1/orders/${o.id}/ship`).set(ws.auth).expect(409);
    expect(again.body.error.message).toContain(parcel.tracking);
    expect(parcelsFor(o.id)).toHaveLength(1);

    const label = await t.http().get(`/api/v1/orders/${o.id}/label`).set(ws.auth).expect(200);
    expect(label.body.label).toEqual({ kind: 'html_url', url: expect.stringContaining(`tracking=${parcel.tracking}`) });
  });

  it('a manual POST /ship that times out hands over to the job, which adopts the parcel instead of booking another', async () => {
    const { ws, product } = await yalidineShop({ autoShip: false });
    const o = await order(ws, product.id, { commune: '1630' });
    await confirm(ws, o.id);
    expect(await shipmentOf(o.id)).toBeUndefined(); // auto_ship off: nothing booked on confirmation

    yal.fail({ kind: 'timeout', afterEffect: true, holdMs: 3000 }, { path: '/parcels' });
    const first = await t.http().post(`/api/v1/orders/${o.id}/ship`).set(ws.auth).expect(202);
    expect(first.body.outcome).toBe('retrying');
    expect(first.body.order.shipment.error).toMatch(/Yalidine did not answer within .*we will try again/);
    await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'shipped', 15_000);
    expect(parcelsFor(o.id)).toHaveLength(1);
    expect((await shipmentOf(o.id)).tracking).toBe(parcelsFor(o.id)[0]!.tracking);
  });

  it('shows the courier refusal, and an unmapped commune, as shipment.error without sending or retrying', async () => {
    const { ws, product } = await yalidineShop({ price: 200_000 });
    const tooDear = await order(ws, product.id);
    await confirm(ws, tooDear.id);
    const refused = await waitFor(async () => {
      const o = (await t.http().get(`/api/v1/orders/${tooDear.id}`).set(ws.auth).expect(200)).body.order;
      return o.shipment?.error ? o : null;
    }, 10_000);
    expect(refused).toMatchObject({ status: 'confirmed', shipment: { courier: 'yalidine', tracking: null, status: 'error' } });
    expect(refused.shipment.error).toMatch(/^Yalidine refused the parcel .*price must be an integer between 0 and 150000/);
    expect(parcelsFor(tooDear.id)).toHaveLength(0);

    const cheap = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Foulard', price: 900, stock: 5 }).expect(201)).body.product;
    const gdyel = await order(ws, cheap.id, { wilaya: '31', commune: '3102' }); // Gdyel: not in this Yalidine list
    const posts = yal.log.filter((r) => r.method === 'POST').length;
    await confirm(ws, gdyel.id);
    const unmapped = await waitFor(async () => (await shipmentOf(gdyel.id))?.error, 10_000);
    expect(unmapped).toBe("Commune Gdyel is not mapped for Yalidine: sync the courier's communes or fix the mapping");
    expect(yal.log.filter((r) => r.method === 'POST').length).toBe(posts);

    // The merchant corrects the commune and retries by hand: the error is cleared and the parcel booked.
    await t.ctx.knex('orders').where({ id: gdyel.id }).update({ commune_code: '3101' });
    const fixed = await t.http().post(`/api/v1/orders/${gdyel.id}/ship`).set(ws.auth).expect(200);
    expect(fixed.body).toMatchObject({ outcome: 'booked', order: { status: 'shipped', shipment: { error: null, tracking: expect.stringMatching(/^yal-/) } } });
    expect(parcelsFor(gdyel.id)[0]!.body).toMatchObject({ to_commune_name: 'Oran', to_wilaya_name: 'Oran', price: 1400 });
  });

  it('a signed Yalidine webhook moves the order to delivered and the customer hears about it on WhatsApp; forged ones change nothing', async () => {
    const { ws, product } = await yalidineShop();
    const pnid = uniqueId();
    const channel = (await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: pnid, access_token: WA_TOKEN }).expect(201)).body.channel;
    const [customer] = await t.ctx.knex('customers').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, external_id: '213551234567', wa_id: '213551234567' }).returning('id');
    const [conv] = await t.ctx.knex('conversations').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, customer_id: customer.id, last_inbound_at: new Date() }).returning('id');
    const o = await order(ws, product.id, { conversationId: conv.id });
    await confirm(ws, o.id);
    await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'shipped', 10_000);
    const tracking: string = (await shipmentOf(o.id)).tracking;

    const body = (status: string, eventId: string, offsetMs: number) =>
      JSON.stringify({ type: 'parcel_status_updated', events: [{ event_id: eventId, occurred_at: algiers(Date.now() + offsetMs), data: { tracking, status, reason: null } }] });
    const post = (raw: string, signature?: string) => {
      const r = t.http().post('/webhooks/couriers/yalidine').set('content-type', 'application/json');
      if (signature) r.set('x-yalidine-signature', signature);
      return r.send(raw);
    };

    // Forged: signed with another secret, or not signed at all.
    const forged = body('Livré', 'evt-forged', 5_000);
    await post(forged, sign(forged, 'not-the-secret')).expect(401);
    await post(forged).expect(401);
    expect((await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status).toBe('shipped');
    expect(await t.ctx.knex('courier_webhook_events').where({ workspace_id: ws.workspace_id })).toHaveLength(0);

    const out = body('Sorti en livraison', 'evt-1', 2_000);
    expect((await post(out, sign(out)).expect(200)).body).toEqual({ received: 1, applied: 1, duplicates: 0, ignored: 0 });
    expect((await post(out, `sha256=${sign(out)}`).expect(200)).body).toEqual({ received: 1, applied: 0, duplicates: 1, ignored: 0 });
    const sends = () => graph.sends(pnid).map((r) => (r.body as { text?: { body: string } }).text?.body ?? '');
    await waitFor(async () => sends().some((x) => x.includes(tracking)), 10_000);
    expect(sends().find((x) => x.includes(tracking))).toContain('Boutique Nour');

    yal.setStatus(tracking, 'Livré');
    const done = body('Livré', 'evt-2', 4_000);
    await post(done, sign(done)).expect(200);
    expect((await getOrder(t.ctx.knex, ws.workspace_id, o.id))).toMatchObject({ status: 'delivered', shipment: { status: 'delivered' } });
    const notes = await waitFor(async () => {
      const rows = await t.ctx.knex('shipment_notifications').where({ workspace_id: ws.workspace_id }).orderBy('id');
      return rows.length >= 2 ? rows : null;
    }, 10_000);
    expect(notes.map((n: { step: string; status: string }) => [n.step, n.status])).toEqual([['out_for_delivery', 'sent'], ['delivered', 'sent']]);
    const history = (await shipmentOf(o.id)).history as Array<{ status: string; raw?: string; source?: string }>;
    expect(history.filter((h) => h.source === 'webhook').map((h) => h.raw)).toEqual(['Sorti en livraison', 'Livré']);

    // Yalidine's CRC challenge is echoed as plain text.
    const crc = await t.http().get('/webhooks/couriers/yalidine?subscribe=1&crc_token=abc123').expect(200);
    expect(crc.text).toBe('abc123');
  });

  it('polls Ecotrack (no webhooks): status updates move the order; outside 24 h a template is used, or the skip is recorded', async () => {
    const ws = await newWorkspace(t.ctx, 'Boutique Eco');
    await t.http().put('/api/v1/couriers/ecotrack').set(ws.auth).send({ credentials: { token: ECO_TOKEN }, settings: { base_url: eco.baseUrl }, active: true }).expect(200);
    await syncCourierReference(t.ctx, ws.workspace_id, 'ecotrack');
    const product = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Sac cuir', price: 2900, stock: 3 }).expect(201)).body.product;
    const pnid = uniqueId();
    const channel = (await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: pnid, access_token: WA_TOKEN }).expect(201)).body.channel;
    const [customer] = await t.ctx.knex('customers').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, external_id: '213661112233', wa_id: '213661112233' }).returning('id');
    const [conv] = await t.ctx.knex('conversations').insert({ workspace_id: ws.workspace_id, channel_id: channel.id, customer_id: customer.id, last_inbound_at: new Date(Date.now() - 48 * 3600_000) }).returning('id');
    const o = await order(ws, product.id, { phone: '+213661112233', conversationId: conv.id, fee: 400 });
    await confirm(ws, o.id);

    const s = await waitFor(async () => {
      const r = await shipmentOf(o.id);
      return r?.tracking && r.status === 'pending_pickup' ? r : null;
    }, 10_000);
    const parcel = eco.orders.get(s.tracking)!;
    expect(parcel.params).toMatchObject({ reference: o.id, commune: 'Bir Mourad Rais', code_wilaya: '16', montant: '3300', telephone: '0661112233' });
    expect(parcel.status).toBe('prete_a_expedier'); // validated after create (validateStep)

    eco.setStatus(s.tracking, 'en_livraison');
    await waitFor(async () => (await shipmentOf(o.id)).status === 'out_for_delivery', 10_000);
    const skipped = await waitFor(() => t.ctx.knex('shipment_notifications').where({ shipment_id: s.id, step: 'out_for_delivery' }).first(), 10_000);
    expect(skipped).toMatchObject({ status: 'skipped', reason: 'outside the 24-hour window and no WhatsApp template is configured for delivery updates' });

    await t.http().put('/api/v1/shipping/settings').set(ws.auth).send({ template_name: 'delivery_update', template_language: 'fr' }).expect(200);
    eco.setStatus(s.tracking, 'livred');
    await waitFor(async () => (await getOrder(t.ctx.knex, ws.workspace_id, o.id)).status === 'delivered', 10_000);
    const tpl = await waitFor(async () => graph.sends(pnid).find((r) => (r.body as { type?: string }).type === 'template'), 10_000);
    expect(tpl.body).toMatchObject({
      type: 'template',
      template: { name: 'delivery_update', language: { code: 'fr' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'livré' }, { type: 'text', text: s.tracking }] }] },
    });

    const pdf = await t.http().get(`/api/v1/orders/${o.id}/label`).set(ws.auth).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(pdf.body).equals(MINIMAL_PDF)).toBe(true);
  });

  it('return risk: delivered vs returned per phone, in the order JSON', async () => {
    const ws = await newWorkspace(t.ctx);
    const product = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Montre', price: 5000 }).expect(201)).body.product;
    const phone = '+213770998877';
    const close = async (status: 'delivered' | 'returned') => {
      const o = await order(ws, product.id, { phone });
      await t.ctx.knex('orders').where({ id: o.id }).update({ status });
    };
    expect(await getReturnRisk(t.ctx, ws.workspace_id, '0770 99 88 77')).toEqual({ delivered: 0, returned: 0, risk: 'low' });
    await close('delivered');
    await close('returned');
    expect(await getReturnRisk(t.ctx, ws.workspace_id, '0770998877')).toEqual({ delivered: 1, returned: 1, risk: 'medium' });
    await close('returned');
    const open = await order(ws, product.id, { phone });
    const json = (await t.http().get(`/api/v1/orders/${open.id}`).set(ws.auth).expect(200)).body.order;
    expect(json.return_risk).toEqual({ delivered: 1, returned: 2, risk: 'high' });
    const list = (await t.http().get('/api/v1/orders?status=pending').set(ws.auth).expect(200)).body.orders;
    expect(list.find((x: { id: string }) => x.id === open.id).return_risk).toEqual({ delivered: 1, returned: 2, risk: 'high' });
    // Another shop's history is not this shop's business.
    const other = await newWorkspace(t.ctx);
    expect((await getReturnRisk(t.ctx, other.workspace_id, phone)).returned).toBe(0);
    const api = await t.http().get('/api/v1/customers/return-risk').query({ phone: '0770998877' }).set(ws.auth).expect(200);
    expect(api.body.return_risk.risk).toBe('high');
  });
});
