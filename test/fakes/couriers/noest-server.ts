import { randomBytes } from 'node:crypto';
import { FAKE_GEO, FakeHttpServer, fakePdf, json, type FakeRequest, type FakeResponse } from './fake-courier-kit';

/**
 * NOEST Express (reference/couriers.md §6) under `<origin>/api/public/`: `Authorization: Bearer
 * <api_token>` (or `api_token` in the body) plus `user_guid` in the body of every POST, Laravel 422
 * bags and `{success:false,message}` business failures, orders that stay drafts until
 * `valid/order`, tracking events by `event_key`, and labels served as a 302 to a short-lived URL.
 */
export interface NoestOrder {
  tracking: string;
  reference?: string;
  client: string;
  phone: string;
  phone_2?: string;
  adresse: string;
  wilaya_id: number;
  commune: string;
  montant: number;
  remarque?: string;
  produit: string;
  type_id: number;
  poids: number;
  stop_desk: number;
  station_code?: string;
  validated: boolean;
  activity: { event_key: string; event: string; causer: string; date: string }[];
}

const EVENT_LABELS: Record<string, string> = {
  upload: 'Uploadé sur le système',
  customer_validation: 'Validé',
  validation_collect_colis: 'Colis ramassé',
  validation_reception_admin: 'Réception validée',
  fdr_activated: 'En livraison',
  mise_a_jour: 'Tentative de livraison',
  livred: 'Livré',
  return_asked_by_hub: 'Retour demandé',
  livraison_echoue_recu: 'Retour reçu par le partenaire',
  verssement_admin_cust: 'Versement au client',
};

export class NoestFake {
  readonly orders = new Map<string, NoestOrder>();
  readonly http: FakeHttpServer;
  /** Desks keyed by code, like GET /desks. */
  readonly desks: Record<string, { code: string; name: string; commune: string; address: string; map: string; phones: Record<string, string>; email: string; horaires: string }> = {};

  constructor(
    readonly apiToken = 'noest-token',
    readonly userGuid = 'NOESTGUID',
  ) {
    for (const w of FAKE_GEO) {
      const desk = w.communes.find((c) => c.hasStopDesk);
      if (desk) {
        const code = `${w.code}A`;
        this.desks[code] = { code, name: `Agence ${desk.name}`, commune: desk.name, address: 'Cité 100 logements', map: '', phones: { '0': '0550000000' }, email: 'desk@noest.dz', horaires: '08:00-17:00' };
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
  get baseUrl(): string {
    return `${this.http.url}/api/public/`;
  }

  addEvent(tracking: string, eventKey: string): void {
    const o = this.orders.get(tracking);
    if (!o) throw new Error(`no NOEST order ${tracking}`);
    o.activity.push({ event_key: eventKey, event: EVENT_LABELS[eventKey] ?? eventKey, causer: 'NOEST', date: new Date().toISOString().replace('T', ' ').slice(0, 19) });
  }

  private handle(req: FakeRequest): FakeResponse {
    if (req.path.startsWith('/s3/labels/')) {
      return { status: 200, headers: { 'Content-Type': 'application/pdf' }, body: fakePdf(`NOEST label ${decodeURIComponent(req.path.slice(11))}`) };
    }
    if (!req.path.startsWith('/api/public/')) return json(404, { message: 'Not Found' });
    const path = req.path.slice('/api/public/'.length).replace(/\/+$/, '');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const token = bearer ?? (typeof body.api_token === 'string' ? body.api_token : req.query.get('api_token'));
    if (token !== this.apiToken) return json(401, { message: 'Unauthenticated.' });
    if (req.method === 'POST') {
      if (!body.user_guid) return json(422, { message: 'Le champ user guid est obligatoire.', errors: { user_guid: ['Le champ user guid est obligatoire.'] } });
      if (body.user_guid !== this.userGuid) return json(200, { success: false, message: 'Utilisateur introuvable.' });
    }
    let g: RegExpMatchArray | null;

    if (req.method === 'GET' && path === 'get/wilayas') return json(200, FAKE_GEO.map((w) => ({ code: w.code, nom: w.name, is_active: 1 })));
    if (req.method === 'GET' && (g = path.match(/^get\/communes\/(\d+)$/))) {
      const w = FAKE_GEO.find((x) => x.code === Number(g![1]));
      return json(200, (w?.communes ?? []).map((c, i) => ({ nom: c.name, wilaya_id: w!.code, code_postal: `${w!.code}0${i}`, is_active: 1 })));
    }
    if (req.method === 'GET' && path === 'desks') return json(200, this.desks);
    if (req.method === 'GET' && path === 'fees') {
      const delivery: Record<string, { tarif: string; tarif_stopdesk: string }> = {};
      const ret: Record<string, { tarif: string }> = {};
      for (const w of FAKE_GEO) {
        delivery[String(w.code)] = { tarif: String(500 + w.code * 10), tarif_stopdesk: String(350 + w.code * 5) };
        ret[String(w.code)] = { tarif: '250' };
      }
      return json(200, { tarifs: { delivery, return: ret } });
    }
    if (req.method === 'GET' && path === 'get/order/label') {
      const t = req.query.get('tracking') ?? '';
      if (!this.orders.has(t)) return json(422, { message: 'Commande introuvable', errors: { tracking: ['Le tracking sélectionné est invalide.'] } });
      return { status: 302, headers: { Location: `${this.http.url}/s3/labels/${encodeURIComponent(t)}.pdf?X-Amz-Expires=300&X-Amz-Signature=fake` } };
    }
    if (req.method !== 'POST') return json(405, { message: 'Method Not Allowed' });

    switch (path) {
      case 'create/order':
        return this.create(body);
      case 'valid/order': {
        const o = this.orders.get(String(body.tracking));
        if (!o) return json(200, { success: false, message: 'Commande introuvable' });
        if (!o.validated) {
          o.validated = true;
          this.addEvent(o.tracking, 'customer_validation');
        }
        return json(200, { success: true });
      }
      case 'delete/order': {
        const o = this.orders.get(String(body.tracking));
        if (!o) return json(200, { success: false, message: 'Commande introuvable' });
        if (o.validated) return json(200, { success: false, message: 'Commande non trouvée dans l\'étape de suppression' });
        this.orders.delete(o.tracking);
        return json(200, { success: true });
      }
      case 'get/trackings/info': {
        const out: Record<string, unknown> = {};
        for (const t of (Array.isArray(body.trackings) ? body.trackings : []) as string[]) {
          const o = this.orders.get(t);
          if (!o) continue;
          out[t] = {
            OrderInfo: { tracking: o.tracking, reference: o.reference ?? null, client: o.client, phone: o.phone, adresse: o.adresse, wilaya_id: o.wilaya_id, commune: o.commune, montant: String(o.montant), remarque: o.remarque ?? '', produit: o.produit, stop_desk: o.stop_desk, validated: o.validated ? 1 : 0 },
            recipientName: o.client,
            shippedBy: 'NOEST',
            originCity: 'Alger',
            destLocationCity: o.commune,
            activity: o.activity,
            deliveryAttempts: o.activity.filter((a) => a.event_key === 'mise_a_jour').length,
          };
        }
        return json(200, out);
      }
      default:
        return json(404, { message: 'Not Found' });
    }
  }

  private create(b: Record<string, unknown>): FakeResponse {
    const errors: Record<string, string[]> = {};
    const need = (k: string, label: string) => {
      if (b[k] === undefined || b[k] === null || b[k] === '') errors[k] = [`Le champ ${label} est obligatoire.`];
    };
    need('client', 'client');
    need('phone', 'phone');
    need('adresse', 'adresse');
    need('wilaya_id', 'wilaya id');
    need('commune', 'commune');
    need('montant', 'montant');
    need('produit', 'produit');
    need('type_id', 'type id');
    need('poids', 'poids');
    need('stop_desk', 'stop desk');
    if (b.phone && !/^\d{9,10}$/.test(String(b.phone))) errors.phone = ['Le champ phone doit contenir entre 9 et 10 chiffres.'];
    const w = FAKE_GEO.find((x) => x.code === Number(b.wilaya_id));
    if (b.wilaya_id && !w) errors.wilaya_id = ['Le champ wilaya id sélectionné est invalide.'];
    if (w && b.commune && !w.communes.some((c) => c.name === b.commune)) errors.commune = ['La commune sélectionnée est invalide.'];
    if (Number(b.stop_desk) === 1 && !b.station_code) errors.station_code = ['Le champ station code est obligatoire quand stop desk est 1.'];
    if (Number(b.stop_desk) === 1 && b.station_code && !this.desks[String(b.station_code)]) errors.station_code = ['Le champ station code sélectionné est invalide.'];
    if (Object.keys(errors).length) return json(422, { message: 'The given data was invalid.', errors });

    const tracking = `${randomBytes(2).toString('hex').toUpperCase().slice(0, 3)}-${randomBytes(2).toString('hex').toUpperCase().slice(0, 3)}-${String(Date.now() % 1e8).padStart(8, '0')}`;
    const o: NoestOrder = {
      tracking,
      reference: b.reference as string | undefined,
      client: String(b.client),
      phone: String(b.phone),
      phone_2: b.phone_2 as string | undefined,
      adresse: String(b.adresse),
      wilaya_id: Number(b.wilaya_id),
      commune: String(b.commune),
      montant: Number(b.montant),
      remarque: b.remarque as string | undefined,
      produit: String(b.produit),
      type_id: Number(b.type_id),
      poids: Number(b.poids),
      stop_desk: Number(b.stop_desk),
      station_code: b.station_code as string | undefined,
      validated: false,
      activity: [],
    };
    this.orders.set(tracking, o);
    this.addEvent(tracking, 'upload');
    return json(200, { success: true, tracking, reference: o.reference ?? null, regional_hub_name: 'Hub Alger', wilaya_rank: 1 });
  }
}

export async function startNoestFake(apiToken?: string, userGuid?: string): Promise<NoestFake> {
  return new NoestFake(apiToken, userGuid).start();
}
