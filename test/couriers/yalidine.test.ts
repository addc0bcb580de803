import crypto from 'node:crypto';
import { yalidine } from '../../couriers/yalidine';
import { startFakeYalidine } from '../fakes/couriers/yalidine-server';
import { runCourierContractSuite } from './contract-suite';

const creds = { api_id: 'yal-id-123', api_token: 'yal-token-secret' };

runCourierContractSuite('yalidine', {
  definition: yalidine,
  async start() {
    const server = await startFakeYalidine({ apiId: creds.api_id, apiToken: creds.api_token });
    const body = Buffer.from(
      JSON.stringify({
        type: 'parcel_status_updated',
        events: [{ event_id: 'kMX49vEjBTcJHsFLf8tnYR5GO3I1gyAN', occurred_at: '2026-11-23 10:01:26', data: { tracking: 'yal-111AAA', status: 'Sorti en livraison', reason: null } }],
      }),
    );
    return {
      server,
      createPath: 'parcels',
      adapter: (opts = {}) =>
        yalidine.create({
          baseUrl: yalidine.baseUrl({ host: 'yalidine', auto_ship: true }, server.baseUrl),
          credentials: opts.badCredentials ? { ...creds, api_token: 'wrong' } : creds,
          settings: { host: 'yalidine', auto_ship: true, origin_wilaya: 16 },
          http: opts.http,
        }),
      shipment: (orderRef) => ({
        orderRef,
        recipient: { firstName: 'Amine', lastName: 'Test', phone: '0550123456' },
        destination: { wilayaCode: 16, communeCode: '1609', communeName: 'Bir Mourad Raïs', courierCommune: { name: 'Bir Mourad Rais', id: '1609' }, address: '12 rue des Pins' },
        deliveryType: 'home',
        codAmount: 4300,
        productDescription: 'Robe kabyle x1',
      }),
      unknownCommune: 'Bir Mourad',
      parcelsFor: (orderRef) => (server.parcels.has(orderRef) ? 1 : 0),
      advance: (tracking) => {
        server.setStatus(tracking, 'Ramassé');
        return { expected: 'picked_up' };
      },
      quotaHold: { headers: { 'x-second-quota-left': '0', 'x-minute-quota-left': '40' }, waitMs: 1000 },
      webhook: {
        secret: 'whsec-yalidine',
        body,
        sign: (b, secret) => ({ 'x-yalidine-signature': crypto.createHmac('sha256', secret).update(b).digest('hex') }),
        expectTracking: 'yal-111AAA',
        challenge: { query: new URLSearchParams({ subscribe: 'x', crc_token: 'XYZ123' }), answer: 'XYZ123' },
      },
    };
  },
});

describe('yalidine specifics', () => {
  it('sends wilaya names as Yalidine spells them and the stop desk as a center id', async () => {
    const server = await startFakeYalidine({ apiId: creds.api_id, apiToken: creds.api_token });
    try {
      const a = yalidine.create({ baseUrl: server.baseUrl, credentials: creds, settings: { host: 'yalidine', auto_ship: true, origin_wilaya: 6 } });
      const created = await a.createShipment({
        orderRef: 'ord-desk-1',
        recipient: { firstName: 'Sara', lastName: 'B', phone: '0661000000', phone2: '0770000000' },
        destination: { wilayaCode: 16, communeCode: '1601', communeName: 'Alger Centre', address: 'x' },
        deliveryType: 'stopdesk',
        stopDeskId: '163001',
        codAmount: 2500,
        freeShipping: true,
        productDescription: 'Parfum',
      });
      expect(created.label).toEqual({ kind: 'html_url', url: expect.stringContaining(created.tracking) });
      const body = server.parcels.get('ord-desk-1')!.body;
      expect(body).toMatchObject({ from_wilaya_name: 'Béjaïa', to_wilaya_name: 'Alger', is_stopdesk: true, stopdesk_id: '163001', freeshipping: true, contact_phone: '0661000000,0770000000', price: 2500 });
      // Quote per commune: the commune's own fee, stop desk included.
      const q = await a.quote({ toWilaya: 16, toCommune: { name: 'Alger Centre', id: '1601' }, deliveryType: 'stopdesk' });
      expect(q).toMatchObject({ home: expect.any(Number), stopdesk: expect.any(Number), returnFee: 250 });
    } finally {
      await server.close();
    }
  });

  it('picks the brand host from the host setting and the env override only for Yalidine itself', () => {
    expect(yalidine.baseUrl({ host: 'guepex', auto_ship: true }, 'http://127.0.0.1:1/v1/')).toBe('https://api.guepex.app/v1/');
    expect(yalidine.baseUrl({ host: 'yalidine', auto_ship: true }, 'http://127.0.0.1:1/v1')).toBe('http://127.0.0.1:1/v1/');
    const g = yalidine.create({ baseUrl: 'http://127.0.0.1:1/', credentials: creds, settings: { host: 'guepex', auto_ship: true } });
    expect(g.displayName).toBe('Guepex');
  });

  it('parses a deleted event as cancelled and rejects a malformed body in words', () => {
    const events = yalidine.webhook!.parse(Buffer.from(JSON.stringify({ type: 'parcel_deleted', events: [{ event_id: 'e1', data: { tracking: 'yal-1' } }] })));
    expect(events[0]).toMatchObject({ type: 'deleted', status: { status: 'cancelled' } });
    expect(() => yalidine.webhook!.parse(Buffer.from('not json'))).toThrow(/not JSON/);
  });
});
