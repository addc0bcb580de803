/**
 * The courier plugin contract. Every courier (or platform family: Yalidine engine, Ecotrack) is one
 * file that subclasses `CourierAdapter` and exports a `CourierDefinition` made with `defineCourier`;
 * couriers/registry.ts lists the definitions by registry id (DESIGN.md "Couriers").
 *
 * Adapters are plain HTTP clients: they import nothing from src/web, src/agent or the database. The
 * booking/tracking services (src/shipping/) resolve geography from our tables and hand the adapter
 * everything it needs (the courier's own commune spelling/id included), so an adapter never guesses.
 *
 * Conventions every adapter follows:
 * - Money is integer DZD. Wilaya codes sent to couriers are 1..58 (a commune moved by the 2026
 *   reform is sent with its former wilaya; the caller does that mapping, reference/couriers.md §9).
 * - Failures are `ProviderError(provider, message, retryable, status?, code?)` (src/errors.ts). The
 *   message is written for the merchant and names what to fix ("Yalidine rejected the commune
 *   'Bir Mourad' for wilaya 16: pick one from the list"). `retryable` is true for timeouts, 5xx and
 *   rate limits (the job queue retries with backoff), false for refusals the merchant must fix (bad
 *   credentials, unknown commune, parcel already picked up). Never put secrets or customer PII in it.
 * - HTTP goes through couriers/http.ts (axios with a timeout, 429/Retry-After and quota handling).
 *
 * Reference: shared/reference/couriers.md §1 (operations per courier), §8 (status table).
 */
import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { ProviderError } from '../src/errors';

// ---------------------------------------------------------------------------------------------
// Canonical vocabulary
// ---------------------------------------------------------------------------------------------

/** The closed set every raw courier status maps into (reference/couriers.md §8). */
export const CANONICAL_STATUSES = [
  'created', // booked, still editable/cancellable at the courier (draft or "en préparation")
  'pending_pickup', // validated / ready, waiting for the courier to collect it
  'picked_up',
  'in_transit',
  'at_hub',
  'out_for_delivery',
  'ready_for_pickup', // waiting for the customer at a stop desk
  'delivery_attempted',
  'on_hold',
  'delivered', // terminal success (also "delivered, cash not yet remitted")
  'returning', // failed, on its way back: do NOT restock yet
  'returned', // back with the merchant: restock
  'cancelled',
  'lost',
  'unknown', // a raw value we have no mapping for; the raw value is always kept
] as const;
export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];

/** Statuses after which the courier will not move the parcel any more. */
export const TERMINAL_STATUSES: ReadonlySet<CanonicalStatus> = new Set(['delivered', 'returned', 'cancelled', 'lost']);

export type DeliveryType = 'home' | 'stopdesk';

/** A normalised status that keeps what the courier actually said (persist both). */
export interface NormalizedStatus {
  status: CanonicalStatus;
  raw: string;
}

// ---------------------------------------------------------------------------------------------
// Metadata, credentials and settings
// ---------------------------------------------------------------------------------------------

export interface CourierCapabilities {
  /** The courier pushes tracking events (then `definition.webhook` is set). */
  webhooks: boolean;
  /**
   * A created parcel is a draft until `validate()` is called (Ecotrack, NOEST). The booking service
   * calls `validate` right after a successful create when this is true.
   */
  validateStep: boolean;
  /** `createShipments` sends one request for many parcels (else it loops `createShipment`). */
  bulkCreate: boolean;
  /** Largest batch the courier accepts in one create / tracking call. */
  maxBatch: number;
  /** What `getLabel` returns; 'none' = the courier has no label (Procolis). */
  label: 'pdf' | 'url' | 'html_url' | 'none';
  /** The courier has stop desks, so 'stopdesk' delivery and `listStopDesks` are meaningful. */
  stopDesks: boolean;
  /** `cancel` can work (only before pickup/validation everywhere); false: it always refuses. */
  cancel: boolean;
  /** `update` exists (only before pickup/validation). */
  update: boolean;
  /** `listTariffs` returns a whole grid in one call (else the tariff sync loops `quote`). */
  tariffGrid: boolean;
  /**
   * `findByReference` can find a parcel by our order id. When false (NOEST), a create that timed
   * out cannot be checked: the booking service must not blindly re-create (it asks the merchant).
   */
  lookupByReference: boolean;
  /** The courier publishes its communes (`listCommunes`); false (Procolis): our official names are sent. */
  communeList: boolean;
}

/**
 * Settings every courier accepts (DESIGN.md): `origin_wilaya` is the merchant's dispatch wilaya
 * (1..58, used for quotes and Yalidine's from_wilaya_name); `auto_ship` books an order when it
 * becomes confirmed. Adapters extend this schema with their own fields (Ecotrack `base_url`,
 * Yalidine `host`). Unknown keys are dropped.
 */
export const baseSettingsSchema = z.object({
  origin_wilaya: z.coerce.number().int().min(1, 'origin_wilaya must be a wilaya code 1..58').max(58, 'origin_wilaya must be a wilaya code 1..58').optional(),
  auto_ship: z.boolean().default(true),
});
export type BaseSettings = z.infer<typeof baseSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Reference data (geography, stop desks, tariffs)
// ---------------------------------------------------------------------------------------------

export interface CourierWilaya {
  /** 1..58, the courier's numbering. */
  code: number;
  /** The courier's own spelling ("Béjaïa"). */
  name: string;
  deliverable: boolean;
}

/**
 * How the courier identifies one commune. Stored in `courier_communes` and handed back to the
 * adapter in `ShipmentInput.destination.courierCommune`, so create calls use the courier's exact
 * spelling (Yalidine, Ecotrack, NOEST, Procolis), numeric id (Maystro) or UUID (ZR).
 */
export interface CourierCommuneRef {
  /** The courier's spelling, byte for byte as its list gives it. */
  name: string;
  /** The courier's numeric/string id when it has one (Yalidine commune id, Maystro id). */
  id?: string;
  /** ZR territory UUID. */
  uuid?: string;
  /** The courier's key for the commune's wilaya when it is not the 1..58 code (ZR city UUID). */
  wilayaKey?: string;
}

export interface CourierCommune extends CourierCommuneRef {
  /** 1..58. */
  wilayaCode: number;
  hasStopDesk: boolean;
  deliverable: boolean;
  /** Typical delivery time in days, when the courier publishes it (Yalidine). */
  deliveryDays?: number;
}

export interface StopDesk {
  /** What `ShipmentInput.stopDeskId` carries: Yalidine center_id, Ecotrack code_postal, NOEST station_code, ZR hub UUID. */
  id: string;
  name: string;
  wilayaCode: number;
  /** The courier's spelling of the desk's commune, when given. */
  communeName?: string;
  address?: string;
  gps?: { lat: number; lng: number };
}

export interface QuoteRequest {
  /** Origin wilaya 1..58; defaults to the adapter's `origin_wilaya` setting. */
  fromWilaya?: number;
  toWilaya: number;
  /** The destination commune as the courier knows it, for couriers that price per commune (Yalidine). */
  toCommune?: CourierCommuneRef;
  deliveryType: DeliveryType;
  weightKg?: number;
}

/** Integer DZD. A missing field means the courier does not offer it there. */
export interface QuoteResult {
  home?: number;
  stopdesk?: number;
  returnFee?: number;
  /** Percent of the COD amount the courier charges on top (Yalidine cod_percentage). */
  codPercent?: number;
  delayDays?: number;
}

/** One row of a courier's tariff grid (per wilaya, or per commune when `commune` is set). */
export interface TariffRow extends QuoteResult {
  wilayaCode: number;
  commune?: CourierCommuneRef;
}

// ---------------------------------------------------------------------------------------------
// Shipments
// ---------------------------------------------------------------------------------------------

/** What we ask a courier to deliver (reference/couriers.md §1.2). */
export interface ShipmentInput {
  /** Our order id: the courier's order_id / reference. The idempotency key of booking. */
  orderRef: string;
  recipient: {
    firstName: string;
    lastName: string;
    /** Local format 0XXXXXXXXX (mobile) or 0XXXXXXXX (landline). */
    phone: string;
    phone2?: string;
  };
  destination: {
    /** 1..58, courier numbering (a commune moved in 2026 carries its former wilaya). */
    wilayaCode: number;
    /** Our ONS commune code ("1630"). */
    communeCode: string;
    /** The official French name from our dataset; used only when `courierCommune` is absent. */
    communeName: string;
    /** The courier's own key for this commune, from `courier_communes` (preferred). */
    courierCommune?: CourierCommuneRef;
    address: string;
  };
  deliveryType: DeliveryType;
  /** Required for 'stopdesk': a `StopDesk.id` of this courier. */
  stopDeskId?: string;
  /** DZD the customer pays at the door, delivery fee included. */
  codAmount: number;
  /** The merchant pays the fee (Yalidine has a native flag; others: the caller has already folded it into codAmount). */
  freeShipping?: boolean;
  declaredValue?: number;
  productDescription: string;
  items?: Array<{ name: string; quantity: number; unitPrice?: number; sku?: string }>;
  weightKg?: number;
  note?: string;
  /** Overrides the `origin_wilaya` setting (1..58). */
  originWilayaCode?: number;
}

export type LabelRef =
  | { kind: 'pdf'; bytes: Buffer }
  | { kind: 'url'; url: string; expiresAt?: string }
  | { kind: 'html_url'; url: string };

export interface ShipmentCreated {
  orderRef: string;
  tracking: string;
  /** The courier's internal id when it differs from the tracking (ZR UUID, Maystro id). */
  providerId?: string;
  /** Present when the create answer already carries it (Yalidine). */
  label?: LabelRef;
  /** The fee the courier says it will charge, when it says so. */
  fee?: number;
  /** True when the parcel is a draft until `validate` (mirrors `capabilities.validateStep`). */
  needsValidation: boolean;
}

/** One entry of a bulk create: partial success is normal, every item says what happened to it. */
export type BulkCreateResult =
  | { orderRef: string; ok: true; shipment: ShipmentCreated }
  | { orderRef: string; ok: false; error: ProviderError };

export interface ShipmentState extends NormalizedStatus {
  tracking: string;
  orderRef?: string;
  /** Why (failed delivery reason, hold reason), in the courier's words. */
  reason?: string;
  /** ISO 8601 of the last status change, when known. */
  updatedAt?: string;
}

/** A parcel found by our order reference (idempotent booking). */
export interface FoundShipment {
  orderRef: string;
  tracking: string;
  providerId?: string;
  label?: LabelRef;
  state?: ShipmentState;
  /** Still a draft at the courier (Ecotrack/NOEST not yet validated), when the courier tells. */
  needsValidation?: boolean;
}

export interface TrackingEvent extends NormalizedStatus {
  tracking: string;
  /** ISO 8601; events are returned oldest first. */
  occurredAt?: string;
  reason?: string;
  /** Centre / station / wilaya as the courier names it. */
  location?: string;
}

/** Fields `update` may change (only before pickup/validation). */
export type ShipmentUpdate = Partial<Pick<ShipmentInput, 'recipient' | 'destination' | 'codAmount' | 'note' | 'productDescription' | 'deliveryType' | 'stopDeskId'>>;

export interface CredentialCheck {
  ok: boolean;
  /** In words, for the settings page: "Yalidine accepted these credentials" / "... refused ...". */
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

export interface CourierWebhookEvent {
  /** The courier's event id, for deduplication; synthesised from the body when it has none. */
  eventId: string;
  type: 'status' | 'created' | 'edited' | 'deleted' | 'payment' | 'other';
  tracking: string;
  orderRef?: string;
  /** Set for 'status' (and 'deleted' → cancelled). */
  status?: NormalizedStatus;
  reason?: string;
  occurredAt?: string;
}

/**
 * Inbound tracking pushes (POST /webhooks/couriers/:courier). Static: it needs no credentials, so
 * it lives on the definition, not the adapter instance.
 */
export interface CourierWebhook {
  /**
   * The courier signs its events. When false (Maystro), only a shared secret in the URL is
   * checked: a tampered body cannot be detected, so an event must only trigger a re-read of the
   * parcel's state from the API, never be trusted as the state itself.
   */
  signed: boolean;
  /**
   * A subscription check the courier sends as GET (Yalidine CRC: `?crc_token=` echoed as plain
   * text). Returns the body to answer with, or null when the query is not a challenge.
   */
  challenge?(query: URLSearchParams): string | null;
  /**
   * Called on the raw bytes BEFORE parsing. False → the route answers 401 and nothing is stored.
   * Header names are lower-case. Must compare in constant time.
   */
  verify(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, secret: string): boolean;
  /** Called only after `verify`. Throws ProviderError (non-retryable) on a body it cannot read. */
  parse(rawBody: Buffer): CourierWebhookEvent[];
}

// ---------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------

export interface CourierHttpOptions {
  /** Use this axios instance instead of creating one (tests, proxies). */
  axios?: AxiosInstance;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
  /** Retries on 429 (honouring Retry-After) and on quota exhaustion before surfacing; default 2. */
  maxRateLimitRetries?: number;
  /** Longest wait honoured inside one call; a longer Retry-After surfaces a retryable error. Default 10 s. */
  maxWaitMs?: number;
  /** Injected in tests to observe back-off without real waiting. */
  sleep?: (ms: number) => Promise<void>;
}

/** What an adapter is constructed with. `credentials`/`settings` are already validated by the definition's schemas. */
export interface AdapterInit<C, S extends BaseSettings = BaseSettings> {
  baseUrl: string;
  credentials: C;
  settings: S;
  http?: CourierHttpOptions;
}

/**
 * One courier account. Instances are cheap and short-lived: the shipping service builds one per
 * job from the workspace's stored credentials and settings.
 */
export abstract class CourierAdapter<C = unknown, S extends BaseSettings = BaseSettings> {
  /** Registry id (`yalidine`, `ecotrack`, ... or `fake`). */
  abstract readonly id: string;
  /** Name used in error messages and the settings page ("Yalidine", "Guepex", "Anderson Delivery"). */
  abstract readonly displayName: string;
  abstract readonly capabilities: CourierCapabilities;
  /**
   * Every raw status this courier is known to send → canonical. Lives beside the adapter
   * (e.g. couriers/yalidine-status.ts). The contract suite checks every entry.
   */
  abstract readonly statusMap: Readonly<Record<string, CanonicalStatus>>;

  constructor(protected readonly init: AdapterInit<C, S>) {}

  /**
   * WHEN: the merchant saves credentials (PUT /couriers/:id) or presses "test" on the settings page.
   * FAILURE: `{ ok: false, message }` when the courier refuses the credentials (nothing else is
   * affected); throws a retryable ProviderError when the courier cannot be reached.
   */
  abstract testCredentials(): Promise<CredentialCheck>;

  /**
   * WHEN: the reference sync (syncCourierReference), on connect and on demand.
   * FAILURE: the sync job fails and retries; the previous mapping stays in use.
   */
  abstract listWilayas(): Promise<CourierWilaya[]>;

  /** WHEN/FAILURE: as `listWilayas`. No argument = every commune the courier serves. */
  abstract listCommunes(wilayaCode?: number): Promise<CourierCommune[]>;

  /** WHEN/FAILURE: as `listWilayas`. Returns [] for couriers without stop desks. */
  abstract listStopDesks(wilayaCode?: number): Promise<StopDesk[]>;

  /**
   * WHEN: the tariff sync (syncTariffs) and, as a fallback, quote_delivery when no tariff is stored.
   * FAILURE: the agent tells the customer the fee is not available right now; the merchant's own
   * overrides still work. Returns null when the courier does not serve that destination.
   */
  abstract quote(q: QuoteRequest): Promise<QuoteResult | null>;

  /**
   * WHEN: the tariff sync, for couriers with `capabilities.tariffGrid` (one call for every wilaya).
   * Others return null and the sync loops `quote`.
   */
  listTariffs(_q: { fromWilaya?: number }): Promise<TariffRow[] | null> {
    return Promise.resolve(null);
  }

  /**
   * WHEN: the shipment.book job, after `findByReference` found nothing for this order.
   * FAILURE: a non-retryable ProviderError is shown on the order (`shipment.error`) for the
   * merchant to fix (commune spelling, phone...) and retried by hand (POST /orders/:id/ship);
   * a retryable one is retried by the job queue with backoff.
   */
  abstract createShipment(input: ShipmentInput): Promise<ShipmentCreated>;

  /**
   * WHEN: bulk booking (several confirmed orders at once). Never throws for one bad parcel: each
   * input gets a result in input order. Throws only when the whole call failed (auth, network).
   * Default: loops `createShipment`; couriers with a bulk endpoint override it.
   */
  async createShipments(inputs: ShipmentInput[]): Promise<BulkCreateResult[]> {
    const out: BulkCreateResult[] = [];
    for (const input of inputs) {
      try {
        out.push({ orderRef: input.orderRef, ok: true, shipment: await this.createShipment(input) });
      } catch (err) {
        if (!(err instanceof ProviderError) || isWholeCallFailure(err)) throw err;
        out.push({ orderRef: input.orderRef, ok: false, error: err });
      }
    }
    return out;
  }

  /**
   * WHEN: right after create, for couriers with `capabilities.validateStep` (the parcel is a draft
   * invisible to the courier's logistics until then). After it, update/cancel are refused.
   * FAILURE: the shipment stays 'created' with the error shown; the job retries validate only.
   */
  validate?(tracking: string): Promise<void>;

  /**
   * WHEN: before every create (a retry after a timeout must find the first parcel, not book a
   * second one). Returns null when the courier has no parcel for this order reference.
   * FAILURE: throws; the booking job retries later rather than risk a duplicate parcel.
   */
  abstract findByReference(orderRef: string): Promise<FoundShipment | null>;

  /**
   * WHEN: the tracking poll (couriers without webhooks, and as a safety net for those with).
   * Batches up to `capabilities.maxBatch`; trackings the courier does not know are left out.
   * FAILURE: the poll retries later; stored statuses are unchanged.
   */
  abstract getStates(trackings: string[]): Promise<ShipmentState[]>;

  /** WHEN: the merchant opens a shipment's history. Oldest event first. FAILURE: shown as an error. */
  abstract getHistory(tracking: string): Promise<TrackingEvent[]>;

  /**
   * WHEN: the merchant edits a shipped order's address/amount before pickup (capabilities.update).
   * FAILURE: non-retryable ProviderError in words ("Yalidine only allows changes while the parcel
   * is 'En préparation'").
   */
  update?(tracking: string, patch: ShipmentUpdate): Promise<void>;

  /**
   * WHEN: the order is cancelled after booking. Resolves when the courier deleted/cancelled it.
   * FAILURE: non-retryable ProviderError in words when the courier refuses (already picked up or
   * validated): the merchant must call the courier; retryable on network trouble.
   */
  abstract cancel(tracking: string): Promise<void>;

  /**
   * WHEN: the merchant prints a label. `{kind:'html_url'}` (Yalidine) is a public page,
   * `{kind:'pdf'}` bytes are streamed through us (Ecotrack needs the token), `{kind:'url'}` may expire.
   * FAILURE: shown as an error; nothing else changes.
   */
  abstract getLabel(tracking: string): Promise<LabelRef>;

  /**
   * Raw courier status → canonical, keeping the raw value. Matching ignores case, accents and
   * surrounding spaces (tenants drift on those); anything unmapped is 'unknown'. Pure.
   */
  normalizeStatus(raw: string | number): NormalizedStatus {
    return normalizeWith(this.statusMap, raw);
  }
}

/** A failure of the whole call rather than of one parcel (auth, network, rate limit). */
function isWholeCallFailure(err: { retryable: boolean; providerStatus?: number }): boolean {
  return err.retryable || err.providerStatus === 401 || err.providerStatus === 403;
}

/** Lower-case, accents and apostrophe variants folded: for matching names and statuses, never for sending. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

const foldedMaps = new WeakMap<object, Map<string, CanonicalStatus>>();

export function normalizeWith(map: Readonly<Record<string, CanonicalStatus>>, raw: string | number): NormalizedStatus {
  const rawText = String(raw);
  const exact = map[rawText];
  if (exact) return { status: exact, raw: rawText };
  let folded = foldedMaps.get(map);
  if (!folded) {
    folded = new Map(Object.entries(map).map(([k, v]) => [foldText(k), v]));
    foldedMaps.set(map, folded);
  }
  return { status: folded.get(foldText(rawText)) ?? 'unknown', raw: rawText };
}

// ---------------------------------------------------------------------------------------------
// The definition (what the registry holds)
// ---------------------------------------------------------------------------------------------

/**
 * Static description + factory of one courier. The registry maps each `CourierId` to one of these.
 * `C`/`S` are inferred from the zod schemas, so `create` receives typed, validated input.
 */
export interface CourierDefinition<C = unknown, S extends BaseSettings = BaseSettings> {
  id: string;
  displayName: string;
  capabilities: CourierCapabilities;
  /**
   * Validates the merchant's credentials on PUT /couriers/:id; an issue names the field
   * (`credentials.api_token`). Must be an object schema with DESIGN.md's exact field names.
   */
  credentialsSchema: z.ZodType<C>;
  /** Validates settings: `baseSettingsSchema.extend({...})`. Applied with defaults when absent. */
  settingsSchema: z.ZodType<S>;
  /**
   * The base URL for one account: a setting when the courier is multi-tenant (Ecotrack base_url,
   * Yalidine host), else `configured` (COURIER_<ID>_BASE_URL via config.courierBaseUrls).
   * Throws invalid_input naming the setting when neither gives one. Ends with '/'.
   */
  baseUrl(settings: S, configured: string | undefined): string;
  webhook?: CourierWebhook;
  create(init: AdapterInit<C, S>): CourierAdapter<C, S>;
}

/** Any definition, for registries and services that handle couriers generically. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AdapterFactory = CourierDefinition<any, any>;

/** Identity helper that infers C and S from the schemas. */
export function defineCourier<C, S extends BaseSettings>(def: CourierDefinition<C, S>): CourierDefinition<C, S> {
  return def;
}

/** Makes sure a base URL ends with one '/', so relative paths resolve under it (axios joins, URL()). */
export function withTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '') + '/';
}
