import { procolis } from '../../couriers/procolis';
import { PROCOLIS_STATUSES } from '../../couriers/procolis-status';
import { ProcolisFake, startProcolisFake } from '../fakes/couriers/procolis-server';
import { runCourierContractSuite } from './contract-suite';
import type { ShipmentInput } from '../../couriers/contract';

const settings = { auto_ship: true };
const adapterFor = (server: ProcolisFake, opts: { badCredentials?: boolean; http?: Parameters<typeof procolis.create>[0]['http'] } = {}) =>
  procolis.create({
    baseUrl: procolis.baseUrl(settings, server.baseUrl),
    // A swapped pair is the classic mistake [TKAWEN]: that is our "bad credentials".
    credentials: opts.badCredentials ? { token: server.key, key: server.token } : { token: server.token, key: server.key },
    settings,
    http: opts.http,
  });
const shipment = (orderRef: string): ShipmentInput => ({
  orderRef,
  recipient: { firstName: 'Amine', lastName: 'Test', phone: '0550123456', phone2: '0661000000' },
  destination: { wilayaCode: 9, communeCode: '0920', communeName: 'Boufarik', address: 'Cité 5 juillet' },
  deliveryType: 'home',
  codAmount: 3800,
  productDescription: 'Chaussures x1',
  note: 'Appeler avant',
});

runCourierContractSuite(
  'procolis',
  {
    definition: procolis,
    async start() {
      const server = await startProcolisFake();
      return {
        server: server.http,
        createPath: 'add_colis',
        adapter: (opts = {}) => adapterFor(server, opts),
        shipment,
        unknownCommune: 'Bir Mourad',
        parcelsFor: (orderRef) => (server.parcels.has(orderRef) ? 1 : 0),
        advance: (tracking) => {
          server.setSituation(tracking, 'Dispatcher');
          return { expected: 'in_transit' };
        },
      };
    },
  },
);

describe('procolis specifics', () => {
  let server: ProcolisFake;
  beforeAll(async () => {
    server = await startProcolisFake();
  });
  afterAll(() => server.close());

  it('sends our order reference as the tracking, confirmed, with the COD total and 2-digit wilaya', async () => {
    const created = await adapterFor(server).createShipment({ ...shipment('proc-fields-1'), deliveryType: 'stopdesk', stopDeskId: '9' });
    expect(created).toEqual({ orderRef: 'proc-fields-1', tracking: 'proc-fields-1', needsValidation: false });
    const req = server.http.requestsTo('POST', 'add_colis').at(-1)!.body as { Colis: Record<string, string>[] };
    expect(req.Colis[0]).toMatchObject({
      Tracking: 'proc-fields-1', TypeLivraison: '1', TypeColis: '0', Confrimee: '1', Client: 'Amine Test', MobileA: '0550123456', MobileB: '0661000000',
      IDWilaya: '09', Commune: 'Boufarik', Total: '3800', TProduit: 'Chaussures x1', Note: 'Appeler avant', id_Externe: 'proc-fields-1',
    });
    expect(server.parcels.get('proc-fields-1')!.Situation).toBe('En Traitement - Prêt à Expédie');
  });

  it('re-booking the same order answers with the existing parcel ("Double Tracking"), never a second one', async () => {
    const a = adapterFor(server);
    await a.createShipment(shipment('proc-dup-1'));
    const again = await a.createShipment(shipment('proc-dup-1'));
    expect(again.tracking).toBe('proc-dup-1');
    expect([...server.parcels.keys()].filter((k) => k === 'proc-dup-1')).toHaveLength(1);
  });

  it('explains a bad phone in words and reports a refused credential pair with the portal hint', async () => {
    const err = await adapterFor(server).createShipment({ ...shipment('proc-phone-1'), recipient: { firstName: 'A', lastName: 'B', phone: '12345' } }).catch((e) => e);
    expect(err.message).toBe("Procolis rejected the customer's phone number: correct it on the order");
    const check = await adapterFor(server, { badCredentials: true }).testCredentials();
    expect(check.message).toMatch(/token and key are easy to swap/);
  });

  it('quotes from the tariff export, stop desks are one office per wilaya', async () => {
    const a = adapterFor(server);
    expect(await a.quote({ toWilaya: 31, deliveryType: 'home' })).toEqual({ home: 710, stopdesk: 455, returnFee: 200 });
    expect(await a.listStopDesks(31)).toEqual([{ id: '31', name: 'Bureau Oran', wilayaCode: 31 }]);
    expect((await a.listTariffs({}))!.map((r) => r.wilayaCode)).toEqual([16, 6, 31, 9]);
  });

  it('tracks by situation, every documented value mapped (SD = stop desk)', async () => {
    const a = adapterFor(server);
    await a.createShipment(shipment('proc-st-1'));
    for (const [raw, canonical] of Object.entries(PROCOLIS_STATUSES)) {
      server.setSituation('proc-st-1', raw);
      expect((await a.getStates(['proc-st-1']))[0]).toMatchObject({ raw, status: canonical, orderRef: 'proc-st-1' });
    }
  });
});
