import { maystro, MAYSTRO_SECRET_HEADER } from '../../couriers/maystro';
import { MAYSTRO_STATUSES } from '../../couriers/maystro-status';
import { MaystroFake, startMaystroFake } from '../fakes/couriers/maystro-server';
import { runCourierContractSuite } from './contract-suite';
import type { ShipmentInput } from '../../couriers/contract';

const settings = { auto_ship: true };
const adapterFor = (server: MaystroFake, opts: { badCredentials?: boolean; http?: Parameters<typeof maystro.create>[0]['http'] } = {}) =>
  maystro.create({ baseUrl: maystro.baseUrl(settings, server.baseUrl), credentials: { token: opts.badCredentials ? 'wrong' : server.token }, settings, http: opts.http });
const shipmentFor = (server: MaystroFake, orderRef: string): ShipmentInput => ({
  orderRef,
  recipient: { firstName: 'Amine', lastName: 'Test', phone: '0550123456' },
  destination: {
    wilayaCode: 16,
    communeCode: '1609',
    communeName: 'Bir Mourad Raïs',
    courierCommune: { name: 'Bir Mourad Rais', id: String(server.communeId(16, 'Bir Mourad Raïs')) },
    address: '12 rue des Pins',
  },
  deliveryType: 'home',
  codAmount: 4300,
  productDescription: 'Robe kabyle x1',
  items: [{ name: 'Robe kabyle', quantity: 2 }],
});
const hookSecret = 'maystro-hook-secret-0123456789';

runCourierContractSuite(
  'maystro',
  {
    definition: maystro,
    async start() {
      const server = await startMaystroFake();
      const doc = { event: 'OrderStatusChanged', payload: { id: 'b6f0c1de-0000-4000-8000-000000000001', display_id_order: 70123, external_order_id: 'ord-1', status: 41 }, instance_uuid: 'e3b0c442-98fc-4c14-9afb-000000000001' };
      const body = Buffer.from(Buffer.from(Buffer.from(JSON.stringify(doc)).toString('base64')).toString('base64'));
      return {
        server: server.http,
        createPath: 'stores/orders/',
        adapter: (opts = {}) => adapterFor(server, opts),
        shipment: (orderRef) => shipmentFor(server, orderRef),
        unknownCommune: 'Bir Mourad',
        parcelsFor: (orderRef) => [...server.orders.values()].filter((o) => o.external_order_id === orderRef && o.status !== 50).length,
        advance: (tracking) => {
          server.setStatus(tracking, 31);
          return { expected: 'out_for_delivery' };
        },
        webhook: { secret: hookSecret, body, sign: (_b, secret) => ({ [MAYSTRO_SECRET_HEADER]: secret }), expectTracking: '70123' },
      };
    },
  },
);

describe('maystro specifics', () => {
  let server: MaystroFake;
  beforeAll(async () => {
    server = await startMaystroFake();
  });
  afterAll(() => server.close());

  it('sends Maystro`s numeric commune id, source 4, delivery type 1/2 and the door COD', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment(shipmentFor(server, 'may-fields-1'));
    const o = server.findOrder('may-fields-1')!;
    expect(created).toEqual({ orderRef: 'may-fields-1', tracking: String(o.display_id), providerId: o.id, needsValidation: false });
    const body = server.http.requestsTo('POST', 'stores/orders/').at(-1)!.body;
    expect(body).toMatchObject({
      source: 4, wilaya: 16, commune: server.communeId(16, 'Bir Mourad Raïs'), customer_phone: '0550123456', product_price: 4300, delivery_type: 1, express: false,
      external_order_id: 'may-fields-1', products: [{ quantity: 2, logistical_description: 'Robe kabyle' }],
    });
    await a.createShipment({ ...shipmentFor(server, 'may-fields-2'), deliveryType: 'stopdesk' });
    expect(server.findOrder('may-fields-2')!.delivery_type).toBe(2);
  });

  it('without a stored mapping, resolves the id from Maystro`s list (exact on folded names) or refuses in words', async () => {
    const a = adapterFor(server);
    const s = shipmentFor(server, 'may-res-1');
    s.destination = { ...s.destination, courierCommune: undefined, communeName: 'Sidi M’Hamed' };
    await a.createShipment(s);
    expect(server.findOrder('may-res-1')!.commune).toBe(server.communeId(16, 'Sidi M’Hamed'));
    // A stale id Maystro no longer knows: its DRF error becomes words.
    const stale = shipmentFor(server, 'may-res-2');
    stale.destination = { ...stale.destination, courierCommune: { name: 'Bir Mourad Rais', id: '999999' } };
    const err = await a.createShipment(stale).catch((e) => e);
    expect(err.message).toBe("Maystro Delivery rejected the commune 'Bir Mourad Rais' (id 999999) for wilaya 16: pick one from the list");
  });

  it('quotes per commune with both delivery types, null where Maystro has no price', async () => {
    const a = adapterFor(server);
    expect(await a.quote({ toWilaya: 16, toCommune: { name: 'Alger Centre', id: String(server.communeId(16, 'Alger Centre')) }, deliveryType: 'home' })).toEqual({ home: 610, stopdesk: 380 });
    expect(await a.quote({ toWilaya: 16, toCommune: { name: 'Bir Mourad Rais', id: String(server.communeId(16, 'Bir Mourad Raïs')) }, deliveryType: 'home' })).toEqual({ home: 610 });
    expect(await a.quote({ toWilaya: 16, toCommune: { name: 'x', id: '1' }, deliveryType: 'home' })).toBeNull();
  });

  it('history by UUID, every numeric status mapped, label via the v2 bordereau', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment(shipmentFor(server, 'may-hist-1'));
    for (const code of Object.keys(MAYSTRO_STATUSES).filter((k) => /^\d+$/.test(k))) {
      server.setStatus(created.tracking, Number(code));
      expect((await a.getStates([created.tracking]))[0]).toMatchObject({ raw: code, status: MAYSTRO_STATUSES[code] });
    }
    const h = await a.getHistory(created.tracking);
    expect(h[0]).toMatchObject({ raw: '4', status: 'created' });
    expect(server.http.requests.some((r) => r.path === `/api/stores/history_order/${created.providerId}`)).toBe(true);
    await a.getLabel(created.tracking);
    expect(server.http.requestsTo('POST', 'starter_bordureau').at(-1)!.body).toEqual({ orders_ids: [created.providerId] });
  });

  it('webhook: decodes base64×2 (and plain JSON), secret compared from the hook URL', async () => {
    const created = await adapterFor(server).createShipment(shipmentFor(server, 'may-wh-1'));
    server.setStatus(created.tracking, 41);
    const body = server.webhook(created.tracking);
    const [ev] = maystro.webhook!.parse(body);
    expect(ev).toMatchObject({ type: 'status', tracking: created.tracking, orderRef: 'may-wh-1', status: { status: 'delivered', raw: '41' } });
    const plain = Buffer.from(Buffer.from(body.toString(), 'base64').toString(), 'base64');
    expect(maystro.webhook!.parse(plain)[0]!.tracking).toBe(created.tracking);
    expect(maystro.webhook!.verify({ [MAYSTRO_SECRET_HEADER]: hookSecret }, body, '')).toBe(false);
    expect(() => maystro.webhook!.parse(Buffer.from('%%%'))).toThrow(/could not read/);
  });
});
