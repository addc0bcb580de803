import crypto from 'node:crypto';
import { z } from 'zod';
import { invalidInput, ProviderError } from '../src/errors';
import {
  baseSettingsSchema,
  CourierAdapter,
  defineCourier,
  foldText,
  normalizeWith,
  withTrailingSlash,
  type BulkCreateResult,
  type CourierCapabilities,
  type CourierCommune,
  type CourierWebhook,
  type CourierWebhookEvent,
  type CourierWilaya,
  type FoundShipment,
  type QuoteRequest,
  type QuoteResult,
  type ShipmentCreated,
  type ShipmentInput,
  type ShipmentState,
  type ShipmentUpdate,
  type StopDesk,
  type TariffRow,
  type TrackingEvent,
} from './contract';
import { CourierHttp, laravelMessage } from './http';
import { YALIDINE_STATUSES } from './yalidine-status';

/** Brands on the Yalidine engine: same API, different host (reference/couriers.md §2.1). */
export const YALIDINE_HOSTS = {
  yalidine: { name: 'Yalidine', url: 'https://api.yalidine.app/v1/' },
  guepex: { name: 'Guepex', url: 'https://api.guepex.app/v1/' },
  yalitec: { name: 'Yalitec', url: 'https://api.yalitec.me/v1/' },
  economiqua: { name: 'Economiqua', url: 'https://api.economiqua.app/v1/' },
  easyandspeed: { name: 'Easy & Speed', url: 'https://api.easyandspeed.app/v1/' },
  wecan: { name: 'WeCan Services', url: 'https://api.wecanservices.me/v1/' },
} as const;
type YalidineHost = keyof typeof YALIDINE_HOSTS;

const credentialsSchema = z.object({
  api_id: z.string().trim().min(1, 'api_id is required'),
  api_token: z.string().trim().min(1, 'api_token is required'),
});
const settingsSchema = baseSettingsSchema.extend({
  host: z.enum(Object.keys(YALIDINE_HOSTS) as [YalidineHost, ...YalidineHost[]]).default('yalidine'),
});
type Credentials = z.infer<typeof credentialsSchema>;
type Settings = z.infer<typeof settingsSchema>;

const CAPABILITIES: CourierCapabilities = {
  webhooks: true,
  validateStep: false,
  bulkCreate: true,
  maxBatch: 50, // integrators batch ~50 per call to save quota [YAL-INT]
  label: 'html_url',
  stopDesks: true,
  cancel: true,
  update: true,
  tariffGrid: true,
  lookupByReference: true,
  communeList: true,
};

interface Page<T> {
  has_more?: boolean;
  data?: T[];
}
interface YParcel {
  tracking: string;
  order_id?: string;
  last_status?: string;
  date_last_status?: string;
  label?: string | null;
}
interface YCreateItem {
  success: boolean;
  order_id?: string;
  tracking?: string | null;
  label?: string | null;
  message?: string;
}

/** Yalidine dates are "YYYY-MM-DD HH:MM:SS", Algiers time (UTC+1, no DST). */
function isoFromYalidine(d: string | undefined | null): string | undefined {
  if (!d || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(d)) return undefined;
  return new Date(`${d.replace(' ', 'T')}+01:00`).toISOString();
}

/** Waits from the x-*-quota-left headers (reference/couriers.md §2.2): 0 left = hold that window. */
function quotaWaitMs(h: Record<string, string>): number {
  const windows: Array<[string, number]> = [
    ['x-day-quota-left', 3_600_000],
    ['x-hour-quota-left', 3_600_000],
    ['x-minute-quota-left', 60_000],
    ['x-second-quota-left', 1_000],
  ];
  for (const [name, ms] of windows) if (h[name] !== undefined && Number(h[name]) <= 0) return ms;
  return 0;
}

const wilayaCache = new Map<string, { at: number; list: CourierWilaya[] }>();

export class YalidineAdapter extends CourierAdapter<Credentials, Settings> {
  readonly id: string = 'yalidine';
  readonly displayName: string;
  readonly capabilities = CAPABILITIES;
  readonly statusMap = YALIDINE_STATUSES;
  private readonly http: CourierHttp;

  constructor(init: ConstructorParameters<typeof CourierAdapter<Credentials, Settings>>[0]) {
    super(init);
    this.displayName = YALIDINE_HOSTS[init.settings.host ?? 'yalidine']?.name ?? 'Yalidine';
    this.http = new CourierHttp({
      provider: this.displayName,
      baseUrl: withTrailingSlash(init.baseUrl),
      headers: { 'X-API-ID': init.credentials.api_id, 'X-API-TOKEN': init.credentials.api_token, 'Content-Type': 'application/json' },
      options: init.http,
      describeError: (_s, body) => laravelMessage(body),
      quotaWaitMs,
    });
  }

  private async list<T>(path: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page < 100; page++) {
      const res = await this.http.request<Page<T>>({ method: 'GET', path, params: { ...params, page, page_size: 1000 } });
      out.push(...(res.data.data ?? []));
      if (!res.data.has_more) break;
    }
    return out;
  }

  async testCredentials() {
    try {
      await this.http.request({ method: 'GET', path: 'wilayas/', params: { page_size: 1 } });
      return { ok: true, message: `${this.displayName} accepted these credentials` };
    } catch (err) {
      if (err instanceof ProviderError && !err.retryable) return { ok: false, message: err.message };
      throw err;
    }
  }

  async listWilayas(): Promise<CourierWilaya[]> {
    const rows = await this.list<{ id: number; name: string; is_deliverable?: number | boolean }>('wilayas/');
    return rows.map((w) => ({ code: Number(w.id), name: w.name, deliverable: w.is_deliverable === undefined ? true : !!Number(w.is_deliverable) }));
  }

  /** Wilaya names as Yalidine spells them, cached per host for a day (create needs names, not codes). */
  private async wilayaName(code: number): Promise<string> {
    const key = this.init.baseUrl;
    let hit = wilayaCache.get(key);
    if (!hit || Date.now() - hit.at > 86_400_000) {
      hit = { at: Date.now(), list: await this.listWilayas() };
      wilayaCache.set(key, hit);
    }
    const w = hit.list.find((x) => x.code === code);
    if (!w) throw new ProviderError(this.displayName, `${this.displayName} does not list wilaya ${code}`, false, undefined, 'wilaya');
    return w.name;
  }

  async listCommunes(wilayaCode?: number): Promise<CourierCommune[]> {
    const rows = await this.list<{ id: number; name: string; wilaya_id: number; has_stop_desk?: number | boolean; is_deliverable?: number | boolean; delivery_time_parcel?: number }>(
      'communes/',
      wilayaCode ? { wilaya_id: wilayaCode } : {},
    );
    return rows.map((c) => ({
      wilayaCode: Number(c.wilaya_id),
      name: c.name,
      id: String(c.id),
      hasStopDesk: !!Number(c.has_stop_desk ?? 0),
      deliverable: c.is_deliverable === undefined ? true : !!Number(c.is_deliverable),
      deliveryDays: c.delivery_time_parcel ?? undefined,
    }));
  }

  async listStopDesks(wilayaCode?: number): Promise<StopDesk[]> {
    const rows = await this.list<{ center_id: number; name: string; address?: string; gps?: string; commune_name?: string; wilaya_id: number }>(
      'centers/',
      wilayaCode ? { wilaya_id: wilayaCode } : {},
    );
    return rows.map((c) => {
      const [lat, lng] = (c.gps ?? '').split(',').map(Number);
      return {
        id: String(c.center_id),
        name: c.name,
        wilayaCode: Number(c.wilaya_id),
        communeName: c.commune_name,
        address: c.address,
        gps: Number.isFinite(lat) && Number.isFinite(lng) && c.gps ? { lat: lat!, lng: lng! } : undefined,
      };
    });
  }

  private origin(from?: number): number {
    const o = from ?? this.init.settings.origin_wilaya;
    if (!o) throw invalidInput(`Set origin_wilaya (the wilaya you ship from) in the ${this.displayName} settings`);
    return o;
  }

  private async fees(from: number, to: number) {
    const res = await this.http.request<{
      retour_fee?: number;
      cod_percentage?: number;
      per_commune?: Record<string, { commune_id: number; commune_name: string; express_home: number | null; express_desk: number | null }>;
    }>({ method: 'GET', path: 'fees/', params: { from_wilaya_id: from, to_wilaya_id: to }, accept: [404] });
    return res.status === 404 ? null : res.data;
  }

  async quote(q: QuoteRequest): Promise<QuoteResult | null> {
    const f = await this.fees(this.origin(q.fromWilaya), q.toWilaya);
    const communes = Object.values(f?.per_commune ?? {});
    if (!f || communes.length === 0) return null;
    const wanted = q.toCommune;
    const c = wanted
      ? communes.find((x) => (wanted.id && String(x.commune_id) === wanted.id) || foldText(x.commune_name) === foldText(wanted.name))
      : // No commune: the wilaya's cheapest home fee is the honest "from" price.
        [...communes].sort((a, b) => (a.express_home ?? Infinity) - (b.express_home ?? Infinity))[0];
    if (!c) return null;
    return {
      home: c.express_home ?? undefined,
      stopdesk: c.express_desk ?? undefined,
      returnFee: f.retour_fee ?? undefined,
      codPercent: f.cod_percentage ?? undefined,
    };
  }

  /** One fees call per destination wilaya (58), paced by the quota headers. */
  override async listTariffs(q: { fromWilaya?: number }): Promise<TariffRow[]> {
    const from = this.origin(q.fromWilaya);
    const rows: TariffRow[] = [];
    for (const w of await this.listWilayas()) {
      if (!w.deliverable) continue;
      const f = await this.fees(from, w.code);
      for (const c of Object.values(f?.per_commune ?? {})) {
        rows.push({
          wilayaCode: w.code,
          commune: { name: c.commune_name, id: String(c.commune_id) },
          home: c.express_home ?? undefined,
          stopdesk: c.express_desk ?? undefined,
          returnFee: f?.retour_fee ?? undefined,
        });
      }
    }
    return rows;
  }

  private async parcelBody(s: ShipmentInput) {
    const dest = s.destination;
    if (s.deliveryType === 'stopdesk' && !s.stopDeskId) throw invalidInput(`${this.displayName} needs a stop desk (center) for stop-desk delivery`);
    return {
      order_id: s.orderRef,
      from_wilaya_name: await this.wilayaName(this.origin(s.originWilayaCode)),
      firstname: s.recipient.firstName,
      familyname: s.recipient.lastName,
      contact_phone: [s.recipient.phone, s.recipient.phone2].filter(Boolean).join(','),
      address: dest.address,
      to_commune_name: dest.courierCommune?.name ?? dest.communeName,
      to_wilaya_name: dest.courierCommune?.wilayaKey ?? (await this.wilayaName(dest.wilayaCode)),
      product_list: s.productDescription,
      price: s.codAmount,
      do_insurance: false,
      declared_value: s.declaredValue ?? s.codAmount,
      length: 1,
      width: 1,
      height: 1,
      weight: Math.max(0, Math.ceil(s.weightKg ?? 1)),
      freeshipping: !!s.freeShipping,
      is_stopdesk: s.deliveryType === 'stopdesk',
      stopdesk_id: s.deliveryType === 'stopdesk' ? s.stopDeskId : undefined,
      has_exchange: false,
    };
  }

  /** Turns Yalidine's per-parcel refusal into words the merchant can act on. */
  private refusal(s: ShipmentInput, message: string | undefined): ProviderError {
    const m = message ?? '';
    if (/commune/i.test(m)) {
      const name = s.destination.courierCommune?.name ?? s.destination.communeName;
      return new ProviderError(this.displayName, `${this.displayName} rejected the commune '${name}' for wilaya ${s.destination.wilayaCode}: pick one from the list (${m})`, false, 422, 'commune');
    }
    if (/wilaya/i.test(m)) {
      return new ProviderError(this.displayName, `${this.displayName} rejected wilaya ${s.destination.wilayaCode}: ${m}`, false, 422, 'wilaya');
    }
    if (/already|exist|unique|duplicate/i.test(m)) {
      return new ProviderError(this.displayName, `${this.displayName} already has a parcel for order ${s.orderRef}: ${m}`, false, 409, 'duplicate');
    }
    return new ProviderError(this.displayName, `${this.displayName} refused the parcel for order ${s.orderRef}: ${m || 'no reason given'}`, false, 422);
  }

  private created(s: ShipmentInput, r: YCreateItem | undefined): BulkCreateResult {
    if (r?.success && r.tracking) {
      const shipment: ShipmentCreated = { orderRef: s.orderRef, tracking: r.tracking, needsValidation: false, label: r.label ? { kind: 'html_url', url: r.label } : undefined };
      return { orderRef: s.orderRef, ok: true, shipment };
    }
    return { orderRef: s.orderRef, ok: false, error: this.refusal(s, r?.message ?? 'no result for this parcel') };
  }

  async createShipment(input: ShipmentInput): Promise<ShipmentCreated> {
    const [r] = await this.createShipments([input]);
    if (!r) throw new ProviderError(this.displayName, `${this.displayName} returned no result`, true);
    if (!r.ok) throw r.error;
    return r.shipment;
  }

  /** One POST per batch; Yalidine answers per order_id, and valid parcels are created even when others fail. */
  override async createShipments(inputs: ShipmentInput[]): Promise<BulkCreateResult[]> {
    const out: BulkCreateResult[] = [];
    for (let i = 0; i < inputs.length; i += CAPABILITIES.maxBatch) {
      const batch = inputs.slice(i, i + CAPABILITIES.maxBatch);
      const bodies = await Promise.all(batch.map((s) => this.parcelBody(s)));
      const res = await this.http.request<Record<string, YCreateItem>>({ method: 'POST', path: 'parcels/', data: bodies });
      for (const s of batch) out.push(this.created(s, res.data?.[s.orderRef]));
    }
    return out;
  }

  private state(p: YParcel): ShipmentState {
    return { tracking: p.tracking, orderRef: p.order_id, ...this.normalizeStatus(p.last_status ?? ''), updatedAt: isoFromYalidine(p.date_last_status) };
  }

  async findByReference(orderRef: string): Promise<FoundShipment | null> {
    const rows = await this.list<YParcel>('parcels/', { order_id: orderRef });
    const p = rows.find((r) => r.order_id === orderRef);
    if (!p) return null;
    return { orderRef, tracking: p.tracking, label: p.label ? { kind: 'html_url', url: p.label } : undefined, state: this.state(p) };
  }

  async getStates(trackings: string[]): Promise<ShipmentState[]> {
    const out: ShipmentState[] = [];
    for (let i = 0; i < trackings.length; i += CAPABILITIES.maxBatch) {
      const batch = trackings.slice(i, i + CAPABILITIES.maxBatch);
      const rows = await this.list<YParcel>('parcels/', { tracking: batch.join(','), fields: 'tracking,order_id,last_status,date_last_status' });
      for (const p of rows) if (batch.includes(p.tracking)) out.push(this.state(p));
    }
    return out;
  }

  async getHistory(tracking: string): Promise<TrackingEvent[]> {
    const rows = await this.list<{ tracking: string; status: string; reason?: string | null; date_status?: string; center_name?: string; wilaya_name?: string }>(
      'histories/',
      { tracking },
    );
    return rows
      .filter((r) => r.tracking === tracking)
      .map((r) => ({
        tracking,
        ...this.normalizeStatus(r.status),
        occurredAt: isoFromYalidine(r.date_status),
        reason: r.reason ?? undefined,
        location: r.center_name ?? r.wilaya_name ?? undefined,
      }))
      .sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''));
  }

  override async update(tracking: string, patch: ShipmentUpdate): Promise<void> {
    const body: Record<string, unknown> = {};
    if (patch.recipient) {
      body.firstname = patch.recipient.firstName;
      body.familyname = patch.recipient.lastName;
      body.contact_phone = [patch.recipient.phone, patch.recipient.phone2].filter(Boolean).join(',');
    }
    if (patch.destination) {
      body.address = patch.destination.address;
      body.to_commune_name = patch.destination.courierCommune?.name ?? patch.destination.communeName;
      body.to_wilaya_name = patch.destination.courierCommune?.wilayaKey ?? (await this.wilayaName(patch.destination.wilayaCode));
    }
    if (patch.codAmount !== undefined) body.price = patch.codAmount;
    if (patch.productDescription) body.product_list = patch.productDescription;
    if (patch.deliveryType) body.is_stopdesk = patch.deliveryType === 'stopdesk';
    if (patch.stopDeskId) body.stopdesk_id = patch.stopDeskId;
    const res = await this.http.request({ method: 'PATCH', path: `parcels/${encodeURIComponent(tracking)}`, data: body, accept: [400, 403, 404, 409, 422] });
    if (res.status >= 400) {
      throw new ProviderError(this.displayName, `${this.displayName} only allows changes while the parcel is 'En préparation' (${laravelMessage(res.data) ?? `HTTP ${res.status}`})`, false, res.status);
    }
  }

  async cancel(tracking: string): Promise<void> {
    const res = await this.http.request<Array<{ tracking: string; deleted: boolean }>>({ method: 'DELETE', path: `parcels/${encodeURIComponent(tracking)}` });
    const row = (Array.isArray(res.data) ? res.data : []).find((r) => r.tracking === tracking);
    if (!row?.deleted) {
      throw new ProviderError(this.displayName, `${this.displayName} would not cancel parcel ${tracking}: it can only be deleted while 'En préparation'. Call the courier to stop it`, false, 409, 'not_cancellable');
    }
  }

  async getLabel(tracking: string) {
    const res = await this.http.request<Page<YParcel> | YParcel>({ method: 'GET', path: `parcels/${encodeURIComponent(tracking)}`, accept: [404] });
    const p = res.status === 404 ? undefined : 'data' in res.data ? res.data.data?.find((x) => x.tracking === tracking) : (res.data as YParcel);
    if (!p?.label) throw new ProviderError(this.displayName, `${this.displayName} has no label for parcel ${tracking}`, false, 404, 'not_found');
    return { kind: 'html_url' as const, url: p.label };
  }
}

const webhookBody = z.object({
  type: z.string(),
  events: z.array(
    z.object({
      event_id: z.string(),
      occurred_at: z.string().optional(),
      data: z.looseObject({ tracking: z.string(), order_id: z.string().optional(), status: z.string().nullish(), reason: z.string().nullish() }),
    }),
  ),
});

const EVENT_TYPES: Record<string, CourierWebhookEvent['type']> = {
  parcel_status_updated: 'status',
  parcel_created: 'created',
  parcel_edited: 'edited',
  parcel_deleted: 'deleted',
  parcel_payment_updated: 'payment',
};

/** Dashboard-registered webhooks: CRC echo on GET, hex HMAC-SHA256 of the raw body in X-YALIDINE-SIGNATURE (§2.11). */
export const yalidineWebhook: CourierWebhook = {
  signed: true,
  challenge(query) {
    return query.get('crc_token');
  },
  verify(headers, rawBody, secret) {
    const h = headers['x-yalidine-signature'];
    const given = (Array.isArray(h) ? h[0] : h)?.trim().replace(/^sha256=/i, '').toLowerCase();
    if (!given || !secret || !/^[0-9a-f]{64}$/.test(given)) return false;
    const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
    return crypto.timingSafeEqual(expected, Buffer.from(given, 'hex'));
  },
  parse(rawBody) {
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new ProviderError('Yalidine', 'Yalidine sent a webhook that is not JSON', false, 400);
    }
    const body = webhookBody.safeParse(json);
    if (!body.success) throw new ProviderError('Yalidine', 'Yalidine sent a webhook we cannot read', false, 400);
    const type = EVENT_TYPES[body.data.type] ?? 'other';
    return body.data.events.map((e) => {
      const status =
        type === 'status' && e.data.status
          ? normalizeWith(YALIDINE_STATUSES, e.data.status)
          : type === 'deleted'
            ? { status: 'cancelled' as const, raw: 'parcel_deleted' }
            : undefined;
      return {
        eventId: e.event_id,
        type,
        tracking: e.data.tracking,
        orderRef: e.data.order_id,
        status,
        reason: e.data.reason ?? undefined,
        occurredAt: isoFromYalidine(e.occurred_at),
      };
    });
  },
};

export const yalidine = defineCourier({
  id: 'yalidine',
  displayName: 'Yalidine',
  capabilities: CAPABILITIES,
  credentialsSchema,
  settingsSchema,
  /** `COURIER_YALIDINE_BASE_URL` serves the Yalidine host itself; other brands use their own host. */
  baseUrl: (settings, configured) => withTrailingSlash(settings.host === 'yalidine' || !settings.host ? (configured ?? YALIDINE_HOSTS.yalidine.url) : YALIDINE_HOSTS[settings.host].url),
  webhook: yalidineWebhook,
  create: (init) => new YalidineAdapter(init),
});
