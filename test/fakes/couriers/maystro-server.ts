import { randomUUID } from 'node:crypto';
import { FAKE_GEO, FakeHttpServer, asciiName, fakePdf, json, type FakeRequest, type FakeResponse } from './fake-courier-kit';

/**
 * Maystro Delivery (reference/couriers.md §5) under `<origin>/api/`: Django REST Framework
 * (`Authorization: Token …`, `{detail}` / field-error bodies, `results` pagination), Maystro's own
 * numeric commune ids, numeric statuses, raw PDF labels, webhooks as JSON base64-encoded twice.
 */
export interface MaystroOrder {
  id: string;
  display_id: number;
  external_order_id?: string;
  status: number;
  wilaya: number;
  commune: number;
  commune_name: string;
  destination_text: string;
  customer_name: string;
  customer_phone: string;
  product_price: number;
  delivery_type: number;
  express: boolean;
  stop_desk_id?: number | string | null;
  note_to_driver?: string;
  products: { product_id?: string; quantity: number; logistical_description: string }[];
  created_at: string;
  history: { status: number; created_at: string; comment: string }[];
}

export class MaystroFake {
  /** Maystro's own commune ids: not ONS codes, so a caller can never guess them. */
  readonly communes: { id: number; name: string; wilaya: number; hasStopDesk: boolean }[] = [];
  readonly orders = new Map<string, MaystroOrder>();
  readonly http: FakeHttpServer;
  private displaySeq = 70_000;

  constructor(readonly token = 'maystro-token') {
    let id = 900;
    for (const w of FAKE_GEO) for (const c of w.communes) this.communes.push({ id: (id += 7), name: asciiName(c.name), wilaya: w.code, hasStopDesk: !!c.hasStopDesk });
    this.http = new FakeHttpServer((req) => this.handle(req));
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }
  close() {
    return this.http.close();
  }
  get baseUrl(): string {
    return `${this.http.url}/api/`;
  }

  communeId(wilaya: number, name: string): number {
    const c = this.communes.find((x) => x.wilaya === wilaya && x.name === asciiName(name));
    if (!c) throw new Error(`no Maystro commune ${name}`);
    return c.id;
  }

  findOrder(ref: string): MaystroOrder | undefined {
    return this.orders.get(ref) ?? [...this.orders.values()].find((o) => String(o.display_id) === ref || o.external_order_id === ref);
  }

  setStatus(ref: string, status: number, comment = ''): MaystroOrder {
    const o = this.findOrder(ref);
    if (!o) throw new Error(`no Maystro order ${ref}`);
    o.status = status;
    o.history.push({ status, created_at: new Date().toISOString(), comment });
    return o;
  }

  /** A hook delivery: `{event, payload, instance_uuid}` JSON, base64-encoded twice ([MAY-WH], [MAY-SVC]). */
  webhook(ref: string, event = 'OrderStatusChanged'): Buffer {
    const o = this.findOrder(ref);
    if (!o) throw new Error(`no Maystro order ${ref}`);
    const doc = { event, payload: { id: o.id, display_id_order: o.display_id, external_order_id: o.external_order_id, status: o.status }, instance_uuid: randomUUID() };
    const once = Buffer.from(JSON.stringify(doc)).toString('base64');
    return Buffer.from(Buffer.from(once).toString('base64'));
  }

  private handle(req: FakeRequest): FakeResponse {
    if (!req.path.startsWith('/api/')) return json(404, { detail: 'Not found.' });
    const auth = req.headers.authorization;
    if (!auth) return json(401, { detail: 'Authentication credentials were not provided.' });
    if (auth !== `Token ${this.token}`) return json(401, { detail: 'Invalid token.' });
    const path = req.path.slice('/api/'.length);
    const body = (req.body ?? {}) as Record<string, unknown>;
    let g: RegExpMatchArray | null;

    if (req.method === 'GET' && path === 'shared/wilayas/') {
      return json(200, FAKE_GEO.map((w) => [w.code, asciiName(w.name)]));
    }
    if (req.method === 'GET' && path === 'shared/communes/') {
      const w = Number(req.query.get('wilaya'));
      return json(
        200,
        this.communes.filter((c) => !w || c.wilaya === w).map((c) => ({ id: c.id, name: c.name, wilaya: c.wilaya, has_stop_desk: c.hasStopDesk })),
      );
    }
    if (req.method === 'GET' && path === 'stores/delivery_price/') {
      const c = this.communes.find((x) => x.id === Number(req.query.get('commune')));
      if (!c) return json(404, { detail: 'Not found.' });
      const type = req.query.get('delivery_type');
      if (type === '2' && !c.hasStopDesk) return json(404, { detail: 'Not found.' });
      const base = type === '2' ? 300 + c.wilaya * 5 : 450 + c.wilaya * 10;
      return json(200, { delivery_price: req.query.get('express') === 'true' ? base + 200 : base });
    }
    if (path === 'stores/orders/' && req.method === 'POST') return this.create(body);
    if (path === 'stores/orders/' && req.method === 'GET') {
      const ext = req.query.get('external_order_id');
      const did = req.query.get('display_id');
      const results = [...this.orders.values()].filter((o) => (!ext || o.external_order_id === ext) && (!did || String(o.display_id) === did)).map(dto);
      return json(200, { count: results.length, next: null, previous: null, results });
    }
    if ((g = path.match(/^stores\/orders\/([^/]+)\/$/)) && req.method === 'GET') {
      const o = this.orders.get(g[1]!);
      return o ? json(200, dto(o)) : json(404, { detail: 'Not found.' });
    }
    if ((g = path.match(/^stores\/history_order\/([^/]+)\/?$/)) && req.method === 'GET') {
      const o = this.orders.get(g[1]!);
      return o ? json(200, o.history) : json(404, { detail: 'Not found.' });
    }
    if ((g = path.match(/^shared\/status\/([^/]+)\/$/)) && req.method === 'PATCH') {
      const o = this.orders.get(g[1]!);
      if (!o) return json(404, { detail: 'Not found.' });
      if (body.status !== 50) return json(400, { status: ['Invalid status transition.'] });
      if (o.status >= 31 && o.status !== 50) return json(400, { detail: 'Order can not be cancelled at this stage.' });
      this.setStatus(o.id, 50, `abort_reason ${String(body.abort_reason ?? '')}`);
      return json(200, dto(o));
    }
    if (path === 'delivery/starter/v2/starter_bordureau/' && req.method === 'POST') {
      const ids = Array.isArray(body.orders_ids) ? (body.orders_ids as string[]) : [];
      if (!ids.length || ids.some((i) => !this.orders.has(i))) return json(400, { orders_ids: ['Invalid order id.'] });
      return { status: 200, headers: { 'Content-Type': 'application/pdf' }, body: fakePdf(`Maystro bordereau ${ids.join(',')}`) };
    }
    return json(404, { detail: 'Not found.' });
  }

  private create(b: Record<string, unknown>): FakeResponse {
    const errors: Record<string, string[]> = {};
    const req = (k: string) => {
      if (b[k] === undefined || b[k] === null || b[k] === '') errors[k] = ['This field is required.'];
    };
    ['source', 'wilaya', 'commune', 'destination_text', 'customer_name', 'customer_phone', 'product_price', 'delivery_type', 'express', 'products'].forEach(req);
    if (Object.keys(errors).length) return json(400, errors);
    if (b.source !== 4) errors.source = ['"' + String(b.source) + '" is not a valid choice.'];
    const commune = this.communes.find((c) => c.id === b.commune);
    if (!commune) errors.commune = [`Invalid pk "${String(b.commune)}" - object does not exist.`];
    else if (commune.wilaya !== b.wilaya) errors.commune = ['Commune does not belong to the selected wilaya.'];
    if (!/^0[5-7]\d{8}$|^0[2-4]\d{7}$/.test(String(b.customer_phone))) errors.customer_phone = ['Enter a valid phone number.'];
    if (!Number.isInteger(b.product_price) || (b.product_price as number) < 0) errors.product_price = ['A valid integer is required.'];
    if (b.delivery_type !== 1 && b.delivery_type !== 2) errors.delivery_type = [`"${String(b.delivery_type)}" is not a valid choice.`];
    if (Object.keys(errors).length) return json(400, errors);
    const now = new Date().toISOString();
    const o: MaystroOrder = {
      id: randomUUID(),
      display_id: (this.displaySeq += 1),
      external_order_id: b.external_order_id as string | undefined,
      status: 4,
      wilaya: b.wilaya as number,
      commune: commune!.id,
      commune_name: commune!.name,
      destination_text: String(b.destination_text),
      customer_name: String(b.customer_name),
      customer_phone: String(b.customer_phone),
      product_price: b.product_price as number,
      delivery_type: b.delivery_type as number,
      express: !!b.express,
      stop_desk_id: (b.stop_desk_id as number | undefined) ?? null,
      note_to_driver: b.note_to_driver as string | undefined,
      products: b.products as MaystroOrder['products'],
      created_at: now,
      history: [{ status: 4, created_at: now, comment: '' }],
    };
    this.orders.set(o.id, o);
    return json(201, dto(o));
  }
}

function dto(o: MaystroOrder) {
  const { history: _h, ...rest } = o;
  return rest;
}

export async function startMaystroFake(token?: string): Promise<MaystroFake> {
  return new MaystroFake(token).start();
}
