import { z } from 'zod';
import { invalidInput, ProviderError } from '../src/errors';
import {
  baseSettingsSchema,
  CourierAdapter,
  defineCourier,
  withTrailingSlash,
  type AdapterInit,
  type BulkCreateResult,
  type CourierCapabilities,
  type CourierCommune,
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
import { ECOTRACK_STATUSES } from './ecotrack-status';
import { CourierHttp, laravelMessage } from './http';

/**
 * Ecotrack: one white-label API served by ~80 couriers, each on its own host (reference/couriers.md
 * §7). Single-order endpoints take query-string parameters; errors come as a 422 Laravel bag or as
 * HTTP 200 `{success:false, error, message}`. No webhooks: tracking is polled.
 */
const credentialsSchema = z.object({ token: z.string().trim().min(1, 'token is required') });
type Credentials = z.infer<typeof credentialsSchema>;
const tenantSettingsSchema = baseSettingsSchema.extend({
  base_url: z.url({ message: 'base_url must be the courier\'s Ecotrack address, e.g. https://dhd.ecotrack.dz/' }),
});
type Settings = z.infer<typeof baseSettingsSchema> & { base_url?: string };

const CAPABILITIES: CourierCapabilities = {
  webhooks: false,
  validateStep: true,
  bulkCreate: true,
  maxBatch: 100,
  label: 'pdf',
  stopDesks: true,
  cancel: true,
  update: true,
  tariffGrid: true,
  lookupByReference: true,
  communeList: true,
};

const BUSINESS_ERRORS: Record<string, string> = {
  '10001': 'the order can no longer be changed (it has been validated)',
  '10002': 'this courier does not deliver to the selected wilaya',
  '10003': 'a return cannot be requested for this order',
};

type Biz = { success?: boolean; error?: number | string; message?: string; tracking?: string };

/** A Laravel bag or business error body, in words. */
function describe(body: unknown): string {
  const b = (body ?? {}) as Biz;
  if (b.error !== undefined && BUSINESS_ERRORS[String(b.error)]) return `${BUSINESS_ERRORS[String(b.error)]} (${b.message ?? b.error})`;
  return laravelMessage(body) ?? 'no reason given';
}

const num = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : Math.round(Number(v)));
const values = <T>(v: unknown): T[] => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []) as T[];

export class EcotrackAdapter extends CourierAdapter<Credentials, Settings> {
  readonly capabilities = CAPABILITIES;
  readonly statusMap = ECOTRACK_STATUSES;
  private readonly http: CourierHttp;

  constructor(
    readonly id: string,
    readonly displayName: string,
    init: AdapterInit<Credentials, Settings>,
  ) {
    super(init);
    this.http = new CourierHttp({
      provider: displayName,
      baseUrl: withTrailingSlash(init.baseUrl),
      headers: { Authorization: `Bearer ${init.credentials.token}` },
      options: init.http,
      describeError: (_s, body) => describe(body),
    });
  }

  /** Business failures arrive as HTTP 200; turn them into errors naming what went wrong. */
  private fail(what: string, body: unknown, status = 422): ProviderError {
    const b = (body ?? {}) as Biz;
    return new ProviderError(this.displayName, `${this.displayName} refused to ${what}: ${describe(body)}`, false, status, b.error !== undefined ? String(b.error) : undefined);
  }

  async testCredentials() {
    try {
      const res = await this.http.request<Biz>({ method: 'GET', path: 'validate/token', params: { api_token: this.init.credentials.token } });
      if (res.data?.success) return { ok: true, message: `${this.displayName} accepted this token` };
      const why = res.data?.message === 'TOKEN_NOT_ALLOWED' ? 'the public API is disabled for this account: ask the courier to enable it' : 'the token is not valid';
      return { ok: false, message: `${this.displayName} refused the token: ${why}` };
    } catch (err) {
      if (err instanceof ProviderError && !err.retryable) return { ok: false, message: err.message };
      throw err;
    }
  }

  async listWilayas(): Promise<CourierWilaya[]> {
    const res = await this.http.request<unknown>({ method: 'GET', path: 'get/wilayas' });
    return values<{ wilaya_id: number; wilaya_name: string }>(res.data).map((w) => ({ code: Number(w.wilaya_id), name: w.wilaya_name, deliverable: true }));
  }

  async listCommunes(wilayaCode?: number): Promise<CourierCommune[]> {
    const res = await this.http.request<unknown>({ method: 'GET', path: 'get/communes', params: wilayaCode ? { wilaya_id: wilayaCode } : undefined });
    return values<{ nom: string; wilaya_id: number; code_postal?: string; has_stop_desk?: number }>(res.data).map((c) => ({
      wilayaCode: Number(c.wilaya_id),
      name: c.nom,
      id: c.code_postal ? String(c.code_postal) : undefined,
      hasStopDesk: Number(c.has_stop_desk ?? 0) === 1,
      deliverable: true,
    }));
  }

  /** Stop desks are the communes flagged has_stop_desk; their code_postal is the desk id for create. */
  async listStopDesks(wilayaCode?: number): Promise<StopDesk[]> {
    return (await this.listCommunes(wilayaCode))
      .filter((c) => c.hasStopDesk && c.id)
      .map((c) => ({ id: c.id!, name: c.name, wilayaCode: c.wilayaCode, communeName: c.name }));
  }

  override async listTariffs(): Promise<TariffRow[]> {
    const res = await this.http.request<{ livraison?: unknown; retour?: unknown }>({ method: 'GET', path: 'get/fees' });
    type Row = { wilaya_id: number | string; tarif?: string | number; tarif_stopdesk?: string | number };
    const ret = new Map(values<Row>(res.data?.retour).map((r) => [Number(r.wilaya_id), num(r.tarif)]));
    // Amounts are strings like "1300": dinars (reference/couriers.md §7.3 doubts "centimes").
    return values<Row>(res.data?.livraison).map((r) => ({
      wilayaCode: Number(r.wilaya_id),
      home: num(r.tarif),
      stopdesk: num(r.tarif_stopdesk),
      returnFee: ret.get(Number(r.wilaya_id)),
    }));
  }

  async quote(q: QuoteRequest): Promise<QuoteResult | null> {
    const row = (await this.listTariffs()).find((r) => r.wilayaCode === q.toWilaya);
    if (!row) return null;
    const { wilayaCode: _w, commune: _c, ...fees } = row;
    return fees;
  }

  private orderParams(s: ShipmentInput): Record<string, unknown> {
    if (s.deliveryType === 'stopdesk' && !s.stopDeskId) throw invalidInput(`${this.displayName} needs a stop desk for stop-desk delivery`);
    return {
      reference: s.orderRef,
      nom_client: `${s.recipient.firstName} ${s.recipient.lastName}`.trim(),
      telephone: s.recipient.phone,
      telephone_2: s.recipient.phone2,
      adresse: s.destination.address,
      commune: s.destination.courierCommune?.name ?? s.destination.communeName,
      code_wilaya: s.destination.wilayaCode,
      montant: s.codAmount,
      remarque: s.note,
      produit: s.productDescription,
      type: 1,
      stop_desk: s.deliveryType === 'stopdesk' ? 1 : 0,
      code_postal: s.deliveryType === 'stopdesk' ? s.stopDeskId : undefined,
      weight: s.weightKg,
    };
  }

  private refusal(s: ShipmentInput, body: unknown, status: number): ProviderError {
    const b = (body ?? {}) as Biz & { errors?: Record<string, unknown> };
    const bag = (b.errors ?? (b.success === undefined ? b : {})) as Record<string, unknown>;
    if ('commune' in bag) {
      const name = s.destination.courierCommune?.name ?? s.destination.communeName;
      return new ProviderError(this.displayName, `${this.displayName} rejected the commune '${name}' for wilaya ${s.destination.wilayaCode}: pick one from the list`, false, status, 'commune');
    }
    return this.fail(`create the parcel for order ${s.orderRef}`, b.errors ? b : b.success === undefined ? { errors: bag } : b, status);
  }

  async createShipment(input: ShipmentInput): Promise<ShipmentCreated> {
    const res = await this.http.request<Biz>({ method: 'POST', path: 'create/order', params: this.orderParams(input), accept: [422] });
    if (res.status === 422 || !res.data?.success || !res.data.tracking) throw this.refusal(input, res.data, res.status === 422 ? 422 : 200);
    return { orderRef: input.orderRef, tracking: res.data.tracking, needsValidation: true };
  }

  /** `create/orders`: an object keyed by index; results keyed by reference (sometimes truncated [ECO-TRUNC]). */
  override async createShipments(inputs: ShipmentInput[]): Promise<BulkCreateResult[]> {
    const out: BulkCreateResult[] = [];
    for (let i = 0; i < inputs.length; i += CAPABILITIES.maxBatch) {
      const batch = inputs.slice(i, i + CAPABILITIES.maxBatch);
      const orders = Object.fromEntries(batch.map((s, j) => [String(j), this.orderParams(s)]));
      const res = await this.http.request<{ results?: Record<string, Biz & Record<string, unknown>> }>({ method: 'POST', path: 'create/orders', data: { orders } });
      const results = res.data?.results ?? {};
      batch.forEach((s, j) => {
        const r =
          results[s.orderRef] ??
          results[String(j)] ??
          Object.entries(results).find(([k]) => k.length >= 8 && s.orderRef.startsWith(k))?.[1];
        if (r?.success && r.tracking) out.push({ orderRef: s.orderRef, ok: true, shipment: { orderRef: s.orderRef, tracking: r.tracking, needsValidation: true } });
        else out.push({ orderRef: s.orderRef, ok: false, error: this.refusal(s, r ?? { message: 'no result for this parcel' }, 422) });
      });
    }
    return out;
  }

  override async validate(tracking: string): Promise<void> {
    const res = await this.http.request<Biz>({ method: 'POST', path: 'valid/order', params: { tracking, ask_collection: 0 }, accept: [422] });
    if (res.status === 422 || !res.data?.success) throw this.fail(`validate parcel ${tracking}`, res.data);
  }

  /** No reference filter exists: scan the last week's orders (a retry follows the first try closely). */
  async findByReference(orderRef: string): Promise<FoundShipment | null> {
    const start = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    for (let page = 1; page <= 10; page++) {
      const res = await this.http.request<{ data?: Array<{ tracking: string; reference?: string; status?: string }>; last_page?: number }>({
        method: 'GET',
        path: 'get/orders',
        params: { page, start_date: start },
      });
      const hit = (res.data?.data ?? []).find((o) => o.reference === orderRef);
      if (hit) {
        const state = { tracking: hit.tracking, orderRef, ...this.normalizeStatus(hit.status ?? '') };
        return { orderRef, tracking: hit.tracking, state, needsValidation: hit.status === 'en_preparation' || hit.status === undefined };
      }
      if (!res.data?.last_page || page >= res.data.last_page) break;
    }
    return null;
  }

  async getStates(trackings: string[]): Promise<ShipmentState[]> {
    const out: ShipmentState[] = [];
    for (let i = 0; i < trackings.length; i += CAPABILITIES.maxBatch) {
      const batch = trackings.slice(i, i + CAPABILITIES.maxBatch);
      const res = await this.http.request<{ data?: Record<string, { status?: string; order_id?: string }> }>({
        method: 'GET',
        path: 'get/orders/status',
        params: { api_token: this.init.credentials.token, trackings: batch.join(','), status: 'all' },
      });
      for (const t of batch) {
        const row = res.data?.data?.[t];
        if (row?.status) out.push({ tracking: t, orderRef: row.order_id, ...this.normalizeStatus(row.status) });
      }
    }
    return out;
  }

  async getHistory(tracking: string): Promise<TrackingEvent[]> {
    const res = await this.http.request<{ activity?: Array<{ date?: string; time?: string; status: string; station?: string; scanLocation?: string }> }>({
      method: 'GET',
      path: 'get/tracking/info',
      params: { tracking },
    });
    return (res.data?.activity ?? [])
      .filter((a) => a.status !== 'notification_on_order') // a remark, not a movement
      .map((a) => ({
        tracking,
        ...this.normalizeStatus(a.status),
        occurredAt: a.date ? new Date(`${a.date}T${a.time ?? '00:00:00'}+01:00`).toISOString() : undefined,
        location: a.station || a.scanLocation || undefined,
      }))
      .sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''));
  }

  override async update(tracking: string, patch: ShipmentUpdate): Promise<void> {
    const p: Record<string, unknown> = { tracking };
    if (patch.recipient) Object.assign(p, { client: `${patch.recipient.firstName} ${patch.recipient.lastName}`.trim(), tel: patch.recipient.phone, tel2: patch.recipient.phone2 });
    if (patch.destination) Object.assign(p, { adresse: patch.destination.address, commune: patch.destination.courierCommune?.name ?? patch.destination.communeName, wilaya: patch.destination.wilayaCode });
    if (patch.codAmount !== undefined) p.montant = patch.codAmount;
    if (patch.note) p.remarque = patch.note;
    if (patch.productDescription) p.product = patch.productDescription;
    const res = await this.http.request<Biz>({ method: 'POST', path: 'update/order', params: p, accept: [422] });
    if (res.status === 422 || !res.data?.success) throw this.fail(`change parcel ${tracking}`, res.data);
  }

  async cancel(tracking: string): Promise<void> {
    const res = await this.http.request<Biz & { delete?: string }>({ method: 'DELETE', path: 'delete/order', params: { tracking }, accept: [422] });
    if (res.status !== 422 && (res.data?.success || res.data?.delete === 'success')) return;
    const e = this.fail(`cancel parcel ${tracking}`, res.data, 409);
    throw new ProviderError(this.displayName, `${e.message}. Once validated, call the courier to stop it`, false, 409, e.providerCode ?? 'not_cancellable');
  }

  async getLabel(tracking: string) {
    const res = await this.http.request<ArrayBuffer>({ method: 'GET', path: 'get/order/label', params: { tracking }, responseType: 'arraybuffer', accept: [404, 422] });
    const bytes = Buffer.from(res.data);
    if (res.status !== 200 || bytes.subarray(0, 4).toString('latin1') !== '%PDF') {
      throw new ProviderError(this.displayName, `${this.displayName} has no label for parcel ${tracking}`, false, res.status === 200 ? 502 : res.status, 'not_found');
    }
    return { kind: 'pdf' as const, bytes };
  }
}

/**
 * A definition for one Ecotrack courier. `defaultBaseUrl` makes a preset (Anderson); without it the
 * merchant must give the tenant's `base_url` setting (COURIER_ECOTRACK_BASE_URL can supply one).
 */
export function ecotrackCourier(opts: { id: 'ecotrack' | 'anderson'; displayName: string; defaultBaseUrl?: string }) {
  const settingsSchema = opts.defaultBaseUrl ? baseSettingsSchema.extend({ base_url: tenantSettingsSchema.shape.base_url.optional() }) : tenantSettingsSchema;
  return defineCourier<Credentials, Settings>({
    id: opts.id,
    displayName: opts.displayName,
    capabilities: CAPABILITIES,
    credentialsSchema,
    settingsSchema: settingsSchema as z.ZodType<Settings>,
    baseUrl: (settings, configured) => {
      // The env override wins so tests and staging point every tenant at one place.
      const url = configured ?? settings.base_url ?? opts.defaultBaseUrl;
      if (!url) throw invalidInput(`Set base_url: your courier's Ecotrack address (e.g. https://dhd.ecotrack.dz/)`);
      const u = withTrailingSlash(url);
      // Merchants paste the dashboard host; the API lives under api/v1/.
      return /\/api\/v1\/$/.test(u) ? u : `${u}api/v1/`;
    },
    create: (init) => new EcotrackAdapter(opts.id, opts.displayName, init),
  });
}

export const ecotrack = ecotrackCourier({ id: 'ecotrack', displayName: 'Ecotrack' });
