import { zrExpress, verifySvix } from '../../couriers/zr-express';
import { ZrExpressFake, signSvix, startZrExpressFake } from '../fakes/couriers/zr-express-server';
import { runCourierContractSuite } from './contract-suite';
import type { ShipmentInput } from '../../couriers/contract';

const settings = { auto_ship: true, origin_wilaya: 16 };

function adapterFor(server: ZrExpressFake, opts: { badCredentials?: boolean; http?: Parameters<typeof zrExpress.create>[0]['http'] } = {}) {
  return zrExpress.create({
    baseUrl: zrExpress.baseUrl(settings, server.baseUrl),
    credentials: { api_key: opts.badCredentials ? 'wrong-key' : server.apiKey, tenant_id: server.tenantId },
    settings,
    http: opts.http,
  });
}

function shipmentFor(server: ZrExpressFake, orderRef: string): ShipmentInput {
  const commune = server.territoryFor(16, 'Bir Mourad Raïs')!;
  return {
    orderRef,
    recipient: { firstName: 'Amine', lastName: 'Test', phone: '0550123456' },
    destination: { wilayaCode: 16, communeCode: '1609', communeName: 'Bir Mourad Raïs', courierCommune: { name: commune.name, uuid: commune.id, wilayaKey: commune.parentId! }, address: '12 rue des Pins' },
    deliveryType: 'home',
    codAmount: 4300,
    productDescription: 'Robe kabyle x1',
    items: [{ name: 'Robe kabyle', quantity: 1, unitPrice: 3700 }],
  };
}

runCourierContractSuite('zr-express', {
  definition: zrExpress,
  async start() {
    const server = await startZrExpressFake();
    const body = Buffer.from(JSON.stringify({ eventType: 'parcel.state.updated', occurredAt: '2026-11-23T10:01:26Z', data: { trackingNumber: '16-AJXL7ORFOL-ZR', state: { name: 'en_livraison' } } }));
    return {
      server: server.http,
      createPath: '/api/v1/parcels',
      adapter: (opts = {}) => adapterFor(server, opts),
      shipment: (orderRef) => shipmentFor(server, orderRef),
      unknownCommune: 'Bir Mourad',
      parcelsFor: (orderRef) => [...server.parcels.values()].filter((p) => p.externalId === orderRef).length,
      advance: (tracking) => {
        server.setState(tracking, 'en_livraison');
        return { expected: 'out_for_delivery' };
      },
      webhook: {
        secret: server.webhookSecret,
        body,
        sign: (b, secret) => signSvix(b, secret, 'msg_2mXq1').headers,
        expectTracking: '16-AJXL7ORFOL-ZR',
      },
    };
  },
});

describe('zr-express specifics', () => {
  let server: ZrExpressFake;
  beforeAll(async () => {
    server = await startZrExpressFake();
  });
  afterAll(() => server.close());

  it('books in steps: customer, parcel with territory UUIDs and +213 phone, then reads the tracking back', async () => {
    const a = adapterFor(server);
    const s = shipmentFor(server, 'zr-steps-1');
    const created = await a.createShipment(s);
    const calls = server.http.log.filter((l) => l.method === 'POST' || l.path.includes('/parcels/')).map((l) => `${l.method} ${l.path.replace(/[0-9a-f-]{36}/, ':id')}`);
    expect(calls.slice(-3)).toEqual(['POST /api/v1/customers/individual', 'POST /api/v1/parcels', 'GET /api/v1/parcels/:id']);
    const p = server.findParcel('zr-steps-1')!;
    expect(created).toEqual({ orderRef: 'zr-steps-1', tracking: p.trackingNumber, providerId: p.id, needsValidation: true });
    expect(p.trackingNumber).toMatch(/^16-[A-Z0-9]+-ZR$/);
    expect(p.deliveryAddress.districtTerritoryId).toBe(server.territoryFor(16, 'Bir Mourad Raïs')!.id);
    expect(p.customer.phone.number1).toBe('+213550123456');
    // COD: the order total, delivery fee included (reference §1.4).
    expect(p.amount).toBe(4300);
    expect(p.state.name).toBe('commande_recue');

    await a.validate!(created.tracking);
    expect(server.findParcel('zr-steps-1')!.state.name).toBe('pret_a_expedier');
    // Validating twice is harmless: the parcel is already past the initial states.
    await a.validate!(created.tracking);
    expect(server.findParcel('zr-steps-1')!.history.map((h) => h.newState.name)).toEqual(['commande_recue', 'pret_a_expedier']);
  });

  it('resolves the commune from ZR`s own list when no mapping is stored, accents and apostrophes ignored', async () => {
    const a = adapterFor(server);
    const s = shipmentFor(server, 'zr-resolve-1');
    s.destination = { wilayaCode: 16, communeCode: '1602', communeName: 'Sidi M’Hamed', address: 'x' };
    await a.createShipment(s);
    expect(server.findParcel('zr-resolve-1')!.deliveryAddress.district).toBe('Sidi MHamed');
    const unserved = await a.createShipment({ ...s, orderRef: 'zr-resolve-2', destination: { ...s.destination, wilayaCode: 33 } }).catch((e) => e);
    expect(unserved.message).toBe('ZR Express does not deliver to wilaya 33: choose another courier for this order');
  });

  it('stop desk: sends the hub id as pickup-point, refuses without one, and explains an unknown hub', async () => {
    const a = adapterFor(server);
    const desks = await a.listStopDesks(16);
    expect(desks.map((d) => d.communeName).sort()).toEqual(['Alger Centre', 'Bab Ezzouar']);
    const s = { ...shipmentFor(server, 'zr-desk-1'), deliveryType: 'stopdesk' as const, stopDeskId: desks[0]!.id };
    await a.createShipment(s);
    expect(server.findParcel('zr-desk-1')).toMatchObject({ deliveryType: 'pickup-point', hubId: desks[0]!.id });
    const noDesk = await a.createShipment({ ...s, orderRef: 'zr-desk-2', stopDeskId: undefined }).catch((e) => e);
    expect(noDesk.message).toMatch(/needs a stop desk/);
    const badDesk = await a.createShipment({ ...s, orderRef: 'zr-desk-3', stopDeskId: '00000000-0000-4000-8000-000000000000' }).catch((e) => e);
    expect(badDesk).toMatchObject({ retryable: false });
    expect(badDesk.message).toBe('ZR Express does not know the stop desk chosen for this order: pick one from the list');
  });

  it('quotes the commune-specific price over the wilaya one and lists the whole grid', async () => {
    const a = adapterFor(server);
    const special = server.territoryFor(16, 'Bab Ezzouar')!;
    const wilayaWide = await a.quote({ toWilaya: 16, deliveryType: 'home' });
    const perCommune = await a.quote({ toWilaya: 16, toCommune: { name: special.name, uuid: special.id }, deliveryType: 'home' });
    expect(wilayaWide).toEqual({ home: Math.round(560 * 1.19), stopdesk: Math.round(330 * 1.19) });
    expect(perCommune).toEqual({ home: Math.round(350 * 1.19), stopdesk: Math.round(330 * 1.19) });
    const grid = (await a.listTariffs({}))!;
    expect(grid.filter((r) => !r.commune).map((r) => r.wilayaCode).sort((x, y) => x - y)).toEqual([6, 9, 16, 31]);
    expect(grid.find((r) => r.commune)?.commune?.uuid).toBe(special.id);
  });

  it('label: fetches the short-lived PDF server-side without sending the API key to the blob host', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment(shipmentFor(server, 'zr-label-1'));
    const label = await a.getLabel(created.tracking);
    expect(label.kind).toBe('pdf');
    const blob = server.http.requests.filter((r) => r.path.startsWith('/blob/'));
    expect(blob).toHaveLength(1);
    expect(blob[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('history is read by UUID and oldest first', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment(shipmentFor(server, 'zr-hist-1'));
    await a.validate!(created.tracking);
    server.setState(created.tracking, 'vers_wilaya');
    server.setState(created.tracking, 'livre');
    const h = await a.getHistory(created.tracking);
    expect(h.map((e) => [e.raw, e.status])).toEqual([
      ['commande_recue', 'created'],
      ['pret_a_expedier', 'pending_pickup'],
      ['vers_wilaya', 'in_transit'],
      ['livre', 'delivered'],
    ]);
    expect(server.http.requests.some((r) => r.path === `/api/v1/parcels/${created.providerId}/state-history`)).toBe(true);
  });

  it('credentials: tenant_id must be a UUID, named in the issue', () => {
    const r = zrExpress.credentialsSchema.safeParse({ api_key: 'k', tenant_id: 'my-shop' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['tenant_id']);
  });

  it('webhooks: Svix signatures by hand — replays, other versions and webhook-* headers', async () => {
    const created = await adapterFor(server).createShipment(shipmentFor(server, 'zr-wh-1'));
    const { headers, body } = server.webhook(created.tracking);
    expect(verifySvix(headers, body, server.webhookSecret)).toBe(true);
    // A delivery older than 5 minutes is a replay, even with a valid signature.
    const old = server.webhook(created.tracking, 'parcel.state.updated', { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(verifySvix(old.headers, old.body, server.webhookSecret)).toBe(false);
    // Several signatures (secret rotation): one valid v1 is enough; a v2 with the right bytes is not.
    const sig = headers['svix-signature']!.slice(3);
    expect(verifySvix({ ...headers, 'svix-signature': `v1,AAAA v1,${sig}` }, body, server.webhookSecret)).toBe(true);
    expect(verifySvix({ ...headers, 'svix-signature': `v2,${sig}` }, body, server.webhookSecret)).toBe(false);
    const unbranded = { 'webhook-id': headers['svix-id']!, 'webhook-timestamp': headers['svix-timestamp']!, 'webhook-signature': headers['svix-signature']! };
    expect(zrExpress.webhook!.verify(unbranded, body, server.webhookSecret)).toBe(true);

    const [ev] = zrExpress.webhook!.parse(body);
    expect(ev).toMatchObject({ type: 'status', tracking: created.tracking, orderRef: 'zr-wh-1', status: { status: 'created', raw: 'commande_recue' } });
    const ret = server.webhook(created.tracking, 'parcel.isReturn.updated');
    const retBody = JSON.parse(ret.body.toString());
    retBody.data.isReturn = true;
    expect(zrExpress.webhook!.parse(Buffer.from(JSON.stringify(retBody)))[0]).toMatchObject({ type: 'status', status: { status: 'returning' } });
    expect(() => zrExpress.webhook!.parse(Buffer.from('not json'))).toThrow(/could not read/);
  });
});
