import { FAKE_GEO, FakeHttpServer, asciiName, json, type FakeRequest, type FakeResponse } from './fake-courier-kit';

/**
 * Procolis (legacy ZR Express, ABEX, Colilog...; reference/couriers.md §4) under `<origin>/api_v1/`:
 * `token` + `key` headers, PascalCase `Colis` arrays, a merchant-chosen `Tracking`, French
 * `MessageRetour` per parcel, `lire` answering `null` for unknown parcels. No label, no cancel.
 */
export interface ProcolisParcel {
  Tracking: string;
  TypeLivraison: string;
  TypeColis: string;
  Confrimee: string;
  Client: string;
  MobileA: string;
  MobileB?: string;
  Adresse: string;
  IDWilaya: string;
  Commune: string;
  Total: string;
  Note?: string;
  TProduit: string;
  id_Externe?: string;
  Source?: string;
  Situation: string;
  DateH_Action: string;
  history: { Situation: string; DateH_Action: string }[];
}

export class ProcolisFake {
  readonly parcels = new Map<string, ProcolisParcel>();
  readonly http: FakeHttpServer;

  constructor(
    readonly token = 'proc-token',
    readonly key = 'proc-key',
  ) {
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
    return `${this.http.url}/api_v1/`;
  }

  setSituation(tracking: string, situation: string): void {
    const p = this.parcels.get(tracking);
    if (!p) throw new Error(`no Procolis parcel ${tracking}`);
    p.Situation = situation;
    p.DateH_Action = stamp();
    p.history.push({ Situation: situation, DateH_Action: p.DateH_Action });
  }

  private handle(req: FakeRequest): FakeResponse {
    if (!req.path.startsWith('/api_v1/')) return json(404, { message: 'Not Found' });
    const path = req.path.slice('/api_v1/'.length).replace(/\/+$/, '');
    if (req.headers.token !== this.token || req.headers.key !== this.key) {
      // What a wrong/swapped pair gets: an explicit refusal, no data.
      return json(401, { Statut: 'Accès refusé' });
    }
    if (req.method === 'GET' && path === 'token') return json(200, { Statut: 'Accès activé' });
    if (req.method !== 'POST') return json(405, { message: 'Method Not Allowed' });
    const colis = ((req.body as { Colis?: unknown } | undefined)?.Colis ?? []) as Record<string, unknown>[];

    switch (path) {
      case 'tarification':
        return json(
          200,
          FAKE_GEO.map((w) => ({ IDWilaya: String(w.code).padStart(2, '0'), Wilaya: asciiName(w.name), Domicile: String(400 + w.code * 10), Stopdesk: String(300 + w.code * 5), Annuler: '200' })),
        );
      case 'add_colis':
        return json(200, { Colis: colis.map((c) => this.add(c)) });
      case 'lire': {
        const found = colis.map((c) => this.parcels.get(String(c.Tracking))).filter((p): p is ProcolisParcel => !!p);
        if (!found.length) return json(200, null);
        return json(200, { Colis: found.map(({ history: _h, ...p }) => p) });
      }
      case 'pret':
        return json(200, {
          Colis: colis.map((c) => {
            const p = this.parcels.get(String(c.Tracking));
            if (!p) return { Tracking: c.Tracking, MessageRetour: 'Tracking introuvable' };
            if (p.Situation === 'En Préparation') this.setSituation(p.Tracking, 'En Traitement - Prêt à Expédie');
            return { Tracking: p.Tracking, MessageRetour: 'Good' };
          }),
        });
      default:
        return json(404, { message: 'Not Found' });
    }
  }

  private add(c: Record<string, unknown>): Record<string, unknown> {
    const s = (k: string) => (c[k] === undefined || c[k] === null ? '' : String(c[k]));
    const missing = ['Tracking', 'Client', 'MobileA', 'Adresse', 'IDWilaya', 'Commune', 'Total', 'TProduit'].filter((k) => !s(k).trim());
    if (missing.length) return { ...c, MessageRetour: `Champs obligatoires manquants : ${missing.join(', ')}` };
    if (this.parcels.has(s('Tracking'))) return { ...c, MessageRetour: 'Double Tracking' };
    const w = FAKE_GEO.find((x) => x.code === Number(s('IDWilaya')));
    if (!w) return { ...c, MessageRetour: 'Wilaya non desservie' };
    if (!w.communes.some((x) => asciiName(x.name).toLowerCase() === asciiName(s('Commune')).toLowerCase())) {
      return { ...c, MessageRetour: 'Commune introuvable' };
    }
    if (!/^0[5-7]\d{8}$|^0[2-4]\d{7}$/.test(s('MobileA'))) return { ...c, MessageRetour: 'Numéro de téléphone invalide' };
    const situation = s('Confrimee') === '1' ? 'En Traitement - Prêt à Expédie' : 'En Préparation';
    const now = stamp();
    const p: ProcolisParcel = {
      Tracking: s('Tracking'),
      TypeLivraison: s('TypeLivraison') || '0',
      TypeColis: s('TypeColis') || '0',
      Confrimee: s('Confrimee'),
      Client: s('Client'),
      MobileA: s('MobileA'),
      MobileB: s('MobileB') || undefined,
      Adresse: s('Adresse'),
      IDWilaya: s('IDWilaya'),
      Commune: s('Commune'),
      Total: s('Total'),
      Note: s('Note') || undefined,
      TProduit: s('TProduit'),
      id_Externe: s('id_Externe') || undefined,
      Source: s('Source') || undefined,
      Situation: situation,
      DateH_Action: now,
      history: [{ Situation: situation, DateH_Action: now }],
    };
    this.parcels.set(p.Tracking, p);
    return { ...c, MessageRetour: 'Good' };
  }
}

function stamp(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

export async function startProcolisFake(token?: string, key?: string): Promise<ProcolisFake> {
  return new ProcolisFake(token, key).start();
}
