import { ecotrack } from '../../couriers/ecotrack';
import { startFakeEcotrack } from '../fakes/couriers/ecotrack-server';
import { ecotrackFixture } from './ecotrack-fixture';
import { runCourierContractSuite } from './contract-suite';

runCourierContractSuite('ecotrack', { definition: ecotrack, start: () => ecotrackFixture(ecotrack, (url) => ({ base_url: url })) });

describe('ecotrack specifics', () => {
  it('requires the tenant base_url and appends api/v1/ to a pasted dashboard host', () => {
    expect(() => ecotrack.baseUrl({ auto_ship: true }, undefined)).toThrow(/base_url/);
    expect(ecotrack.baseUrl({ auto_ship: true, base_url: 'https://dhd.ecotrack.dz' }, undefined)).toBe('https://dhd.ecotrack.dz/api/v1/');
    expect(ecotrack.settingsSchema.safeParse({}).success).toBe(false);
  });

  it('turns business error 10002 into words and validates the draft before tracking', async () => {
    const server = await startFakeEcotrack('tok');
    try {
      const a = ecotrack.create({ baseUrl: server.baseUrl, credentials: { token: 'tok' }, settings: { auto_ship: true, base_url: server.url } });
      const err = await a
        .createShipment({
          orderRef: 'o-10002',
          recipient: { firstName: 'A', lastName: 'B', phone: '0550123456' },
          destination: { wilayaCode: 11, communeCode: '1101', communeName: 'Tamanrasset', address: 'x' },
          deliveryType: 'home',
          codAmount: 1000,
          productDescription: 'x',
        })
        .catch((e) => e);
      expect(err.message).toMatch(/does not deliver to the selected wilaya/);
      expect(err.providerCode).toBe('10002');
      const created = await a.createShipment({
        orderRef: 'o-ok',
        recipient: { firstName: 'A', lastName: 'B', phone: '0550123456' },
        destination: { wilayaCode: 31, communeCode: '3101', communeName: 'Oran', address: 'x' },
        deliveryType: 'stopdesk',
        stopDeskId: '3101',
        codAmount: 1000,
        productDescription: 'x',
      });
      expect(server.orders.get(created.tracking)!.params).toMatchObject({ stop_desk: '1', code_postal: '3101', montant: '1000', reference: 'o-ok' });
      expect((await a.getStates([created.tracking]))[0]!.status).toBe('created');
      await a.validate!(created.tracking);
      expect((await a.getStates([created.tracking]))[0]).toMatchObject({ status: 'pending_pickup', raw: 'prete_a_expedier' });
    } finally {
      await server.close();
    }
  });
});
