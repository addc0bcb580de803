import { createHash, timingSafeEqual } from 'node:crypto';
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
  type CourierWebhook,
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
  type TrackingEvent,
} from './contract';
import { nameKey } from './courier-name-key';
import { CourierHttp } from './http';
import { MAYSTRO_STATUSES } from './maystro-status';

/**
 * Maystro Delivery (reference/couriers.md §5): Django REST (`Authorization: Token <t>`), Maystro's
 * own numeric commune ids, numeric statuses, raw PDF labels, hooks posted as base64(base64(JSON)).
 *
 * Commune ids must come from Maystro's reference data: the stored mapping
 * (`courierCommune.id`, filled by the reference sync from `shared/communes`) is used when present;
 * otherwise the adapter fetches the wilaya's communes and takes the one exact (folded) name match,
 * and refuses in words when there is none. Orders have a UUID (`providerId`, used for history,
 * cancel and labels) and a numeric `display_id`, which is the tracking merchants see.
 *
 * COD: `product_price` is the whole amount collected at the door, product + delivery
 * ([CDZ-JS MaystroAdapter]): exactly `ShipmentInput.codAmount`.
 */
const NAME = 'Maystro Delivery';

const credentialsSchema = z.object({ token: z.string().trim().min(1, 'token is required') });
const settingsSchema = baseSettingsSchema;
type Credentials = z.infer<typeof credentialsSchema>;
type Settings = z.infer<typeof settingsSchema>;

const CAPABILITIES: CourierCapabilities = {
  webhooks: true,
  validateStep: false,
  bulkCreate: false,
  maxBatch: 50,
  label: 'pdf',
  // Maystro prices and accepts stop-desk delivery (delivery_type 2) but publishes no desk list, so
  // nothing can offer a desk to pick; `createShipment` still honours deliveryType 'stopdesk'.
  stopDesks: false,
  cancel: true,
  update: false,
  tariffGrid: false,
  lookupByReference: true,
  communeList: true,
};

/** Current docs: 1 = home, 2 = stop desk (older clients used 0/1, §5.3). */
const DELIVERY_TYPE = { home: 1, stopdesk: 2 } as const;
/** Status 50 = "Annulé" (aborted); 21 is the abort reason integrators send for a merchant cancel ([CDZ-JS]). */
const CANCELLED = 50;
const ABORT_REASON = 21;

interface MOrder {
  id: string;
  display_id: number | string;
  external_order_id?: string | null;
  status: number | string;
  updated_at?: string;
  created_at?: string;
}
interface DrfPage<T> {
  results?: T[];
  next?: string | null;
}

/** DRF bodies: `{detail}` or `{field: [messages]}`. */
function describeDrf(_status: number, body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.length < 300 ? body : undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.detail === 'string') return b.detail;
  const parts = Object.entries(b).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`);
  return parts.length ? parts.join('; ') : undefined;
}

function listOf<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  return ((data as DrfPage<T> | null)?.results ?? []) as T[];
}

export class MaystroAdapter extends CourierAdapter<Credentials, Settings> {
  readonly id = 'maystro';
  readonly displayName = NAME;
  readonly capabilities = CAPABILITIES;
  readonly statusMap = MAYSTRO_STATUSES;
  private readonly http: CourierHttp;

  constructor(init: ConstructorParameters<typeof CourierAdapter<Credentials, Settings>>[0]) {
    super(init);
    this.http = new CourierHttp({
      provider: NAME,
      baseUrl: withTrailingSlash(init.baseUrl),
      headers: { Authorization: `Token ${init.credentials.token}`, 'Content-Type': 'application/json' },
      options: init.http,
      describeError: describeDrf,
    });
  }

  async testCredentials(): Promise<CredentialCheck> {
    const res = await this.http.request({ method: 'GET', path: 'shared/wilayas/', params: { country: 1 }, accept: [401, 403] });
    if (res.status === 401 || res.status === 403) {
      return { ok: false, message: `${NAME} refused this token: copy it again from the Maystro dashboard (it is the API token, not your password)` };
    }
    return { ok: true, message: `${NAME} accepted this token` };
  }

  async listWilayas(): Promise<CourierWilaya[]> {
    const res = await this.http.request<unknown>({ method: 'GET', path: 'shared/wilayas/', params: { country: 1, language: 'fr' } });
    // `[id, name]` pairs; tolerate objects too (the schema is not published).
    return listOf<unknown>(res.data)
      .map((w) => (Array.isArray(w) ? { code: Number(w[0]), name: String(w[1]) } : { code: Number((w as { id: unknown }).id), name: String((w as { name: unknown }).name) }))
      .filter((w) => Number.isInteger(w.code))
      .map((w) => ({ ...w, deliverable: true }));
  }

  async listCommunes(wilayaCode?: number): Promise<CourierCommune[]> {
    const codes = wilayaCode !== undefined ? [wilayaCode] : (await this.listWilayas()).map((w) => w.code);
    const out: CourierCommune[] = [];
    for (const code of codes) {
      const res = await this.http.request<unknown>({ method: 'GET', path: 'shared/communes/', params: { wilaya: code } });
      for (const c of listOf<{ id: number | string; name: string; wilaya?: number; has_stop_desk?: boolean }>(res.data)) {
        out.push({ name: c.name, id: String(c.id), wilayaCode: Number(c.wilaya ?? code), hasStopDesk: !!c.has_stop_desk, deliverable: true });
      }
    }
    return out;
  }

  /** Maystro publishes no stop-desk list (only a `stop_desk_id` field is known, §5.3). */
  async listStopDesks(_wilayaCode?: number): Promise<StopDesk[]> {
    return [];
  }

  private async price(commune: string, type: 1 | 2): Promise<number | undefined> {
    const res = await this.http.request<{ delivery_price?: number | string }>({
      method: 'GET',
      path: 'stores/delivery_price/',
      params: { commune, delivery_type: type, express: false },
      accept: [404],
    });
    if (res.status === 404) return undefined; // no price = not served with that delivery type
    const n = Number(res.data.delivery_price);
    return Number.isFinite(n) ? Math.round(n) : undefined;
  }

  /** Prices are uniform within a wilaya (verified live by [CDZ-JS]), so any commune of it will do. */
  async quote(q: QuoteRequest): Promise<QuoteResult | null> {
    const commune = q.toCommune?.id ?? (await this.listCommunes(q.toWilaya))[0]?.id;
    if (!commune) return null;
    const [home, stopdesk] = [await this.price(commune, DELIVERY_TYPE.home), await this.price(commune, DELIVERY_TYPE.stopdesk)];
    if (home === undefined && stopdesk === undefined) return null;
    return { ...(home !== undefined ? { home } : {}), ...(stopdesk !== undefined ? { stopdesk } : {}) };
  }

  private async communeId(input: ShipmentInput): Promise<{ id: number; name: string }> {
    const { courierCommune, communeName, wilayaCode } = input.destination;
    if (courierCommune?.id && /^\d+$/.test(courierCommune.id)) return { id: Number(courierCommune.id), name: courierCommune.name };
    const want = nameKey(courierCommune?.name ?? communeName);
    const hits = (await this.listCommunes(wilayaCode)).filter((c) => nameKey(c.name) === want);
    if (hits.length !== 1) {
      throw new ProviderError(NAME, `${NAME} has no commune '${courierCommune?.name ?? communeName}' in wilaya ${wilayaCode}: pick one from the list`, false, undefined, 'commune_unknown');
    }
    return { id: Number(hits[0]!.id), name: hits[0]!.name };
  }

  async createShipment(input: ShipmentInput): Promise<ShipmentCreated> {
    const commune = await this.communeId(input);
    const items = input.items?.length ? input.items : [{ name: input.productDescription, quantity: 1 }];
    const body = {
      source: 4, // "API" (required constant, §5.3)
      wilaya: input.destination.wilayaCode,
      commune: commune.id,
      destination_text: input.destination.address,
      customer_name: `${input.recipient.firstName} ${input.recipient.lastName}`.trim(),
      customer_phone: input.recipient.phone,
      product_price: input.codAmount,
      delivery_type: DELIVERY_TYPE[input.deliveryType],
      ...(input.deliveryType === 'stopdesk' && input.stopDeskId ? { stop_desk_id: input.stopDeskId } : {}),
      express: false,
      ...(input.note ? { note_to_driver: input.note } : {}),
      // Without product_id Maystro creates a catalogue product from the description (verified by [CDZ-JS]).
      products: items.map((i) => ({ quantity: i.quantity, logistical_description: i.name })),
      external_order_id: input.orderRef,
    };
    let order: MOrder;
    try {
      order = (await this.http.request<MOrder>({ method: 'POST', path: 'stores/orders/', data: body })).data;
    } catch (err) {
      if (err instanceof ProviderError && !err.retryable && err.providerStatus === 400) {
        if (/commune/i.test(err.message)) {
          throw new ProviderError(NAME, `${NAME} rejected the commune '${commune.name}' (id ${commune.id}) for wilaya ${input.destination.wilayaCode}: pick one from the list`, false, 400, 'commune_rejected');
        }
        if (/phone/i.test(err.message)) throw new ProviderError(NAME, `${NAME} rejected the customer's phone number: correct it on the order`, false, 400, 'phone_rejected');
      }
      throw err;
    }
    return { orderRef: input.orderRef, tracking: String(order.display_id), providerId: order.id, needsValidation: false };
  }

  private async ordersWhere(params: Record<string, string>): Promise<MOrder[]> {
    const res = await this.http.request<unknown>({ method: 'GET', path: 'stores/orders/', params });
    return listOf<MOrder>(res.data);
  }

  private async orderByTracking(tracking: string): Promise<MOrder | undefined> {
    return (await this.ordersWhere({ display_id: tracking })).find((o) => String(o.display_id) === tracking);
  }

  private async requireOrder(tracking: string): Promise<MOrder> {
    const o = await this.orderByTracking(tracking);
    if (!o) throw new ProviderError(NAME, `${NAME} has no order ${tracking}`, false, 404, 'not_found');
    return o;
  }

  private stateOf(o: MOrder): ShipmentState {
    return { ...normalizeWith(this.statusMap, o.status), tracking: String(o.display_id), orderRef: o.external_order_id ?? undefined, updatedAt: o.updated_at };
  }

  async findByReference(orderRef: string): Promise<FoundShipment | null> {
    // Filter again here: a server that ignored the filter must not hand us another order.
    const o = (await this.ordersWhere({ external_order_id: orderRef })).find((x) => x.external_order_id === orderRef);
    return o ? { orderRef, tracking: String(o.display_id), providerId: o.id, state: this.stateOf(o), needsValidation: false } : null;
  }

  async getStates(trackings: string[]): Promise<ShipmentState[]> {
    const out: ShipmentState[] = [];
    for (const t of trackings) {
      const o = await this.orderByTracking(t);
      if (o) out.push(this.stateOf(o));
    }
    return out;
  }

  async getHistory(tracking: string): Promise<TrackingEvent[]> {
    const o = await this.requireOrder(tracking);
    const res = await this.http.request<unknown>({ method: 'GET', path: `stores/history_order/${encodeURIComponent(o.id)}` });
    return listOf<{ status: number | string; created_at?: string; comment?: string }>(res.data)
      .map((h) => ({ ...normalizeWith(this.statusMap, h.status), tracking, occurredAt: h.created_at, ...(h.comment ? { reason: h.comment } : {}) }))
      .sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''));
  }

  async cancel(tracking: string): Promise<void> {
    const o = await this.requireOrder(tracking);
    if (Number(o.status) === CANCELLED) return;
    const res = await this.http.request({ method: 'PATCH', path: `shared/status/${encodeURIComponent(o.id)}/`, data: { status: CANCELLED, abort_reason: ABORT_REASON }, accept: [400, 403, 409] });
    if (res.status !== 200 && res.status !== 204) {
      const now = normalizeWith(this.statusMap, o.status);
      throw new ProviderError(NAME, `${NAME} refused to cancel order ${tracking} (status ${now.raw}, ${now.status.replace(/_/g, ' ')}): ask Maystro to cancel it`, false, res.status, 'cancel_refused');
    }
  }

  async getLabel(tracking: string): Promise<LabelRef> {
    const o = await this.requireOrder(tracking);
    // v2 takes UUIDs; v1 is keyed by display_id and returns a blank PDF for a UUID (§5.4).
    const res = await this.http.request<ArrayBuffer>({ method: 'POST', path: 'delivery/starter/v2/starter_bordureau/', data: { orders_ids: [o.id] }, responseType: 'arraybuffer' });
    return { kind: 'pdf', bytes: Buffer.from(res.data) };
  }
}

/**
 * Maystro hooks carry no signature and cannot carry custom headers (§5.6), so the only secret is in
 * the hook URL we register (`…/webhooks/couriers/maystro?secret=<secret>`). The route must hand that
 * query value over as the `x-wakil-url-secret` header (verify only sees headers and body).
 */
export const MAYSTRO_SECRET_HEADER = 'x-wakil-url-secret';

const maystroHookSchema = z.object({
  event: z.string(),
  payload: z
    .object({
      id: z.string().optional(),
      display_id_order: z.union([z.number(), z.string()]).optional(),
      display_id: z.union([z.number(), z.string()]).optional(),
      external_order_id: z.string().nullish(),
      status: z.union([z.number(), z.string()]).optional(),
    })
    .loose(),
  instance_uuid: z.string().optional(),
});

/** The body is JSON base64-encoded twice; tolerate once or plain JSON in case Maystro changes it. */
function decodeHook(raw: Buffer): unknown {
  let text = raw.toString('utf8').trim();
  for (let i = 0; i < 3; i++) {
    if (text.startsWith('{')) return JSON.parse(text);
    text = Buffer.from(text, 'base64').toString('utf8').trim();
  }
  throw new Error('not JSON');
}

const maystroWebhook: CourierWebhook = {
  signed: false,
  verify(headers, _rawBody, secret) {
    const v = headers[MAYSTRO_SECRET_HEADER];
    const given = Buffer.from((Array.isArray(v) ? v[0] : v) ?? '');
    const want = Buffer.from(secret ?? '');
    return want.length > 0 && given.length === want.length && timingSafeEqual(given, want);
  },
  parse(rawBody) {
    let doc: z.infer<typeof maystroHookSchema>;
    try {
      doc = maystroHookSchema.parse(decodeHook(rawBody));
    } catch {
      throw new ProviderError(NAME, `${NAME} sent a webhook we could not read`, false, undefined, 'webhook_unreadable');
    }
    const p = doc.payload;
    const display = p.display_id_order ?? p.display_id;
    if (display === undefined) return [];
    const eventId = doc.instance_uuid ?? `maystro-${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
    const base = { eventId, tracking: String(display), orderRef: p.external_order_id ?? undefined };
    if (/status/i.test(doc.event) && p.status !== undefined) return [{ ...base, type: 'status', status: normalizeWith(MAYSTRO_STATUSES, p.status) }];
    if (/created/i.test(doc.event)) return [{ ...base, type: 'created' }];
    return [{ ...base, type: 'other' }];
  },
};

export const maystro = defineCourier({
  id: 'maystro',
  displayName: NAME,
  capabilities: CAPABILITIES,
  credentialsSchema,
  settingsSchema,
  baseUrl: (_settings, configured) => withTrailingSlash(configured ?? 'https://backend.maystro-delivery.com/api/'),
  webhook: maystroWebhook,
  create: (init) => new MaystroAdapter(init),
});
