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
  type NormalizedStatus,
  type QuoteRequest,
  type QuoteResult,
  type ShipmentCreated,
  type ShipmentInput,
  type ShipmentState,
  type StopDesk,
  type TariffRow,
  type TrackingEvent,
} from './contract';
import { nameKey } from './courier-name-key';
import { CourierHttp, laravelMessage } from './http';
import { NOEST_NON_MOVEMENT, NOEST_STATUSES } from './noest-status';

/**
 * NOEST Express (reference/couriers.md §6): `Authorization: Bearer <api_token>` plus `user_guid` in
 * the body of every POST (omitting it gives 422), Laravel 422 bags and `{success:false,message}`.
 *
 * A created order is a DRAFT, invisible to NOEST's logistics until `valid/order`; after that it
 * can no longer be edited or deleted. So `capabilities.validateStep` is true and the booking
 * service validates right after create.
 *
 * NOEST has no way to look an order up by our reference (no list/search endpoint in any source),
 * so `findByReference` can only answer null. The draft step limits the damage: a retry after a
 * timed-out create makes a second draft, and only the one we validate is ever shipped.
 *
 * COD: `montant` is the amount collected at the door and NOEST has no free-shipping flag
 * ([NOEST-MAP], [CDZ-JS]): we send codAmount, which already includes the delivery fee.
 */
const NAME = 'NOEST Express';

const credentialsSchema = z.object({
  api_token: z.string().trim().min(1, 'api_token is required'),
  user_guid: z.string().trim().min(1, 'user_guid is required'),
});
const settingsSchema = baseSettingsSchema;
type Credentials = z.infer<typeof credentialsSchema>;
type Settings = z.infer<typeof settingsSchema>;

const CAPABILITIES: CourierCapabilities = {
  webhooks: false,
  validateStep: true,
  bulkCreate: false,
  maxBatch: 100,
  label: 'pdf',
  stopDesks: true,
  cancel: true,
  update: false,
  tariffGrid: true,
  lookupByReference: false,
  communeList: true,
};

interface Activity {
  event_key?: string;
  event?: string;
  date?: string;
  causer?: string;
}
interface TrackingInfo {
  OrderInfo?: { tracking?: string; reference?: string | null; validated?: number | boolean };
  activity?: Activity[];
}
interface Desk {
  code: string;
  name: string;
  commune?: string;
  address?: string;
}

/** "YYYY-MM-DD HH:MM:SS", Algiers time (UTC+1); ISO strings pass through. */
function isoFromNoest(d: string | undefined): string | undefined {
  if (!d) return undefined;
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(d)) return new Date(`${d.replace(' ', 'T')}+01:00`).toISOString();
  const t = Date.parse(d);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

export class NoestAdapter extends CourierAdapter<Credentials, Settings> {
  readonly id = 'noest';
  readonly displayName = NAME;
  readonly capabilities = CAPABILITIES;
  readonly statusMap = NOEST_STATUSES;
  private readonly http: CourierHttp;

  constructor(init: ConstructorParameters<typeof CourierAdapter<Credentials, Settings>>[0]) {
    super(init);
    this.http = new CourierHttp({
      provider: NAME,
      baseUrl: withTrailingSlash(init.baseUrl),
      headers: { Authorization: `Bearer ${init.credentials.api_token}`, 'Content-Type': 'application/json' },
      options: init.http,
      describeError: (_s, body) => laravelMessage(body),
    });
  }

  /** Every write carries user_guid; `{success:false}` answers come back as HTTP 200. */
  private async post<T>(path: string, data: Record<string, unknown>, accept?: number[]) {
    return this.http.request<T>({ method: 'POST', path, data: { user_guid: this.init.credentials.user_guid, ...data }, accept });
  }

  async testCredentials(): Promise<CredentialCheck> {
    const res = await this.http.request({ method: 'GET', path: 'get/wilayas', accept: [401, 403] });
    if (res.status === 401 || res.status === 403) return { ok: false, message: `${NAME} refused this API token: copy it again from the NOEST dashboard` };
    // The token alone opens the reference endpoints; a write-side call is what checks user_guid.
    const guid = await this.post<{ success?: boolean; message?: string }>('get/trackings/info', { trackings: [] }, [401, 403, 422]);
    if (guid.status !== 200 || (guid.data as { success?: boolean })?.success === false) {
      return { ok: false, message: `${NAME} accepted the token but refused the user GUID: copy the user_guid again from the NOEST dashboard` };
    }
    return { ok: true, message: `${NAME} accepted this API token and user GUID` };
  }

  async listWilayas(): Promise<CourierWilaya[]> {
    type Row = { code: number | string; nom: string; is_active?: number | boolean };
    const res = await this.http.request<Row[] | Record<string, Row>>({ method: 'GET', path: 'get/wilayas' });
    const rows: Row[] = Array.isArray(res.data) ? res.data : Object.values(res.data ?? {});
    return rows.map((w) => ({ code: Number(w.code), name: w.nom, deliverable: w.is_active === undefined ? true : !!Number(w.is_active) }));
  }

  private async desks(): Promise<Desk[]> {
    const res = await this.http.request<Record<string, Desk> | Desk[]>({ method: 'GET', path: 'desks' });
    return Array.isArray(res.data) ? res.data : Object.values(res.data ?? {});
  }

  async listCommunes(wilayaCode?: number): Promise<CourierCommune[]> {
    const codes = wilayaCode !== undefined ? [wilayaCode] : (await this.listWilayas()).map((w) => w.code);
    const deskCommunes = new Set((await this.desks()).map((d) => `${deskWilaya(d.code)}:${nameKey(d.commune ?? '')}`));
    const out: CourierCommune[] = [];
    for (const code of codes) {
      type Row = { nom: string; wilaya_id?: number; code_postal?: string; is_active?: number };
      const res = await this.http.request<Row[] | Record<string, Row>>({ method: 'GET', path: `get/communes/${code}` });
      const rows: Row[] = Array.isArray(res.data) ? res.data : Object.values(res.data ?? {});
      for (const c of rows) {
        out.push({
          name: c.nom,
          ...(c.code_postal ? { id: String(c.code_postal) } : {}),
          wilayaCode: Number(c.wilaya_id ?? code),
          hasStopDesk: deskCommunes.has(`${code}:${nameKey(c.nom)}`),
          deliverable: c.is_active === undefined ? true : !!Number(c.is_active),
        });
      }
    }
    return out;
  }

  async listStopDesks(wilayaCode?: number): Promise<StopDesk[]> {
    return (await this.desks())
      .map((d) => ({ id: d.code, name: d.name, wilayaCode: deskWilaya(d.code), communeName: d.commune, address: d.address }))
      .filter((d) => Number.isInteger(d.wilayaCode) && (wilayaCode === undefined || d.wilayaCode === wilayaCode));
  }

  private async fees() {
    const res = await this.http.request<{ tarifs?: { delivery?: Record<string, { tarif?: string | number; tarif_stopdesk?: string | number }>; return?: Record<string, { tarif?: string | number }> } }>({
      method: 'GET',
      path: 'fees',
    });
    return res.data.tarifs ?? {};
  }

  private static toQuote(d: { tarif?: string | number; tarif_stopdesk?: string | number } | undefined, r: { tarif?: string | number } | undefined): QuoteResult {
    const n = (v: unknown) => (v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? undefined : Math.round(Number(v)));
    const out: QuoteResult = {};
    const home = n(d?.tarif);
    const desk = n(d?.tarif_stopdesk);
    const ret = n(r?.tarif);
    if (home) out.home = home;
    if (desk) out.stopdesk = desk;
    if (ret !== undefined) out.returnFee = ret;
    return out;
  }

  /** Per-wilaya tariffs for the account (§6 `fees`); origin does not change them. */
  async quote(q: QuoteRequest): Promise<QuoteResult | null> {
    const t = await this.fees();
    const out = NoestAdapter.toQuote(t.delivery?.[String(q.toWilaya)], t.return?.[String(q.toWilaya)]);
    return out.home === undefined && out.stopdesk === undefined ? null : out;
  }

  override async listTariffs(_q: { fromWilaya?: number }): Promise<TariffRow[] | null> {
    const t = await this.fees();
    return Object.entries(t.delivery ?? {}).map(([w, d]) => ({ wilayaCode: Number(w), ...NoestAdapter.toQuote(d, t.return?.[w]) }));
  }

  async createShipment(input: ShipmentInput): Promise<ShipmentCreated> {
    if (input.deliveryType === 'stopdesk' && !input.stopDeskId) {
      throw new ProviderError(NAME, `${NAME} needs a stop desk (station) for stop-desk delivery: pick one from the list`, false, undefined, 'stopdesk_required');
    }
    const commune = input.destination.courierCommune?.name ?? input.destination.communeName;
    const body = {
      reference: input.orderRef,
      client: `${input.recipient.firstName} ${input.recipient.lastName}`.trim(),
      phone: input.recipient.phone,
      ...(input.recipient.phone2 ? { phone_2: input.recipient.phone2 } : {}),
      adresse: input.destination.address,
      wilaya_id: input.destination.wilayaCode,
      commune,
      montant: input.codAmount,
      ...(input.note ? { remarque: input.note.slice(0, 255) } : {}),
      produit: input.productDescription,
      type_id: 1, // livraison (2 = échange, 3 = pickup)
      // Unit disputed (doc mapping says grams, SDKs send kg, default 1, §6); we follow the SDKs.
      poids: Math.max(1, Math.ceil(input.weightKg ?? 1)),
      stop_desk: input.deliveryType === 'stopdesk' ? 1 : 0,
      ...(input.deliveryType === 'stopdesk' ? { station_code: input.stopDeskId } : {}),
    };
    let res;
    try {
      res = await this.post<{ success?: boolean; tracking?: string; message?: string }>('create/order', body);
    } catch (err) {
      throw this.explain(err, input, commune);
    }
    if (!res.data.success || !res.data.tracking) {
      throw new ProviderError(NAME, `${NAME} refused the order: ${res.data.message ?? 'no reason given'}`, false, res.status, 'refused');
    }
    return { orderRef: input.orderRef, tracking: res.data.tracking, needsValidation: true };
  }

  private explain(err: unknown, input: ShipmentInput, commune: string): unknown {
    if (!(err instanceof ProviderError) || err.providerStatus !== 422) return err;
    const { wilayaCode } = input.destination;
    if (/commune:/i.test(err.message)) {
      return new ProviderError(NAME, `${NAME} rejected the commune '${commune}' for wilaya ${wilayaCode}: pick one from the list`, false, 422, 'commune_rejected');
    }
    if (/wilaya_id:/i.test(err.message)) return new ProviderError(NAME, `${NAME} does not deliver to wilaya ${wilayaCode}: choose another courier for this order`, false, 422, 'wilaya_not_served');
    if (/station_code:/i.test(err.message)) return new ProviderError(NAME, `${NAME} does not know the stop desk '${input.stopDeskId}': pick one from the list`, false, 422, 'stopdesk_unknown');
    if (/phone:/i.test(err.message)) return new ProviderError(NAME, `${NAME} rejected the customer's phone number (9 or 10 digits expected): correct it on the order`, false, 422, 'phone_rejected');
    return err;
  }

  override async validate(tracking: string): Promise<void> {
    const res = await this.post<{ success?: boolean; message?: string }>('valid/order', { tracking });
    if (res.data.success === false) {
      throw new ProviderError(NAME, `${NAME} did not validate order ${tracking}: ${res.data.message ?? 'no reason given'}`, false, res.status, 'validate_refused');
    }
  }

  /** Not possible with NOEST's API (see the header comment): never claims a parcel it cannot see. */
  async findByReference(_orderRef: string): Promise<FoundShipment | null> {
    return null;
  }

  private async info(trackings: string[]): Promise<Record<string, TrackingInfo>> {
    const out: Record<string, TrackingInfo> = {};
    for (let i = 0; i < trackings.length; i += CAPABILITIES.maxBatch) {
      const res = await this.post<Record<string, TrackingInfo> | unknown[]>('get/trackings/info', { trackings: trackings.slice(i, i + CAPABILITIES.maxBatch) });
      if (res.data && !Array.isArray(res.data)) Object.assign(out, res.data);
    }
    return out;
  }

  /** Movement events only, oldest first: finance and edit events never decide where a parcel is. */
  private movements(tracking: string, info: TrackingInfo): TrackingEvent[] {
    return (info.activity ?? [])
      .filter((a) => a.event_key && !NOEST_NON_MOVEMENT.has(a.event_key))
      .map((a) => ({ ...normalizeWith(this.statusMap, a.event_key!), tracking, occurredAt: isoFromNoest(a.date), ...(a.event ? { reason: a.event } : {}) }))
      .sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''));
  }

  async getStates(trackings: string[]): Promise<ShipmentState[]> {
    const all = await this.info(trackings);
    const out: ShipmentState[] = [];
    for (const t of trackings) {
      const info = all[t];
      if (!info) continue;
      const known = this.movements(t, info).filter((e) => e.status !== 'unknown');
      const last = known.at(-1);
      const st: NormalizedStatus = last ? { status: last.status, raw: last.raw } : { status: 'created', raw: 'upload' };
      out.push({ ...st, tracking: t, orderRef: info.OrderInfo?.reference ?? undefined, updatedAt: last?.occurredAt });
    }
    return out;
  }

  async getHistory(tracking: string): Promise<TrackingEvent[]> {
    const info = (await this.info([tracking]))[tracking];
    if (!info) throw new ProviderError(NAME, `${NAME} has no order ${tracking}`, false, 404, 'not_found');
    return this.movements(tracking, info);
  }

  async cancel(tracking: string): Promise<void> {
    const res = await this.post<{ success?: boolean; message?: string }>('delete/order', { tracking });
    if (res.data.success === false) {
      throw new ProviderError(NAME, `${NAME} refused to cancel order ${tracking}: it is already validated (${res.data.message ?? 'no reason given'}); ask NOEST to cancel it`, false, res.status, 'cancel_refused');
    }
  }

  /** 302 to a pre-signed S3 PDF that lives ~300 s: fetched now, bytes handed on. */
  async getLabel(tracking: string): Promise<LabelRef> {
    const res = await this.http.request<ArrayBuffer>({ method: 'GET', path: 'get/order/label', params: { tracking }, responseType: 'arraybuffer' });
    return { kind: 'pdf', bytes: Buffer.from(res.data) };
  }
}

/** Desk codes are the wilaya number plus a letter ("16A"). */
function deskWilaya(code: string): number {
  return Number(/^\d+/.exec(code)?.[0]);
}

export const noest = defineCourier({
  id: 'noest',
  displayName: NAME,
  capabilities: CAPABILITIES,
  credentialsSchema,
  settingsSchema,
  baseUrl: (_settings, configured) => withTrailingSlash(configured ?? 'https://app.noest-dz.com/api/public/'),
  create: (init) => new NoestAdapter(init),
});
