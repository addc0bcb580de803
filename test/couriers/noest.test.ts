import { noest } from '../../couriers/noest';
import { NOEST_STATUSES } from '../../couriers/noest-status';
import { NoestFake, startNoestFake } from '../fakes/couriers/noest-server';
import { runCourierContractSuite } from './contract-suite';
import type { ShipmentInput } from '../../couriers/contract';

const settings = { auto_ship: true };
const adapterFor = (server: NoestFake, opts: { badCredentials?: boolean; badGuid?: boolean; http?: Parameters<typeof noest.create>[0]['http'] } = {}) =>
  noest.create({
    baseUrl: noest.baseUrl(settings, server.baseUrl),
    credentials: { api_token: opts.badCredentials ? 'wrong' : server.apiToken, user_guid: opts.badGuid ? 'NOTME' : server.userGuid },
    settings,
    http: opts.http,
  });
const shipment = (orderRef: string): ShipmentInput => ({
  orderRef,
  recipient: { firstName: 'Amine', lastName: 'Test', phone: '0550123456' },
  destination: { wilayaCode: 16, communeCode: '1609', communeName: 'Bir Mourad Raïs', courierCommune: { name: 'Bir Mourad Raïs' }, address: '12 rue des Pins' },
  deliveryType: 'home',
  codAmount: 4300,
  productDescription: 'Robe kabyle x1',
});

runCourierContractSuite(
  'noest',
  {
    definition: noest,
    async start() {
      const server = await startNoestFake();
      return {
        server: server.http,
        createPath: 'create/order',
        adapter: (opts = {}) => adapterFor(server, opts),
        shipment,
        unknownCommune: 'Bir Mourad',
        parcelsFor: (orderRef) => [...server.orders.values()].filter((o) => o.reference === orderRef).length,
        advance: (tracking) => {
          server.addEvent(tracking, 'validation_collect_colis');
          return { expected: 'picked_up' };
        },
      };
    },
  },
);

describe('noest specifics', () => {
  let server: NoestFake;
  beforeAll(async () => {
    server = await startNoestFake();
  });
  afterAll(() => server.close());

  it('creates a draft with user_guid and Bearer token, then validate makes it visible to logistics', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment({ ...shipment('noest-draft-1'), deliveryType: 'stopdesk', stopDeskId: '16A', weightKg: 2.2 });
    const req = server.http.requestsTo('POST', 'create/order').at(-1)!;
    expect(req.headers.authorization).toBe(`Bearer ${server.apiToken}`);
    expect(req.body).toMatchObject({ user_guid: server.userGuid, reference: 'noest-draft-1', client: 'Amine Test', wilaya_id: 16, commune: 'Bir Mourad Raïs', montant: 4300, type_id: 1, poids: 3, stop_desk: 1, station_code: '16A' });
    expect(created.needsValidation).toBe(true);
    expect(server.orders.get(created.tracking)!.validated).toBe(false);
    expect((await a.getStates([created.tracking]))[0]).toMatchObject({ status: 'created', raw: 'upload' });
    await a.validate!(created.tracking);
    expect(server.orders.get(created.tracking)!.validated).toBe(true);
    expect((await a.getStates([created.tracking]))[0]).toMatchObject({ status: 'pending_pickup', raw: 'customer_validation' });
    const err = await a.validate!('NOPE-000-00000000').catch((e) => e);
    expect(err.message).toMatch(/^NOEST Express did not validate order NOPE-000-00000000: Commande introuvable/);
  });

  it('testCredentials checks the user GUID too, and names which one is wrong', async () => {
    expect((await adapterFor(server, { badGuid: true }).testCredentials()).message).toMatch(/refused the user GUID/);
    expect((await adapterFor(server, { badCredentials: true }).testCredentials()).message).toMatch(/refused this API token/);
  });

  it('stop desks, per-wilaya fees and errors in words for an unknown desk', async () => {
    const a = adapterFor(server);
    expect(await a.listStopDesks(31)).toEqual([expect.objectContaining({ id: '31A', wilayaCode: 31, communeName: 'Oran' })]);
    expect((await a.listCommunes(16)).filter((c) => c.hasStopDesk).map((c) => c.name).sort()).toEqual(['Alger Centre']);
    expect(await a.quote({ toWilaya: 6, deliveryType: 'stopdesk' })).toEqual({ home: 560, stopdesk: 380, returnFee: 250 });
    const err = await a.createShipment({ ...shipment('noest-desk-x'), deliveryType: 'stopdesk', stopDeskId: '99Z' }).catch((e) => e);
    expect(err.message).toBe("NOEST Express does not know the stop desk '99Z': pick one from the list");
  });

  it('history skips finance events; every event key maps', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment(shipment('noest-hist-1'));
    await a.validate!(created.tracking);
    server.addEvent(created.tracking, 'fdr_activated');
    server.addEvent(created.tracking, 'livred');
    server.addEvent(created.tracking, 'verssement_admin_cust');
    const h = await a.getHistory(created.tracking);
    expect(h.map((e) => e.raw)).toEqual(['upload', 'customer_validation', 'fdr_activated', 'livred']);
    expect((await a.getStates([created.tracking]))[0]).toMatchObject({ status: 'delivered', raw: 'livred', orderRef: 'noest-hist-1' });
    for (const [key, canonical] of Object.entries(NOEST_STATUSES)) expect(a.normalizeStatus(key).status).toBe(canonical);
  });

  it('label follows the redirect to the short-lived PDF', async () => {
    const a = adapterFor(server);
    const created = await a.createShipment(shipment('noest-label-1'));
    const label = await a.getLabel(created.tracking);
    expect(label.kind === 'pdf' && label.bytes.toString('latin1')).toContain(`NOEST label ${created.tracking}`);
  });
});
