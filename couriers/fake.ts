import { z } from 'zod';
import { ProviderError } from '../src/errors';
import {
  baseSettingsSchema,
  CourierAdapter,
  defineCourier,
  foldText,
  type CanonicalStatus,
  type CourierCapabilities,
  type CourierCommune,
  type CourierWilaya,
  type FoundShipment,
  type QuoteRequest,
  type ShipmentCreated,
  type ShipmentInput,
  type ShipmentState,
  type StopDesk,
  type TrackingEvent,
} from './contract';

/**
 * An in-memory courier for tests of the shipping services and the merchant API: no HTTP, state per
 * account token shared by every instance (instances are short-lived, like real ones). Registered
 * only by `createRegistry({ includeFake: true })` (test configuration), never shown to merchants.
 * Behaviour on demand: token 'bad' is refused; commune 'Nowhere' is rejected; a note 'FAIL_RETRY'
 * raises a retryable error.
 */
const credentialsSchema = z.object({ token: z.string().min(1, 'token is required') });
const settingsSchema = baseSettingsSchema;

interface FakeParcel {
  tracking: string;
  input: ShipmentInput;
  history: Array<{ raw: string; at: string }>;
}

/** Per-token accounts, exposed so tests can move parcels along and count creations. */
export const fakeCourierAccounts = new Map<string, { parcels: Map<string, FakeParcel>; creates: number }>();

const STATUSES: Record<string, CanonicalStatus> = {
  booked: 'created',
  ready: 'pending_pickup',
  picked: 'picked_up',
  transit: 'in_transit',
  hub: 'at_hub',
  out: 'out_for_delivery',
  desk: 'ready_for_pickup',
  attempt: 'delivery_attempted',
  hold: 'on_hold',
  delivered: 'delivered',
  returning: 'returning',
  returned: 'returned',
  cancelled: 'cancelled',
  lost: 'lost',
};

const CAPABILITIES: CourierCapabilities = {
  webhooks: false,
  validateStep: false,
  bulkCreate: false,
  maxBatch: 50,
  label: 'url',
  stopDesks: true,
  cancel: true,
  update: false,
  tariffGrid: false,
  lookupByReference: true,
  communeList: true,
};

const WILAYAS: CourierWilaya[] = [
  { code: 16, name: 'Alger', deliverable: true },
  { code: 31, name: 'Oran', deliverable: true },
];
const COMMUNES: CourierCommune[] = [
  { wilayaCode: 16, name: 'Alger Centre', id: '1601', hasStopDesk: true, deliverable: true },
  { wilayaCode: 16, name: 'Bab El Oued', id: '1605', hasStopDesk: false, deliverable: true },
  { wilayaCode: 31, name: 'Oran', id: '3101', hasStopDesk: true, deliverable: true },
];

export class FakeCourier extends CourierAdapter<z.infer<typeof credentialsSchema>, z.infer<typeof settingsSchema>> {
  readonly id = 'fake';
  readonly displayName = 'Fake Courier';
  readonly capabilities = CAPABILITIES;
  readonly statusMap = STATUSES;

  private get account() {
    const token = this.init.credentials.token;
    if (token === 'bad') throw new ProviderError(this.displayName, 'Fake Courier refused the credentials (HTTP 401). Check them in the courier settings', false, 401, 'auth');
    let acc = fakeCourierAccounts.get(token);
    if (!acc) fakeCourierAccounts.set(token, (acc = { parcels: new Map(), creates: 0 }));
    return acc;
  }

  async testCredentials() {
    try {
      void this.account;
      return { ok: true, message: 'Fake Courier accepted these credentials' };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }
  async listWilayas() {
    return WILAYAS;
  }
  async listCommunes(wilayaCode?: number) {
    return COMMUNES.filter((c) => wilayaCode === undefined || c.wilayaCode === wilayaCode);
  }
  async listStopDesks(wilayaCode?: number): Promise<StopDesk[]> {
    return COMMUNES.filter((c) => c.hasStopDesk && (wilayaCode === undefined || c.wilayaCode === wilayaCode)).map((c) => ({
      id: `D${c.id}`,
      name: `Desk ${c.name}`,
      wilayaCode: c.wilayaCode,
      communeName: c.name,
    }));
  }
  async quote(q: QuoteRequest) {
    if (!WILAYAS.some((w) => w.code === q.toWilaya)) return null;
    return { home: q.toWilaya === 16 ? 400 : 700, stopdesk: q.toWilaya === 16 ? 300 : 500, returnFee: 200, delayDays: q.toWilaya === 16 ? 1 : 3 };
  }
  async createShipment(input: ShipmentInput): Promise<ShipmentCreated> {
    const acc = this.account;
    if (input.note === 'FAIL_RETRY') throw new ProviderError(this.displayName, 'Fake Courier had a server error (HTTP 503); we will try again', true, 503);
    const name = input.destination.courierCommune?.name ?? input.destination.communeName;
    if (!COMMUNES.some((c) => c.wilayaCode === input.destination.wilayaCode && foldText(c.name) === foldText(name))) {
      throw new ProviderError(this.displayName, `Fake Courier rejected the commune '${name}' for wilaya ${input.destination.wilayaCode}: pick one from the list`, false, 422, 'commune');
    }
    if (acc.parcels.has(input.orderRef)) throw new ProviderError(this.displayName, `Fake Courier already has a parcel for order ${input.orderRef}`, false, 409);
    acc.creates += 1;
    const tracking = `FAKE-${acc.creates}-${input.orderRef.slice(0, 8)}`;
    acc.parcels.set(input.orderRef, { tracking, input, history: [{ raw: 'booked', at: new Date().toISOString() }] });
    return { orderRef: input.orderRef, tracking, needsValidation: false, label: { kind: 'url', url: `https://fake.invalid/label/${tracking}` } };
  }
  private byTracking(tracking: string) {
    for (const p of this.account.parcels.values()) if (p.tracking === tracking) return p;
    return undefined;
  }
  private state(p: FakeParcel): ShipmentState {
    const last = p.history[p.history.length - 1]!;
    return { tracking: p.tracking, orderRef: p.input.orderRef, ...this.normalizeStatus(last.raw), updatedAt: last.at };
  }
  async findByReference(orderRef: string): Promise<FoundShipment | null> {
    const p = this.account.parcels.get(orderRef);
    return p ? { orderRef, tracking: p.tracking, state: this.state(p) } : null;
  }
  async getStates(trackings: string[]) {
    return trackings.map((t) => this.byTracking(t)).filter((p): p is FakeParcel => !!p).map((p) => this.state(p));
  }
  async getHistory(tracking: string): Promise<TrackingEvent[]> {
    const p = this.byTracking(tracking);
    if (!p) throw new ProviderError(this.displayName, `Fake Courier has no parcel ${tracking}`, false, 404);
    return p.history.map((h) => ({ tracking, ...this.normalizeStatus(h.raw), occurredAt: h.at }));
  }
  async cancel(tracking: string) {
    const p = this.byTracking(tracking);
    if (!p) throw new ProviderError(this.displayName, `Fake Courier has no parcel ${tracking}`, false, 404);
    if (p.history[p.history.length - 1]!.raw !== 'booked') {
      throw new ProviderError(this.displayName, 'Fake Courier cannot cancel a parcel that has left preparation: call the courier', false, 409);
    }
    p.history.push({ raw: 'cancelled', at: new Date().toISOString() });
  }
  async getLabel(tracking: string) {
    return { kind: 'url' as const, url: `https://fake.invalid/label/${tracking}` };
  }
}

/** Moves a fake parcel to a new raw status (tests of tracking sync). */
export function advanceFakeParcel(token: string, orderRef: string, raw: keyof typeof STATUSES): void {
  const p = fakeCourierAccounts.get(token)?.parcels.get(orderRef);
  if (!p) throw new Error(`no fake parcel for ${orderRef}`);
  p.history.push({ raw, at: new Date().toISOString() });
}

export const fakeCourier = defineCourier({
  id: 'fake',
  displayName: 'Fake Courier',
  capabilities: CAPABILITIES,
  credentialsSchema,
  settingsSchema,
  baseUrl: (_s, configured) => configured ?? 'http://fake.invalid/',
  create: (init) => new FakeCourier(init),
});
