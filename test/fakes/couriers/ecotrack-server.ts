import { MINIMAL_PDF, ok, startFakeServer, type FakeRequest, type FakeResponse, type FakeServer } from './fake-http';

/**
 * An Ecotrack tenant (reference/couriers.md §7) on 127.0.0.1, under /api/v1/. Bearer token (401
 * otherwise), query-string single-order endpoints, 422 Laravel bags, HTTP 200 business errors
 * (10001 locked, 10002 wilaya not served), orders kept by reference, drafts until valid/order,
 * label as raw PDF bytes.
 */
export const ECOTRACK_FAKE_WILAYAS = [
  { wilaya_id: 16, wilaya_name: 'Alger' },
  { wilaya_id: 31, wilaya_name: 'Oran' },
  { wilaya_id: 5, wilaya_name: 'Batna' },
];
// Tenant spellings: "Bir Mourad Rais", no accents.
export const ECOTRACK_FAKE_COMMUNES = [
  { nom: 'Alger Centre', wilaya_id: 16, code_postal: '1601', has_stop_desk: 1 },
  { nom: 'Bab El Oued', wilaya_id: 16, code_postal: '1605', has_stop_desk: 0 },
  { nom: 'Bir Mourad Rais', wilaya_id: 16, code_postal: '1609', has_stop_desk: 0 },
  { nom: 'Oran', wilaya_id: 31, code_postal: '3101', has_stop_desk: 1 },
  { nom: 'Batna', wilaya_id: 5, code_postal: '501', has_stop_desk: 0 },
];

export interface EcotrackOrder {
  tracking: string;
  reference?: string;
  params: Record<string, string>;
  status: string; // order enum
  activity: Array<{ status: string; date: string; time: string }>;
}

export interface FakeEcotrack extends FakeServer {
  baseUrl: string;
  orders: Map<string, EcotrackOrder>; // by tracking
  setStatus(tracking: string, orderStatus: string, activity?: string): void;
}

const REQUIRED = ['nom_client', 'telephone', 'adresse', 'commune', 'code_wilaya', 'montant', 'type'];
let clock = Date.UTC(2026, 10, 23, 8, 0, 0);
const stamp = () => {
  const d = new Date((clock += 60_000)).toISOString();
  return { date: d.slice(0, 10), time: d.slice(11, 19) };
};

export async function startFakeEcotrack(token: string): Promise<FakeEcotrack> {
  const orders = new Map<string, EcotrackOrder>();
  let seq = 0;

  function create(p: Record<string, string>): { status: number; json: Record<string, unknown> } {
    const errors: Record<string, string[]> = {};
    for (const k of REQUIRED) if (!p[k]) errors[k] = [`Le champ ${k} est obligatoire.`];
    if (p.telephone && !/^\d{9,10}$/.test(p.telephone)) errors.telephone = ['Le champ telephone doit contenir entre 9 et 10 chiffres.'];
    const w = Number(p.code_wilaya);
    if (p.code_wilaya && !(w >= 1 && w <= 58)) errors.code_wilaya = ['Le champ code wilaya doit être entre 1 et 58.'];
    if (Object.keys(errors).length) return { status: 422, json: { message: 'The given data was invalid.', errors } };
    if (!ECOTRACK_FAKE_WILAYAS.some((x) => x.wilaya_id === w)) return { status: 200, json: { success: false, error: 10002, message: 'Pas de livraison pour la wilaya sélectionnée' } };
    if (!ECOTRACK_FAKE_COMMUNES.some((c) => c.wilaya_id === w && c.nom === p.commune)) {
      return { status: 422, json: { message: 'The given data was invalid.', errors: { commune: ['La commune sélectionnée est invalide.'] } } };
    }
    if (p.stop_desk === '1' && !ECOTRACK_FAKE_COMMUNES.some((c) => c.code_postal === p.code_postal && c.has_stop_desk === 1)) {
      return { status: 422, json: { message: 'The given data was invalid.', errors: { code_postal: ['Le code postal sélectionné est invalide.'] } } };
    }
    seq += 1;
    const tracking = `ECFAKE${String(seq).padStart(10, '0')}`;
    orders.set(tracking, { tracking, reference: p.reference, params: p, status: 'en_preparation', activity: [] });
    return { status: 200, json: { success: true, tracking } };
  }

  const str = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));

  function route(r: FakeRequest): FakeResponse {
    const p = r.path.replace(/^\/api\/v1\//, '');
    const q = Object.fromEntries(r.query.entries());
    if (p === 'get/orders/status' ? q.api_token !== token : r.headers.authorization !== `Bearer ${token}`) {
      if (p === 'validate/token') return ok({ success: false, message: 'INVALID_TOKEN' });
      return { status: 401, json: { message: 'Unauthenticated.' } };
    }
    if (p === 'validate/token') return ok({ success: true, message: 'VALID_TOKEN' });
    if (p === 'get/wilayas') return ok(ECOTRACK_FAKE_WILAYAS);
    if (p === 'get/communes') {
      const rows = ECOTRACK_FAKE_COMMUNES.filter((c) => !q.wilaya_id || c.wilaya_id === Number(q.wilaya_id));
      return ok(Object.fromEntries(rows.map((c, i) => [String(i), c])));
    }
    if (p === 'get/fees') {
      return ok({
        livraison: ECOTRACK_FAKE_WILAYAS.map((w) => ({ wilaya_id: w.wilaya_id, tarif: String(w.wilaya_id === 16 ? 400 : 700), tarif_stopdesk: String(w.wilaya_id === 16 ? 300 : 500) })),
        retour: ECOTRACK_FAKE_WILAYAS.map((w) => ({ wilaya_id: w.wilaya_id, tarif: '200', tarif_stopdesk: '200' })),
      });
    }
    if (r.method === 'POST' && p === 'create/order') {
      const res = create(q);
      return { status: res.status, json: res.json };
    }
    if (r.method === 'POST' && p === 'create/orders') {
      const body = r.body as { orders?: Record<string, Record<string, unknown>> };
      const results: Record<string, unknown> = {};
      for (const [i, o] of Object.entries(body?.orders ?? {})) {
        const res = create(str(o));
        results[String(o.reference ?? i)] = res.status === 422 ? (res.json.errors as object) : res.json;
      }
      return ok({ results });
    }
    const order = q.tracking ? orders.get(q.tracking) : undefined;
    if (r.method === 'POST' && p === 'valid/order') {
      if (!order) return { status: 422, json: { message: 'The given data was invalid.', errors: { tracking: ['Le tracking sélectionné est invalide.'] } } };
      order.status = 'prete_a_expedier';
      order.activity.push({ status: 'order_information_received_by_carrier', ...stamp() });
      return ok({ success: true, message: 'Commande expedier avec succès' });
    }
    if (r.method === 'POST' && p === 'update/order') {
      if (!order) return { status: 422, json: { message: 'The given data was invalid.', errors: { tracking: ['Le tracking sélectionné est invalide.'] } } };
      if (order.status !== 'en_preparation') return ok({ success: false, error: 10001, message: 'Commande non modifiable' });
      Object.assign(order.params, q);
      return ok({ success: true, message: 'Commande modifiée avec succès' });
    }
    if (r.method === 'DELETE' && p === 'delete/order') {
      if (!order) return { status: 422, json: { message: 'The given data was invalid.', errors: { tracking: ['Le tracking sélectionné est invalide.'] } } };
      if (order.status !== 'en_preparation') return ok({ success: false, error: 10001, message: 'Commande non modifiable' });
      orders.delete(order.tracking);
      return ok({ success: true, message: 'Commande supprimée' });
    }
    if (p === 'get/order/label') {
      if (!order) return { status: 422, json: { message: 'The given data was invalid.', errors: { tracking: ['Le tracking sélectionné est invalide.'] } } };
      return { status: 200, bytes: MINIMAL_PDF, contentType: 'application/pdf' };
    }
    if (p === 'get/orders') {
      const all = [...orders.values()].reverse().map((o) => ({ tracking: o.tracking, reference: o.reference ?? null, status: o.status, commune: o.params.commune, wilaya_id: Number(o.params.code_wilaya), montant: o.params.montant }));
      const pageNo = Number(q.page ?? 1);
      return ok({ current_page: pageNo, data: all.slice((pageNo - 1) * 40, pageNo * 40), last_page: Math.max(1, Math.ceil(all.length / 40)), per_page: 40, total: all.length });
    }
    if (p === 'get/orders/status') {
      const ts = (q.trackings ?? '').split(',').filter(Boolean);
      if (ts.length > 100) return { status: 422, json: { message: 'The given data was invalid.', errors: { trackings: ['100 au maximum.'] } } };
      return ok({ data: Object.fromEntries(ts.filter((t) => orders.has(t)).map((t) => [t, { status: orders.get(t)!.status, order_id: orders.get(t)!.reference }])) });
    }
    if (p === 'get/tracking/info') {
      if (!order) return { status: 422, json: { message: 'The given data was invalid.', errors: { tracking: ['Le tracking sélectionné est invalide.'] } } };
      return ok({ recipientName: 'client', shippedBy: 'Boutique', originCity: 16, destLocationCity: Number(order.params.code_wilaya), currentStation: 'Alger', activity: order.activity.map((a) => ({ ...a, station: '', scanLocation: 'HUB' })), reasons: [] });
    }
    return { status: 404, json: { message: `no route ${r.method} ${r.path}` } };
  }

  const server = await startFakeServer(route);
  return Object.assign(server, {
    baseUrl: `${server.url}api/v1/`,
    orders,
    setStatus(tracking: string, orderStatus: string, activity?: string) {
      const o = orders.get(tracking);
      if (!o) throw new Error(`no order ${tracking}`);
      o.status = orderStatus;
      if (activity) o.activity.push({ status: activity, ...stamp() });
    },
  });
}
