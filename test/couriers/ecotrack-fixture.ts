import type { AdapterFactory } from '../../couriers/contract';
import { startFakeEcotrack } from '../fakes/couriers/ecotrack-server';
import type { CourierContractFixture } from './contract-suite';

/** The contract fixture for any Ecotrack-family definition (ecotrack, anderson). */
export async function ecotrackFixture(def: AdapterFactory, settingsFor: (url: string) => Record<string, unknown>): Promise<CourierContractFixture> {
  const token = 'eco-token-secret';
  const server = await startFakeEcotrack(token);
  const settings = { auto_ship: true, origin_wilaya: 16, ...settingsFor(server.url) };
  return {
    server,
    createPath: 'create/order',
    adapter: (opts = {}) =>
      def.create({ baseUrl: def.baseUrl(settings, server.baseUrl), credentials: { token: opts.badCredentials ? 'wrong' : token }, settings, http: opts.http }),
    shipment: (orderRef) => ({
      orderRef,
      recipient: { firstName: 'Amine', lastName: 'Test', phone: '0550123456' },
      destination: { wilayaCode: 16, communeCode: '1609', communeName: 'Bir Mourad Raïs', courierCommune: { name: 'Bir Mourad Rais' }, address: '12 rue des Pins' },
      deliveryType: 'home',
      codAmount: 4300,
      productDescription: 'Robe kabyle x1',
    }),
    unknownCommune: 'Bir Mourad',
    parcelsFor: (orderRef) => [...server.orders.values()].filter((o) => o.reference === orderRef).length,
    advance: (tracking) => {
      server.setStatus(tracking, 'en_livraison', 'dispatched_to_driver');
      return { expected: 'out_for_delivery' };
    },
  };
}
