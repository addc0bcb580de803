import { z } from 'zod';
import { ProviderError } from '../src/errors';
import {
  baseSettingsSchema,
  CourierAdapter,
  defineCourier,
  normalizeWith,
  withTrailingSlash,
  type CourierCapabilities,
  type CourierCommune,
  type CourierWilaya,
  type CredentialCheck,
  type FoundShipment,
  type LabelRef,
  type QuoteRequest,
  type QuoteResult,
  type ShipmentCreated,
  type ShipmentInput,
  type ShipmentState,
  type StopDesk,
  type TariffRow,
  type TrackingEvent,
} from './contract';
import { CourierHttp, laravelMessage } from './http';
import { PROCOLIS_STATUSES } from './procolis-status';

/**
 * Procolis (legacy ZR Express, ABEX, Colilog, Flash Delivery, Leopard Express; reference/couriers.md
 * §4): `token` + `key` headers, JSON POSTs of `Colis` arrays, results in French per parcel.
 *
 * Procolis lets the merchant choose the tracking, so ours is the order reference: that makes
 * re-booking idempotent (a duplicate answers "Double Tracking") and `findByReference` a plain read.
 * Parcels are sent confirmed (`Confrimee: 1`, "prêt à expédier"): Procolis has no update or cancel,
 * so a draft step would buy nothing. No label, no cancel, no reference lists, no stop-desk ids.
 *
 * COD: `Total` is the amount collected from the customer [CDZ-PHP Procolis]; we send codAmount,
 * which already includes the delivery fee.
 */
const NAME = 'Procolis';

const credentialsSchema = z.object({
  token: z.string().trim().min(1, 'token is required'),
  key: z.string().trim().min(1, 'key is required'),
});
const settingsSchema = baseSettingsSchema;
type Credentials = z.infer<typeof credentialsSchema>;
type Settings = z.infer<typeof settingsSchema>;

const CAPABILITIES: CourierCapabilities = {
  webhooks: false,
  validateStep: false,
  bulkCreate: true,
  maxBatch: 50,
  label: 'none',
  stopDesks: true,
  cancel: false,
  update: false,
  tariffGrid: true,
  lookupByReference: true,
  communeList: false,
};

interface ColisOut {
  Tracking?: string;
  Situation?: string;
  DateH_Action?: string;
  id_Externe?: string;
  MessageRetour?: string;
  [k: string]: unknown;
}

/** "YYYY-MM-DD HH:MM:SS", Algiers time (UTC+1). */
function isoFromProcolis(d: unknown): string | undefined {
  if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(d)) return undefined;
  return new Date(`${d.replace(' ', 'T')}+01:00`).toISOString();
}

/** The tariff export's column names are not documented: take the first column that looks right. */
function pick(row: Record<string, unknown>, re: RegExp): number | undefined {
  for (const [k, v] of Object.entries(row)) {
    if (!re.test(k)) continue;
    const n = Number(String(v).replace(/[^\d.]/g, ''));
    if (String(v).trim() !== '' && Number.isFinite(n)) return Math.round(n);
  }
  return undefined;
}

export class ProcolisAdapter extends CourierAdapter<Credentials, Settings> {
  readonly id = 'procolis';
  readonly displayName = NAME;
  readonly capabilities = CAPABILITIES;
  readonly statusMap = PROCOLIS_STATUSES;
  private readonly http: CourierHttp;

  constructor(init: ConstructorParameters<typeof CourierAdapter<Credentials, Settings>>[0]) {
    super(init);
    this.http = new CourierHttp({
      provider: NAME,
      baseUrl: withTrailingSlash(init.baseUrl),
      headers: { token: init.credentials.token, key: init.credentials.key, 'Content-Type': 'application/json' },
      options: init.http,
      describeError: (_s, body) => (body && typeof body === 'object' && 'Statut' in body ? String((body as { Statut: unknown }).Statut) : laravelMessage(body)),
    });
  }

  async testCredentials(): Promise<CredentialCheck> {
    const res = await this.http.request<{ Statut?: string }>({ method: 'GET', path: 'token', accept: [401, 403] });
    if (res.status === 200 && /activ/i.test(res.data?.Statut ?? '')) return { ok: true, message: `${NAME} accepted this token and key` };
    return {
      ok: false,
      message: `${NAME} refused this token and key${res.data?.Statut ? ` ("${res.data.Statut}")` : ''}: copy them again from the portal (Paramètres → Info personnelles), token and key are easy to swap`,
    };
  }

  private async tariffs(): Promise<Record<string, unknown>[]> {
    const res = await this.http.request<unknown>({ method: 'POST', path: 'tarification', data: {} });
    return Array.isArray(res.data) ? (res.data as Record<string, unknown>[]) : [];
  }

  /** Procolis has no geography endpoint; the tariff export is the only list of served wilayas. */
  async listWilayas(): Promise<CourierWilaya[]> {
    return (await this.tariffs())
      .map((r) => ({ code: Number(r.IDWilaya), name: typeof r.Wilaya === 'string' ? r.Wilaya : String(r.IDWilaya), deliverable: true }))
      .filter((w) => Number.isInteger(w.code) && w.code >= 1 && w.code <= 58);
  }

  /** No commune list exists: bookings send our official commune name. */
  async listCommunes(_wilayaCode?: number): Promise<CourierCommune[]> {
    return [];
  }

  /**
   * Stop-desk delivery (TypeLivraison 1) goes to the courier's office in the wilaya; the API has no
   * desk ids, so each wilaya with a stop-desk tariff is one desk whose id is the wilaya code.
   */
  async listStopDesks(wilayaCode?: number): Promise<StopDesk[]> {
    return (await this.tariffs())
      .filter((r) => this.rowToQuote(r).stopdesk !== undefined)
      .map((r) => ({ id: String(Number(r.IDWilaya)), name: `Bureau ${typeof r.Wilaya === 'string' ? r.Wilaya : `wilaya ${Number(r.IDWilaya)}`}`, wilayaCode: Number(r.IDWilaya) }))
      .filter((d) => Number.isInteger(d.wilayaCode) && (wilayaCode === undefined || d.wilayaCode === wilayaCode));
  }

  private rowToQuote(r: Record<string, unknown>): QuoteResult {
    const out: QuoteResult = {};
    const home = pick(r, /domicile|home/i);
    const desk = pick(r, /stop ?desk|bureau/i);
    const ret = pick(r, /annul|retour/i);
    if (home !== undefined) out.home = home;
    if (desk !== undefined) out.stopdesk = desk;
    if (ret !== undefined) out.returnFee = ret;
    return out;
  }

  async quote(q: QuoteRequest): Promise<QuoteResult | null> {
    const row = (await this.tariffs()).find((r) => Number(r.IDWilaya) === q.toWilaya);
    if (!row) return null;
    const out = this.rowToQuote(row);
    return out.home === undefined && out.stopdesk === undefined ? null : out;
  }

  override async listTariffs(_q: { fromWilaya?: number }): Promise<TariffRow[] | null> {
    return (await this.tariffs()).filter((r) => Number.isInteger(Number(r.IDWilaya))).map((r) => ({ wilayaCode: Number(r.IDWilaya), ...this.rowToQuote(r) }));
  }

  private toColis(input: ShipmentInput) {
    return {
      Tracking: input.orderRef,
      TypeLivraison: input.deliveryType === 'stopdesk' ? '1' : '0',
      TypeColis: '0',
      Confrimee: '1',
      Client: `${input.recipient.firstName} ${input.recipient.lastName}`.trim(),
      MobileA: input.recipient.phone,
      MobileB: input.recipient.phone2 ?? '',
      Adresse: input.destination.address,
      IDWilaya: String(input.destination.wilayaCode).padStart(2, '0'),
      Commune: input.destination.courierCommune?.name ?? input.destination.communeName,
      Total: String(input.codAmount),
      Note: input.note ?? '',
      TProduit: input.productDescription,
      id_Externe: input.orderRef,
      Source: 'Wakil',
    };
  }

  /** One `MessageRetour` → our outcome. "Good" is success; a duplicate means the parcel already exists. */
  private outcome(input: ShipmentInput, r: ColisOut | undefined): ShipmentCreated | ProviderError | 'duplicate' {
    const msg = (r?.MessageRetour ?? '').trim();
    if (/^good$/i.test(msg)) return { orderRef: input.orderRef, tracking: input.orderRef, needsValidation: false };
    if (/double/i.test(msg)) return 'duplicate';
    const { wilayaCode } = input.destination;
    const commune = input.destination.courierCommune?.name ?? input.destination.communeName;
    if (/commune/i.test(msg)) {
      return new ProviderError(NAME, `${NAME} rejected the commune '${commune}' for wilaya ${wilayaCode}: pick one from the list`, false, undefined, 'commune_rejected');
    }
    if (/wilaya/i.test(msg)) return new ProviderError(NAME, `${NAME} does not deliver to wilaya ${wilayaCode}: choose another courier for this order`, false, undefined, 'wilaya_not_served');
    if (/t[ée]l[ée]phone|mobile/i.test(msg)) return new ProviderError(NAME, `${NAME} rejected the customer's phone number: correct it on the order`, false, undefined, 'phone_rejected');
    return new ProviderError(NAME, `${NAME} refused the parcel: ${msg || 'no reason given'}`, false, undefined, 'refused');
  }

  private async addColis(inputs: ShipmentInput[]): Promise<ColisOut[]> {
    const res = await this.http.request<{ Colis?: ColisOut[] }>({ method: 'POST', path: 'add_colis', data: { Colis: inputs.map((i) => this.toColis(i)) } });
    return res.data?.Colis ?? [];
  }

  private async settle(input: ShipmentInput, r: ColisOut | undefined): Promise<ShipmentCreated> {
    const o = this.outcome(input, r);
    if (o instanceof ProviderError) throw o;
    if (o !== 'duplicate') return o;
    const found = await this.findByReference(input.orderRef);
    if (!found) throw new ProviderError(NAME, `${NAME} says tracking ${input.orderRef} is already used but cannot find it; we will try again`, true, undefined, 'duplicate_unreadable');
    return { orderRef: input.orderRef, tracking: found.tracking, needsValidation: false };
  }

  async createShipment(input: ShipmentInput): Promise<ShipmentCreated> {
    const [r] = await this.addColis([input]);
    return this.settle(input, r);
  }

  override async createShipments(inputs: ShipmentInput[]) {
    const results = await this.addColis(inputs);
    const out = [];
    for (const input of inputs) {
      const r = results.find((x) => x.Tracking === input.orderRef);
      try {
        out.push({ orderRef: input.orderRef, ok: true as const, shipment: await this.settle(input, r) });
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        out.push({ orderRef: input.orderRef, ok: false as const, error: err });
      }
    }
    return out;
  }

  private async read(trackings: string[]): Promise<ColisOut[]> {
    if (!trackings.length) return [];
    const res = await this.http.request<{ Colis?: ColisOut[] } | null>({ method: 'POST', path: 'lire', data: { Colis: trackings.map((Tracking) => ({ Tracking })) } });
    // Unknown parcels: the body is `null` ([CDZ-PHP], [DZC procolis.go]).
    return (res.data?.Colis ?? []).filter((c) => typeof c?.Tracking === 'string' && trackings.includes(c.Tracking));
  }

  private stateOf(c: ColisOut): ShipmentState {
    return { ...normalizeWith(this.statusMap, c.Situation ?? 'unknown'), tracking: c.Tracking!, orderRef: c.Tracking, updatedAt: isoFromProcolis(c.DateH_Action) };
  }

  async findByReference(orderRef: string): Promise<FoundShipment | null> {
    const [c] = await this.read([orderRef]);
    return c ? { orderRef, tracking: c.Tracking!, state: this.stateOf(c), needsValidation: false } : null;
  }

  async getStates(trackings: string[]): Promise<ShipmentState[]> {
    return (await this.read(trackings)).map((c) => this.stateOf(c));
  }

  /** Procolis only knows the current situation: the "history" is that one event. */
  async getHistory(tracking: string): Promise<TrackingEvent[]> {
    const [c] = await this.read([tracking]);
    if (!c) throw new ProviderError(NAME, `${NAME} has no parcel ${tracking}`, false, 404, 'not_found');
    const s = this.stateOf(c);
    return [{ status: s.status, raw: s.raw, tracking, occurredAt: s.updatedAt }];
  }

  async cancel(tracking: string): Promise<void> {
    throw new ProviderError(NAME, `${NAME} has no way to cancel a parcel through its API: cancel parcel ${tracking} from the courier's portal or by phone`, false, undefined, 'cancel_unsupported');
  }

  async getLabel(tracking: string): Promise<LabelRef> {
    throw new ProviderError(NAME, `${NAME} does not provide labels through its API: print the bordereau for ${tracking} from the courier's portal`, false, undefined, 'label_unsupported');
  }
}

export const procolis = defineCourier({
  id: 'procolis',
  displayName: NAME,
  capabilities: CAPABILITIES,
  credentialsSchema,
  settingsSchema,
  baseUrl: (_settings, configured) => withTrailingSlash(configured ?? 'https://procolis.com/api_v1/'),
  create: (init) => new ProcolisAdapter(init),
});
