import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { FAKE_GEO, FakeHttpServer, asciiName, fakePdf, json, type FakeRequest, type FakeResponse } from './fake-courier-kit';

/**
 * ZR Express's current platform (reference/couriers.md §3), as served under `<origin>/api/v1/`.
 * RFC 7807 problem details, territory UUIDs (wilaya "city" / commune "district"), customers
 * created before parcels, a create that answers only the parcel UUID, workflow states by slug,
 * SAS-style label URLs and Svix-signed webhooks.
 */
export interface ZrTerritory {
  id: string;
  code: string;
  name: string;
  nameArabic: string;
  postalCode: string | null;
  level: 'wilaya' | 'commune';
  parentId: string | null;
  delivery: { hasHomeDelivery: boolean; hasPickupPoint: boolean; canSend: boolean };
}

export interface ZrParcel {
  id: string;
  trackingNumber: string;
  externalId?: string;
  amount: number;
  description: string;
  deliveryType: 'home' | 'pickup-point';
  customer: { customerId: string; name: string; phone: { number1?: string; number2?: string } };
  deliveryAddress: { cityTerritoryId: string; districtTerritoryId: string; street?: string; city: string; district: string };
  hubId?: string;
  state: { id: string; name: string; description: string };
  history: { id: string; parcelId: string; newState: { name: string; description: string }; createdAt: string }[];
  createdAt: string;
}

/** Slug → French description, the default workflow's states as seen live ([ZR-CONF] BUG-5). */
export const ZR_DEFAULT_STATES: [string, string][] = [
  ['commande_recue', 'Commande reçue'],
  ['en_traitement', 'En traitement'],
  ['appel_confirmation', 'Appel de confirmation'],
  ['commande_confirmee', 'Commande confirmée'],
  ['en_preparation', 'En préparation'],
  ['pret_a_expedier', 'Prêt à expédier'],
  ['confirme_au_bureau', 'Confirmé au bureau'],
  ['confirme_chez_partenaire', 'Confirmé chez partenaire'],
  ['dispatch', 'Dispatch'],
  ['vers_wilaya', 'Vers wilaya'],
  ['en_livraison', 'En livraison'],
  ['livre', 'Livré'],
  ['encaisse', 'Encaissé'],
  ['recouvert', 'Recouvert'],
];

const DELETABLE = new Set(['commande_recue', 'en_traitement', 'appel_confirmation', 'commande_confirmee', 'en_preparation', 'pret_a_expedier']);

export interface ZrFakeOptions {
  apiKey?: string;
  tenantId?: string;
  /** Live behaviour is disputed (§3.2): by default a parcel starts in `commande_recue`. */
  initialState?: string;
}

export class ZrExpressFake {
  readonly apiKey: string;
  readonly tenantId: string;
  readonly webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  readonly territories: ZrTerritory[] = [];
  readonly hubs: { id: string; name: string; cityTerritoryId: string; districtTerritoryId: string; district: string; city: string }[] = [];
  readonly parcels = new Map<string, ZrParcel>();
  readonly customers = new Map<string, { id: string; name: string; phone: string }>();
  readonly workflowId = randomUUID();
  readonly states = ZR_DEFAULT_STATES.map(([name, description]) => ({ id: randomUUID(), name, description }));
  readonly http: FakeHttpServer;
  private readonly initialState: string;

  constructor(opts: ZrFakeOptions = {}) {
    this.apiKey = opts.apiKey ?? 'zr-test-key';
    this.tenantId = opts.tenantId ?? randomUUID();
    this.initialState = opts.initialState ?? 'commande_recue';
    for (const w of FAKE_GEO) {
      const wid = randomUUID();
      this.territories.push(territory(wid, String(w.code), asciiName(w.name), 'wilaya', null, true));
      for (const c of w.communes) {
        const cid = randomUUID();
        this.territories.push(territory(cid, `${w.code}${this.territories.length}`, asciiName(c.name), 'commune', wid, !!c.hasStopDesk));
        if (c.hasStopDesk) {
          this.hubs.push({ id: randomUUID(), name: `Agence ${asciiName(c.name)}`, cityTerritoryId: wid, districtTerritoryId: cid, district: asciiName(c.name), city: asciiName(w.name) });
        }
      }
    }
    this.http = new FakeHttpServer((req) => this.handle(req));
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }
  close() {
    return this.http.close();
  }
  /** What COURIER_ZR_EXPRESS_BASE_URL should be. */
  get baseUrl(): string {
    return `${this.http.url}/api/v1/`;
  }

  territoryFor(wilaya: number, commune?: string): ZrTerritory | undefined {
    const w = this.territories.find((t) => t.level === 'wilaya' && t.code === String(wilaya));
    if (!w || commune === undefined) return w;
    return this.territories.find((t) => t.parentId === w.id && t.name === asciiName(commune));
  }

  findParcel(ref: string): ZrParcel | undefined {
    return this.parcels.get(ref) ?? [...this.parcels.values()].find((p) => p.trackingNumber === ref || p.externalId === ref);
  }

  /** Moves a parcel through the workflow as ZR's hubs would. */
  setState(ref: string, slug: string): ZrParcel {
    const p = this.findParcel(ref);
    if (!p) throw new Error(`no ZR parcel ${ref}`);
    const s = this.states.find((x) => x.name === slug) ?? { id: randomUUID(), name: slug, description: slug };
    p.state = s;
    p.history.push({ id: randomUUID(), parcelId: p.id, newState: { name: s.name, description: s.description }, createdAt: new Date().toISOString() });
    return p;
  }

  /** A webhook delivery as Svix would send it, signed with this fake's secret. */
  webhook(
    ref: string,
    eventType = 'parcel.state.updated',
    opts: { id?: string; timestamp?: number; secret?: string } = {},
  ): { headers: Record<string, string>; body: Buffer } {
    const p = this.findParcel(ref);
    if (!p) throw new Error(`no ZR parcel ${ref}`);
    const payload = {
      eventType,
      occurredAt: new Date().toISOString(),
      data: { id: p.id, trackingNumber: p.trackingNumber, externalId: p.externalId, state: { name: p.state.name, description: p.state.description } },
    };
    return signSvix(Buffer.from(JSON.stringify(payload)), opts.secret ?? this.webhookSecret, opts.id ?? `msg_${randomUUID()}`, opts.timestamp);
  }

  private handle(req: FakeRequest): FakeResponse {
    if (req.path.startsWith('/blob/labels/')) {
      const tn = decodeURIComponent(req.path.slice('/blob/labels/'.length).replace(/\.pdf$/, ''));
      return { status: 200, body: fakePdf(`ZR label ${tn}`), headers: { 'Content-Type': 'application/pdf' } };
    }
    if (!req.path.startsWith('/api/v1/')) return problem(404, 'Not Found');
    if (req.headers['x-api-key'] !== this.apiKey || req.headers['x-tenant'] !== this.tenantId) {
      return problem(401, 'Unauthorized', 'Invalid API key or tenant');
    }
    const path = req.path.slice('/api/v1/'.length).replace(/\/+$/, '');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const m = (re: RegExp) => path.match(re);
    let g: RegExpMatchArray | null;

    if (req.method === 'GET' && path === 'users/profile') return json(200, { id: randomUUID(), email: 'merchant@example.dz', tenantId: this.tenantId });
    if (req.method === 'POST' && path === 'territories/search') return this.searchTerritories(body);
    if (req.method === 'POST' && path === 'hubs/search') return json(200, paged(this.hubs.map((h) => this.hubDto(h)), body));
    if (req.method === 'GET' && path === 'delivery-pricing/rates') return json(200, this.rates());
    if (req.method === 'POST' && path === 'workflows/search') {
      return json(200, paged([{ id: this.workflowId, name: 'Default', isDefault: true, states: this.states }], body));
    }
    if (req.method === 'POST' && path === 'customers/individual') return this.createCustomer(body);
    if (req.method === 'POST' && path === 'customers/search') {
      const kw = String(body.keyword ?? '');
      const items = [...this.customers.values()].filter((c) => !kw || c.phone === kw || c.name.includes(kw));
      return json(200, paged(items.map((c) => ({ id: c.id, name: c.name, phone: { number1: c.phone } })), body));
    }
    if (req.method === 'POST' && path === 'parcels') return this.createParcel(body);
    if (req.method === 'POST' && path === 'parcels/search') return this.searchParcels(body);
    if (req.method === 'POST' && path === 'parcels/labels/individual/pdf') return this.labels(body);
    if ((g = m(/^parcels\/([^/]+)\/state-history$/)) && req.method === 'GET') {
      const p = this.parcels.get(g[1]!); // UUID only, as live ([ZR-CONF])
      if (!p) return problem(404, 'Not Found', 'Parcel not found');
      return json(200, p.history);
    }
    if ((g = m(/^parcels\/([^/]+)\/state$/)) && req.method === 'PATCH') {
      const p = this.parcels.get(g[1]!);
      if (!p) return problem(404, 'Not Found', 'Parcel not found');
      const s = this.states.find((x) => x.id === body.stateId);
      if (!s) return problem(400, 'Validation Error', 'One or more validation errors occurred.', [{ code: 'Workflow.StateNotFound', description: 'State not found' }]);
      this.setState(p.id, s.name);
      return json(200, { parcelId: p.id, newStateId: s.id, newStateName: s.name, trackingNumber: p.trackingNumber });
    }
    if ((g = m(/^parcels\/([^/]+)$/))) {
      const p = this.findParcelByIdOrTracking(g[1]!);
      if (!p) return problem(404, 'Not Found', 'Parcel not found');
      if (req.method === 'GET') return json(200, parcelDto(p));
      if (req.method === 'DELETE') {
        if (!DELETABLE.has(p.state.name)) return problem(409, 'Conflict', `Parcel ${p.trackingNumber} can no longer be deleted (state ${p.state.description})`);
        this.parcels.delete(p.id);
        return { status: 204 };
      }
    }
    return problem(405, 'Method Not Allowed');
  }

  private findParcelByIdOrTracking(ref: string) {
    return this.parcels.get(ref) ?? [...this.parcels.values()].find((p) => p.trackingNumber === ref);
  }

  private searchTerritories(body: Record<string, unknown>): FakeResponse {
    const size = Number(body.pageSize ?? 10);
    if (!(size >= 1 && size <= 1000)) return problem(400, 'Validation Error', 'One or more validation errors occurred.', [{ code: 'PageSize', description: 'PageSize must be between 1 and 1000' }]);
    const kw = typeof body.keyword === 'string' ? body.keyword.toLowerCase() : '';
    const items = this.territories.filter((t) => !kw || t.name.toLowerCase().includes(kw));
    return json(200, paged(items, body));
  }

  private hubDto(h: ZrExpressFake['hubs'][number]) {
    return {
      id: h.id,
      name: h.name,
      type: 'sorting-center-hub',
      isPickupPoint: true,
      isVisible: true,
      address: { city: h.city, cityTerritoryId: h.cityTerritoryId, district: h.district, districtTerritoryId: h.districtTerritoryId, street: 'Rue principale', postalCode: null },
      phones: ['0550000000'],
      coordinates: null,
    };
  }

  /** Wilaya-level rows for every wilaya, plus one commune-specific row (rows mix levels, [CDZ-JS]). */
  private rates() {
    const rates = this.territories
      .filter((t) => t.level === 'wilaya')
      .map((t) => ({
        toTerritoryId: t.id,
        toTerritoryCode: t.code,
        toTerritoryName: t.name,
        toTerritoryNameArabic: t.nameArabic,
        toTerritoryLevel: 'wilaya',
        deliveryPrices: [price('home', 400 + Number(t.code) * 10), price('pickup-point', 250 + Number(t.code) * 5)],
      }));
    const special = this.territoryFor(16, 'Bab Ezzouar')!;
    rates.push({
      toTerritoryId: special.id,
      toTerritoryCode: special.code,
      toTerritoryName: special.name,
      toTerritoryNameArabic: special.nameArabic,
      toTerritoryLevel: 'commune',
      deliveryPrices: [price('home', 350, true)],
    });
    return { rates, appliedDiscounts: [] };
  }

  private createCustomer(body: Record<string, unknown>): FakeResponse {
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const phone = String((body.phone as Record<string, unknown> | undefined)?.number1 ?? '');
    const errors = [];
    if (!name) errors.push({ code: 'Name', description: 'Name is required' });
    if (!/^\+213[5-7]\d{8}$|^\+213[2-4]\d{7}$/.test(phone)) errors.push({ code: 'Phone', description: 'Phone number1 is invalid' });
    if (errors.length) return problem(400, 'Validation Error', 'One or more validation errors occurred.', errors);
    if ([...this.customers.values()].some((c) => c.phone === phone)) return problem(409, 'Conflict', 'Customer already exists');
    const id = randomUUID();
    this.customers.set(id, { id, name, phone });
    return json(201, { id });
  }

  private createParcel(body: Record<string, unknown>): FakeResponse {
    const errors: { code: string; description: string }[] = [];
    const customer = (body.customer ?? {}) as Record<string, unknown>;
    const addr = (body.deliveryAddress ?? {}) as Record<string, unknown>;
    const deliveryType = body.deliveryType;
    if (!customer.customerId) errors.push({ code: 'CustomerId', description: 'CustomerId is required' });
    if (!customer.name) errors.push({ code: 'Name', description: 'Name is required' });
    if (!body.description) errors.push({ code: 'Description', description: 'Description is required' });
    if (!addr.cityTerritoryId) errors.push({ code: 'CityTerritoryId', description: 'CityTerritoryId is required' });
    if (!addr.districtTerritoryId) errors.push({ code: 'DistrictTerritoryId', description: 'DistrictTerritoryId is required' });
    if (deliveryType !== 'home' && deliveryType !== 'pickup-point') errors.push({ code: 'DeliveryType', description: 'DeliveryType must be home or pickup-point' });
    if (typeof body.amount !== 'number' || body.amount < 0) errors.push({ code: 'Amount', description: 'Amount must be a positive number' });
    if (deliveryType === 'pickup-point' && !body.hubId) errors.push({ code: 'HubId', description: 'HubId is required' });
    if (errors.length) return problem(400, 'Validation Error', 'One or more validation errors occurred.', errors);

    const city = this.territories.find((t) => t.id === addr.cityTerritoryId && t.level === 'wilaya');
    const district = this.territories.find((t) => t.id === addr.districtTerritoryId && t.level === 'commune');
    if (!city) return problem(400, 'Validation Error', 'One or more validation errors occurred.', [{ code: 'Territory.NotFound', description: 'City territory not found' }]);
    if (!district || district.parentId !== city.id) {
      return problem(400, 'Validation Error', 'One or more validation errors occurred.', [{ code: 'Territory.InvalidDistrict', description: 'District territory does not belong to the city territory' }]);
    }
    if (deliveryType === 'pickup-point' && !this.hubs.some((h) => h.id === body.hubId)) {
      return problem(404, 'Not Found', 'Hub not found', [{ code: 'HubErrors.HubNotFound', description: 'Hub not found' }]);
    }
    const c = this.customers.get(String(customer.customerId));
    if (!c) return problem(404, 'Not Found', 'Customer not found');

    const id = randomUUID();
    const stateSlug = body.stateId ? this.states.find((s) => s.id === body.stateId)?.name : this.initialState;
    if (!stateSlug) return problem(400, 'Validation Error', 'One or more validation errors occurred.', [{ code: 'StateId', description: 'State not found' }]);
    const rnd = randomBytes(8).toString('hex').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 10);
    const parcel: ZrParcel = {
      id,
      trackingNumber: `${city.code}-${rnd}-ZR`,
      externalId: typeof body.externalId === 'string' ? body.externalId : undefined,
      amount: body.amount as number,
      description: String(body.description),
      deliveryType: deliveryType as ZrParcel['deliveryType'],
      customer: { customerId: c.id, name: String(customer.name), phone: (customer.phone ?? {}) as ZrParcel['customer']['phone'] },
      deliveryAddress: { cityTerritoryId: city.id, districtTerritoryId: district.id, street: addr.street as string | undefined, city: city.name, district: district.name },
      hubId: body.hubId as string | undefined,
      state: this.states[0]!,
      history: [],
      createdAt: new Date().toISOString(),
    };
    this.parcels.set(id, parcel);
    this.setState(id, stateSlug);
    return json(201, { id });
  }

  private searchParcels(body: Record<string, unknown>): FakeResponse {
    const f = body.advancedFilter as { field?: string; operator?: string; value?: unknown } | undefined;
    const kw = typeof body.keyword === 'string' ? body.keyword : undefined;
    const items = [...this.parcels.values()].filter((p) => {
      if (f?.field) {
        const v = (p as unknown as Record<string, unknown>)[f.field];
        if (v !== f.value) return false;
      }
      if (kw && p.trackingNumber !== kw && p.externalId !== kw) return false;
      return true;
    });
    return json(200, paged(items.map(parcelDto), body));
  }

  private labels(body: Record<string, unknown>): FakeResponse {
    const tns = Array.isArray(body.trackingNumbers) ? (body.trackingNumbers as string[]) : [];
    if (!tns.length || tns.length > 100) return problem(400, 'Validation Error', 'One or more validation errors occurred.', [{ code: 'TrackingNumbers', description: 'Between 1 and 100 tracking numbers' }]);
    const known = tns.filter((t) => [...this.parcels.values()].some((p) => p.trackingNumber === t));
    const expires = new Date(Date.now() + 65 * 60_000).toISOString();
    return json(200, {
      parcelLabelFiles: known.map((t) => ({ trackingNumber: t, fileUrl: `${this.http.url}/blob/labels/${encodeURIComponent(t)}.pdf?sv=2024-05-04&se=${encodeURIComponent(expires)}&sig=fake` })),
      failedTrackingNumbers: tns.filter((t) => !known.includes(t)),
    });
  }
}

function territory(id: string, code: string, name: string, level: 'wilaya' | 'commune', parentId: string | null, pickup: boolean): ZrTerritory {
  return { id, code, name, nameArabic: '', postalCode: null, level, parentId, delivery: { hasHomeDelivery: true, hasPickupPoint: pickup, canSend: true } };
}

function price(deliveryType: string, p: number, isSpecificPrice = false) {
  return { deliveryType, price: p, discountedPrice: p, priceTtc: Math.round(p * 1.19), discountedPriceTtc: Math.round(p * 1.19), vatRate: 19, isSpecificPrice };
}

function paged<T>(all: T[], body: Record<string, unknown>) {
  const pageNumber = Math.max(1, Number(body.pageNumber ?? 1));
  const pageSize = Math.min(1000, Math.max(1, Number(body.pageSize ?? 10)));
  const items = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const totalPages = Math.max(1, Math.ceil(all.length / pageSize));
  return { items, pageNumber, pageSize, totalPages, totalCount: all.length, hasNext: pageNumber < totalPages };
}

function parcelDto(p: ZrParcel) {
  const { history: _h, ...rest } = p;
  return { ...rest, lastStateUpdateAt: p.history.at(-1)?.createdAt };
}

function problem(status: number, title: string, detail?: string, errors?: { code: string; description: string }[]): FakeResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: { type: `https://tools.ietf.org/html/rfc9110#section-15.${status >= 500 ? 6 : 5}`, title, status, detail, instance: null, ...(errors ? { errors } : {}) },
  };
}

/** Svix signing: v1,<base64 HMAC-SHA256("id.timestamp.body")> keyed by the base64 after `whsec_`. */
export function signSvix(body: Buffer, secret: string, id: string, timestamp = Math.floor(Date.now() / 1000)) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const sig = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return {
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': `v1,${sig}` },
    body,
  };
}

export async function startZrExpressFake(opts: ZrFakeOptions = {}): Promise<ZrExpressFake> {
  return new ZrExpressFake(opts).start();
}
