import { startFakeServer, ok, type FakeRequest, type FakeResponse, type FakeServer } from './fake-http';

/**
 * A Yalidine-engine API (reference/couriers.md §2) on 127.0.0.1, keeping parcels by order_id.
 * Validates like the real one: X-API-ID/X-API-TOKEN (401 otherwise), wilaya and commune names
 * byte-for-byte as its own lists spell them, stop desks by center id, per-parcel results keyed by
 * order_id (partial success). Serve it under /v1/ like the real host.
 */
export const YALIDINE_FAKE_WILAYAS = [
  { id: 5, name: 'Batna', zone: 2, is_deliverable: 1 },
  { id: 6, name: 'Béjaïa', zone: 2, is_deliverable: 1 },
  { id: 16, name: 'Alger', zone: 1, is_deliverable: 1 },
  { id: 31, name: 'Oran', zone: 2, is_deliverable: 1 },
];
// Yalidine's spellings on purpose: "Bir Mourad Rais" (official "Bir Mourad Raïs"), "Béjaïa" ("Béjaia").
export const YALIDINE_FAKE_COMMUNES = [
  { id: 501, name: 'Batna', wilaya_id: 5, has_stop_desk: 1, is_deliverable: 1, delivery_time_parcel: 3 },
  { id: 542, name: 'Barika', wilaya_id: 5, has_stop_desk: 0, is_deliverable: 1, delivery_time_parcel: 4 },
  { id: 601, name: 'Béjaïa', wilaya_id: 6, has_stop_desk: 1, is_deliverable: 1, delivery_time_parcel: 2 },
  { id: 1601, name: 'Alger Centre', wilaya_id: 16, has_stop_desk: 1, is_deliverable: 1, delivery_time_parcel: 1 },
  { id: 1605, name: 'Bab El Oued', wilaya_id: 16, has_stop_desk: 0, is_deliverable: 1, delivery_time_parcel: 1 },
  { id: 1609, name: 'Bir Mourad Rais', wilaya_id: 16, has_stop_desk: 0, is_deliverable: 1, delivery_time_parcel: 1 },
  { id: 1630, name: 'Bordj El Kiffan', wilaya_id: 16, has_stop_desk: 1, is_deliverable: 1, delivery_time_parcel: 1 },
  { id: 3101, name: 'Oran', wilaya_id: 31, has_stop_desk: 1, is_deliverable: 1, delivery_time_parcel: 2 },
];
export const YALIDINE_FAKE_CENTERS = [
  { center_id: 163001, name: 'Agence Alger Centre', address: '1 rue Didouche', gps: '36.77,3.05', commune_id: 1601, commune_name: 'Alger Centre', wilaya_id: 16, wilaya_name: 'Alger' },
  { center_id: 163002, name: 'Agence Bordj El Kiffan', address: 'Cité 200', gps: '36.75,3.19', commune_id: 1630, commune_name: 'Bordj El Kiffan', wilaya_id: 16, wilaya_name: 'Alger' },
  { center_id: 313001, name: 'Agence Oran', address: 'Bd Emir', gps: '35.69,-0.63', commune_id: 3101, commune_name: 'Oran', wilaya_id: 31, wilaya_name: 'Oran' },
];

export interface YalidineParcel {
  tracking: string;
  order_id: string;
  body: Record<string, unknown>;
  history: Array<{ status: string; date_status: string; reason: string | null }>;
}

export interface FakeYalidine extends FakeServer {
  /** Base URL to give the adapter (…/v1/). */
  baseUrl: string;
  parcels: Map<string, YalidineParcel>;
  /** Trackings actually deleted by DELETE, in order (a refused or repeated delete adds nothing). */
  deleted: string[];
  /**
   * Awaited after a parcel is created and before the create is answered: lets a test act while the
   * client waits (cancel the order mid-booking, move the parcel on so it cannot be deleted).
   */
  onCreate?: (parcel: YalidineParcel) => Promise<void> | void;
  setStatus(tracking: string, status: string, reason?: string): void;
}

// A clock that moves a minute per event, so history order is unambiguous (Algiers local time text).
let clock = Date.UTC(2026, 10, 23, 8, 0, 0);
const now = () => new Date((clock += 60_000)).toISOString().slice(0, 19).replace('T', ' ');
const page = (data: unknown[], q: URLSearchParams) => {
  const size = Math.min(Number(q.get('page_size') ?? 100), 1000);
  const p = Number(q.get('page') ?? 1);
  const slice = data.slice((p - 1) * size, p * size);
  return { has_more: p * size < data.length, total_data: data.length, data: slice, links: {} };
};

const REQUIRED = ['order_id', 'from_wilaya_name', 'firstname', 'familyname', 'contact_phone', 'address', 'to_commune_name', 'to_wilaya_name', 'product_list', 'price', 'do_insurance', 'declared_value', 'freeshipping', 'is_stopdesk', 'has_exchange'];

export async function startFakeYalidine(creds: { apiId: string; apiToken: string }): Promise<FakeYalidine> {
  const parcels = new Map<string, YalidineParcel>();
  const deleted: string[] = [];
  const self: { fake?: FakeYalidine } = {}; // the returned object: its onCreate is read per request
  let seq = 0;
  const byTracking = (t: string) => [...parcels.values()].find((p) => p.tracking === t);
  const lastStatus = (p: YalidineParcel) => p.history[p.history.length - 1]!;
  const view = (p: YalidineParcel) => ({
    tracking: p.tracking,
    order_id: p.order_id,
    firstname: 'M*****d', // GET responses are masked (§2.1)
    to_wilaya_name: p.body.to_wilaya_name,
    to_commune_name: p.body.to_commune_name,
    price: p.body.price,
    last_status: lastStatus(p).status,
    date_last_status: lastStatus(p).date_status,
    label: `https://yalidine.invalid/app/bordereau.php?tracking=${p.tracking}&token=t`,
  });

  function createOne(b: Record<string, unknown>) {
    const orderId = String(b.order_id ?? '');
    const fail = (message: string) => ({ success: false, order_id: orderId, tracking: null, import_id: null, label: null, labels: null, message });
    const missing = REQUIRED.find((k) => b[k] === undefined || b[k] === null || b[k] === '');
    if (missing) return fail(`The ${missing} field is required`);
    for (const k of ['do_insurance', 'freeshipping', 'is_stopdesk', 'has_exchange']) if (typeof b[k] !== 'boolean') return fail(`The ${k} parameter must be of type boolean`);
    if (!YALIDINE_FAKE_WILAYAS.some((w) => w.name === b.from_wilaya_name)) return fail(`The from_wilaya_name '${b.from_wilaya_name}' is not valid`);
    const w = YALIDINE_FAKE_WILAYAS.find((x) => x.name === b.to_wilaya_name);
    if (!w) return fail(`The to_wilaya_name '${b.to_wilaya_name}' is not valid`);
    if (!YALIDINE_FAKE_COMMUNES.some((c) => c.wilaya_id === w.id && c.name === b.to_commune_name)) return fail(`The to_commune_name '${b.to_commune_name}' does not belong to the wilaya`);
    if (!/^0\d{8,9}(,0\d{8,9})*$/.test(String(b.contact_phone))) return fail('The contact_phone format is invalid');
    if (!Number.isInteger(b.price) || (b.price as number) < 0 || (b.price as number) > 150000) return fail('The price must be an integer between 0 and 150000');
    if (b.is_stopdesk && !YALIDINE_FAKE_CENTERS.some((c) => String(c.center_id) === String(b.stopdesk_id) && c.wilaya_id === w.id)) return fail('The stopdesk_id is not valid');
    if (parcels.has(orderId)) return fail(`The order_id ${orderId} already exists`);
    seq += 1;
    const tracking = `yal-${String(seq).padStart(6, '0')}`;
    parcels.set(orderId, { tracking, order_id: orderId, body: b, history: [{ status: 'En préparation', date_status: now(), reason: null }] });
    return { success: true, order_id: orderId, tracking, import_id: 1, label: `https://yalidine.invalid/app/bordereau.php?tracking=${tracking}&token=t`, labels: null, message: '' };
  }

  /** DELETE: only while 'En préparation'; otherwise (or unknown, or already deleted) `deleted: false` (§2.6). */
  function deleteOne(tracking: string) {
    const parcel = byTracking(tracking);
    const ok = !!parcel && lastStatus(parcel).status === 'En préparation';
    if (ok) {
      parcels.delete(parcel!.order_id);
      deleted.push(tracking);
    }
    return { tracking, deleted: ok };
  }

  async function route(r: FakeRequest): Promise<FakeResponse> {
    if (r.headers['x-api-id'] !== creds.apiId || r.headers['x-api-token'] !== creds.apiToken) {
      return { status: 401, json: { error: { code: 401, message: 'Unauthorized: invalid API credentials' } } };
    }
    const p = r.path.replace(/^\/v1\//, '/').replace(/\/+$/, '/');
    const q = r.query;
    if (r.method === 'GET' && p === '/wilayas/') return ok(page(YALIDINE_FAKE_WILAYAS, q));
    if (r.method === 'GET' && p === '/communes/') {
      const w = q.get('wilaya_id');
      return ok(page(YALIDINE_FAKE_COMMUNES.filter((c) => !w || w.split(',').includes(String(c.wilaya_id))), q));
    }
    if (r.method === 'GET' && p === '/centers/') {
      const w = q.get('wilaya_id');
      return ok(page(YALIDINE_FAKE_CENTERS.filter((c) => !w || w.split(',').includes(String(c.wilaya_id))), q));
    }
    if (r.method === 'GET' && p === '/fees/') {
      const from = Number(q.get('from_wilaya_id'));
      const to = Number(q.get('to_wilaya_id'));
      const fw = YALIDINE_FAKE_WILAYAS.find((w) => w.id === from);
      const tw = YALIDINE_FAKE_WILAYAS.find((w) => w.id === to);
      if (!fw || !tw) return { status: 404, json: { error: { message: 'wilaya not found' } } };
      const base = from === to ? 400 : 600 + 50 * Math.abs(from - to);
      const per_commune = Object.fromEntries(
        YALIDINE_FAKE_COMMUNES.filter((c) => c.wilaya_id === to).map((c, i) => [
          String(c.id),
          { commune_id: c.id, commune_name: c.name, express_home: base + 50 * i, express_desk: c.has_stop_desk ? base - 100 : null, economic_home: null, economic_desk: null },
        ]),
      );
      return ok({ from_wilaya_name: fw.name, to_wilaya_name: tw.name, zone: tw.zone, retour_fee: 250, cod_percentage: 0.75, insurance_percentage: 0.75, oversize_fee: 100, per_commune });
    }
    if (r.method === 'POST' && p === '/parcels/') {
      if (!Array.isArray(r.body)) return { status: 400, json: { error: { message: 'The body must be an array of parcels' } } };
      const out: Record<string, { success: boolean; order_id: string }> = {};
      for (const b of r.body as Array<Record<string, unknown>>) out[String(b.order_id)] = createOne(b);
      for (const res of Object.values(out)) if (res.success) await self.fake?.onCreate?.(parcels.get(res.order_id)!);
      return ok(out);
    }
    if (r.method === 'GET' && p === '/parcels/') {
      let rows = [...parcels.values()];
      const oid = q.get('order_id');
      const tr = q.get('tracking');
      if (oid) rows = rows.filter((x) => oid.split(',').includes(x.order_id));
      if (tr) rows = rows.filter((x) => tr.split(',').includes(x.tracking));
      return ok(page(rows.map(view), q));
    }
    if (r.method === 'DELETE' && p === '/parcels/') return ok((q.get('tracking') ?? '').split(',').filter(Boolean).map(deleteOne));
    const one = p.match(/^\/parcels\/([^/]+)\/?$/);
    if (one) {
      const parcel = byTracking(decodeURIComponent(one[1]!));
      if (r.method === 'GET') return parcel ? ok(page([view(parcel)], q)) : { status: 404, json: { error: { message: 'Parcel not found' } } };
      if (r.method === 'DELETE') return ok([deleteOne(decodeURIComponent(one[1]!))]);
      if (r.method === 'PATCH') {
        if (!parcel) return { status: 404, json: { error: { message: 'Parcel not found' } } };
        if (lastStatus(parcel).status !== 'En préparation') return { status: 400, json: { error: { message: 'The parcel can no longer be edited' } } };
        Object.assign(parcel.body, r.body as object);
        return ok(view(parcel));
      }
    }
    if (r.method === 'GET' && p === '/histories/') {
      const tr = (q.get('tracking') ?? '').split(',');
      const rows = [...parcels.values()]
        .filter((x) => tr.includes(x.tracking))
        .flatMap((x) => x.history.map((h) => ({ tracking: x.tracking, status: h.status, reason: h.reason, date_status: h.date_status, center_name: 'Centre Alger', wilaya_name: 'Alger' })))
        .reverse(); // newest first, like the real API
      return ok(page(rows, q));
    }
    return { status: 404, json: { error: { message: `no route ${r.method} ${r.path}` } } };
  }

  const server = await startFakeServer(route);
  const fake: FakeYalidine = Object.assign(server, {
    baseUrl: `${server.url}v1/`,
    parcels,
    deleted,
    setStatus(tracking: string, status: string, reason?: string) {
      const parcel = byTracking(tracking);
      if (!parcel) throw new Error(`no parcel ${tracking}`);
      parcel.history.push({ status, date_status: now(), reason: reason ?? null });
    },
  });
  self.fake = fake;
  return fake;
}
