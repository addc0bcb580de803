import type { AdapterFactory, CanonicalStatus, CourierAdapter, CourierHttpOptions, ShipmentInput } from '../../couriers/contract';
import { CANONICAL_STATUSES, foldText } from '../../couriers/contract';
import { validateRegistry } from '../../couriers/registry';
import { ProviderError } from '../../src/errors';
import type { FakeServer } from '../fakes/couriers/fake-http';

/**
 * The behaviour every courier adapter must show against its fake server. An adapter test calls
 * `runCourierContractSuite('yalidine', setup)` once; `setup` starts the fake and says how to drive it.
 */
export interface CourierContractFixture {
  server: FakeServer;
  /** A new adapter on the fake; `badCredentials` gives credentials the fake refuses. */
  adapter(opts?: { badCredentials?: boolean; http?: CourierHttpOptions }): CourierAdapter;
  /** A shipment the fake accepts (unique orderRef given by the suite). */
  shipment(orderRef: string): ShipmentInput;
  /** A commune name the courier does not know, in the shipment's wilaya. */
  unknownCommune: string;
  /** Path substring of the create call, to aim a fault at it. */
  createPath: string;
  /** How many parcels the fake holds for this order reference (idempotency checks). */
  parcelsFor(orderRef: string): number;
  /** Moves a parcel past the point where it can be cancelled, with a raw status the adapter maps. */
  advance(tracking: string): { expected: CanonicalStatus };
  /** Quota header that must make the adapter hold its next request (Yalidine), with the expected wait. */
  quotaHold?: { headers: Record<string, string>; waitMs: number };
  webhook?: {
    secret: string;
    body: Buffer;
    sign(body: Buffer, secret: string): Record<string, string>;
    expectTracking: string;
    challenge?: { query: URLSearchParams; answer: string };
  };
}

export interface CourierContractSetup {
  definition: AdapterFactory;
  start(): Promise<CourierContractFixture>;
}

let seq = 0;
const ref = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

export function runCourierContractSuite(name: string, setup: CourierContractSetup): void {
  describe(`courier contract: ${name}`, () => {
    let f: CourierContractFixture;
    let a: CourierAdapter;
    beforeAll(async () => {
      f = await setup.start();
      a = f.adapter();
    });
    afterAll(() => f.server.close());

    it('has a valid definition (registry check) whose id matches the adapter', () => {
      expect(validateRegistry({ [setup.definition.id]: setup.definition })).toEqual([]);
      expect(a.id).toBe(setup.definition.id);
      expect(a.capabilities).toEqual(setup.definition.capabilities);
    });

    it('testCredentials: accepted, and refused in words with bad credentials', async () => {
      const good = await a.testCredentials();
      expect(good.ok).toBe(true);
      const bad = await f.adapter({ badCredentials: true }).testCredentials();
      expect(bad.ok).toBe(false);
      expect(bad.message).toContain(a.displayName);
    });

    it('reference data: wilayas, communes with the courier spelling, stop desks', async () => {
      const wilayas = await a.listWilayas();
      expect(wilayas.length).toBeGreaterThan(0);
      for (const w of wilayas) expect(w.code).toBeGreaterThanOrEqual(1);
      const s = f.shipment('x');
      const communes = await a.listCommunes(s.destination.wilayaCode);
      expect(communes.every((c) => c.wilayaCode === s.destination.wilayaCode)).toBe(true);
      // Procolis publishes no commune list: bookings send our official names.
      if (!a.capabilities.communeList) expect(communes).toEqual([]);
      else expect(communes.map((c) => c.name)).toContain(s.destination.courierCommune?.name ?? s.destination.communeName);
      const desks = await a.listStopDesks();
      if (a.capabilities.stopDesks) expect(desks.length).toBeGreaterThan(0);
      for (const d of desks) expect(typeof d.id).toBe('string');
    });

    it('quote: integer DZD fees for a served wilaya, null for an unserved one', async () => {
      const s = f.shipment('x');
      const q = await a.quote({ toWilaya: s.destination.wilayaCode, deliveryType: 'home' });
      expect(q).not.toBeNull();
      expect(Number.isInteger(q!.home)).toBe(true);
      expect(q!.home!).toBeGreaterThan(0);
      expect(await a.quote({ toWilaya: 58, deliveryType: 'home' })).toBeNull();
    });

    it('create (+validate) then findByReference returns the same parcel; unknown refs return null', async () => {
      const s = f.shipment(ref('c'));
      const created = await a.createShipment(s);
      expect(created.tracking).toBeTruthy();
      expect(created.needsValidation).toBe(a.capabilities.validateStep);
      if (a.capabilities.validateStep) await a.validate!(created.tracking);
      const found = await a.findByReference(s.orderRef);
      if (a.capabilities.lookupByReference) expect(found?.tracking).toBe(created.tracking);
      else expect(found).toBeNull();
      expect(await a.findByReference(ref('none'))).toBeNull();
    });

    it('idempotent booking: a create that timed out after taking effect is found, not re-created', async () => {
      const s = f.shipment(ref('idem'));
      const slow = f.adapter({ http: { timeoutMs: 150 } });
      f.server.fail({ kind: 'timeout', afterEffect: true, holdMs: 1000 }, { path: f.createPath });
      const err = await slow.createShipment(s).catch((e) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.retryable).toBe(true);
      expect(err.message).toMatch(/did not answer/);
      // What the booking job does on retry: look first.
      const found = await a.findByReference(s.orderRef);
      // Without a lookup (NOEST) the booking service cannot tell: it must not re-create blindly.
      if (a.capabilities.lookupByReference) expect(found?.tracking).toBeTruthy();
      else expect(found).toBeNull();
      expect(f.parcelsFor(s.orderRef)).toBe(1);
    });

    it('bulk create reports per-item results (partial success)', async () => {
      const good = f.shipment(ref('bulk-ok'));
      const bad = f.shipment(ref('bulk-bad'));
      bad.destination = { ...bad.destination, communeName: f.unknownCommune, courierCommune: { name: f.unknownCommune } };
      const results = await a.createShipments([good, bad]);
      expect(results.map((r) => [r.orderRef, r.ok])).toEqual([
        [good.orderRef, true],
        [bad.orderRef, false],
      ]);
      const failed = results[1]!;
      if (failed.ok) throw new Error('expected a failure');
      expect(failed.error.retryable).toBe(false);
      expect(failed.error.message).toContain(f.unknownCommune);
      expect(f.parcelsFor(good.orderRef)).toBe(1);
      expect(f.parcelsFor(bad.orderRef)).toBe(0);
    });

    it('tracking: states in batch and history, oldest first, raw values kept', async () => {
      const s = f.shipment(ref('track'));
      const created = await a.createShipment(s);
      if (a.capabilities.validateStep) await a.validate!(created.tracking);
      const { expected } = f.advance(created.tracking);
      const states = await a.getStates([created.tracking, 'NO-SUCH-TRACKING']);
      expect(states).toHaveLength(1);
      expect(states[0]).toMatchObject({ tracking: created.tracking, status: expected });
      expect(states[0]!.raw).toBeTruthy();
      const history = await a.getHistory(created.tracking);
      expect(history.length).toBeGreaterThan(0);
      expect(history[history.length - 1]!.status).toBe(expected);
      const times = history.map((h) => h.occurredAt ?? '');
      expect([...times].sort()).toEqual(times);
    });

    it('cancel works before pickup and is refused in words after it', async () => {
      if (!a.capabilities.cancel) {
        const c = await a.createShipment(f.shipment(ref('cancel-none')));
        const err = await a.cancel(c.tracking).catch((e) => e);
        expect(err).toBeInstanceOf(ProviderError);
        expect(err.retryable).toBe(false);
        expect(err.message).toMatch(/cancel/i);
        return;
      }
      const s = f.shipment(ref('cancel'));
      const created = await a.createShipment(s);
      await a.cancel(created.tracking);
      expect(f.parcelsFor(s.orderRef)).toBe(0);

      const s2 = f.shipment(ref('cancel-late'));
      const c2 = await a.createShipment(s2);
      if (a.capabilities.validateStep) await a.validate!(c2.tracking);
      f.advance(c2.tracking);
      const err = await a.cancel(c2.tracking).catch((e) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/cancel/i);
    });

    it('label has the kind the capabilities announce', async () => {
      const created = await a.createShipment(f.shipment(ref('label')));
      if (a.capabilities.label === 'none') {
        const err = await a.getLabel(created.tracking).catch((e) => e);
        expect(err).toMatchObject({ retryable: false });
        expect(err.message).toMatch(/label/i);
        return;
      }
      const label = await a.getLabel(created.tracking);
      expect(label.kind).toBe(a.capabilities.label);
      if (label.kind === 'pdf') expect(label.bytes.subarray(0, 4).toString('latin1')).toBe('%PDF');
      else expect(label.url).toMatch(/^https?:\/\//);
    });

    it('maps every raw status in its table, ignores case/accents, keeps unknown values raw', () => {
      const entries = Object.entries(a.statusMap);
      expect(entries.length).toBeGreaterThan(0);
      for (const [raw, canonical] of entries) {
        expect(CANONICAL_STATUSES).toContain(canonical);
        expect(a.normalizeStatus(raw)).toEqual({ status: canonical, raw });
        const variant = ` ${foldText(raw).toUpperCase()} `;
        // Two raw values may fold to the same text only if they agree.
        expect(a.normalizeStatus(variant).status).toBe(canonical);
      }
      expect(a.normalizeStatus('Statut jamais vu 42')).toEqual({ status: 'unknown', raw: 'Statut jamais vu 42' });
    });

    it('errors in words: unknown commune, bad credentials, server errors are retryable', async () => {
      const s = f.shipment(ref('err'));
      s.destination = { ...s.destination, communeName: f.unknownCommune, courierCommune: { name: f.unknownCommune } };
      const e1 = await a.createShipment(s).catch((e) => e);
      expect(e1).toBeInstanceOf(ProviderError);
      expect(e1.retryable).toBe(false);
      expect(e1.message).toContain(`'${f.unknownCommune}'`);
      expect(e1.message).toMatch(/pick one from the list/);

      const e2 = await f.adapter({ badCredentials: true }).listWilayas().catch((e) => e);
      expect(e2).toMatchObject({ retryable: false, providerStatus: 401 });
      expect(e2.message).toMatch(/refused the credentials/);

      f.server.fail({ kind: '5xx', status: 503 });
      const e3 = await a.listWilayas().catch((e) => e);
      expect(e3).toMatchObject({ retryable: true, providerStatus: 503 });
    });

    it('rate limits: waits Retry-After and succeeds; a long wait surfaces a retryable error', async () => {
      const waits: number[] = [];
      const patient = f.adapter({ http: { sleep: async (ms) => void waits.push(ms) } });
      f.server.fail({ kind: '429', retryAfter: 2 });
      expect((await patient.listWilayas()).length).toBeGreaterThan(0);
      expect(waits).toEqual([2000]);

      f.server.fail({ kind: '429', retryAfter: 120 });
      const err = await patient.listWilayas().catch((e) => e);
      expect(err).toMatchObject({ retryable: true, providerStatus: 429, providerCode: 'rate_limited' });
      expect(waits).toEqual([2000]);

      if (f.quotaHold) {
        f.server.extraHeaders = f.quotaHold.headers;
        await patient.listWilayas();
        f.server.extraHeaders = {};
        await patient.listWilayas();
        expect(waits).toEqual([2000, f.quotaHold.waitMs]);
      }
    });

    it('webhooks: accepts a signed event, rejects forged and tampered ones', () => {
      const wh = setup.definition.webhook;
      expect(!!wh).toBe(a.capabilities.webhooks);
      if (!wh || !f.webhook) return;
      const { secret, body, sign } = f.webhook;
      expect(wh.verify(sign(body, secret), body, secret)).toBe(true);
      expect(wh.verify(sign(body, 'not-the-secret'), body, secret)).toBe(false);
      // An unsigned scheme (Maystro: a secret in the URL) cannot detect a tampered body.
      if (wh.signed) expect(wh.verify(sign(body, secret), Buffer.concat([body, Buffer.from(' ')]), secret)).toBe(false);
      expect(wh.verify({}, body, secret)).toBe(false);
      const events = wh.parse(body);
      expect(events[0]?.tracking).toBe(f.webhook.expectTracking);
      expect(events[0]?.eventId).toBeTruthy();
      if (f.webhook.challenge && wh.challenge) expect(wh.challenge(f.webhook.challenge.query)).toBe(f.webhook.challenge.answer);
    });
  });
}
