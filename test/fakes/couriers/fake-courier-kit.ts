import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault as SuiteFault, FakeServer } from './fake-http';

/**
 * Plumbing shared by the local courier fakes (ZR Express, Procolis, Maystro, NOEST): a node:http
 * server on 127.0.0.1 with a request log and faults injected on demand (429 + Retry-After, 5xx,
 * a request that never answers) so adapters' retry and timeout paths can be exercised.
 */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  body: unknown;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'rate_limit'; retryAfterSeconds: number; body?: unknown }
  | { kind: 'hang' }
  /** Answer only after `holdMs` (past the client's timeout); `afterEffect` = the request still took effect. */
  | { kind: 'hold'; holdMs: number; afterEffect: boolean };

interface QueuedFault {
  fault: Fault;
  remaining: number;
  match?: (req: FakeRequest) => boolean;
}

export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** Also a `FakeServer` (test/fakes/couriers/fake-http.ts), so the shared contract suite can drive it. */
export class FakeHttpServer implements FakeServer {
  readonly requests: FakeRequest[] = [];
  /** Headers added to every answer (quota headers). */
  extraHeaders: Record<string, string> = {};
  private readonly faults: QueuedFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: http.Server;
  private origin = '';

  get log(): Array<{ method: string; path: string }> {
    return this.requests.map((r) => ({ method: r.method, path: r.path }));
  }

  /** The contract suite's fault vocabulary, aimed at paths containing `path`. */
  fail(fault: SuiteFault, opts: { times?: number; path?: string } = {}): void {
    const match = opts.path ? (r: FakeRequest) => r.path.includes(opts.path!) : undefined;
    const mine: Fault =
      fault.kind === '5xx'
        ? { kind: 'status', status: fault.status ?? 503, body: { message: 'Service Unavailable' } }
        : fault.kind === '429'
          ? { kind: 'rate_limit', retryAfterSeconds: fault.retryAfter }
          : { kind: 'hold', holdMs: fault.holdMs ?? 2000, afterEffect: !!fault.afterEffect };
    this.inject(mine, { times: opts.times, match });
  }

  constructor(private readonly handler: FakeHandler) {}

  get url(): string {
    return this.origin;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    return this.origin;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** The next `times` requests (optionally only those matching) get this fault instead of an answer. */
  inject(fault: Fault, opts: { times?: number; match?: (req: FakeRequest) => boolean } = {}): void {
    this.faults.push({ fault, remaining: opts.times ?? 1, match: opts.match });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  requestsTo(method: string, pathPart: string | RegExp): FakeRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof pathPart === 'string' ? r.path.includes(pathPart) : pathPart.test(r.path)),
    );
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = undefined;
    if (rawBody.length) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        body = rawBody.toString('utf8');
      }
    }
    const fr: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, rawBody, body };
    this.requests.push(fr);

    const queued = this.faults.find((f) => f.remaining > 0 && (!f.match || f.match(fr)));
    if (queued) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) this.faults.splice(this.faults.indexOf(queued), 1);
      const f = queued.fault;
      if (f.kind === 'hang') return; // never answer: the client's timeout must fire
      if (f.kind === 'hold') {
        const answer = f.afterEffect ? await this.answer(fr) : { status: 504, body: { message: 'Gateway Timeout' } };
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!res.writableEnded && !res.destroyed) this.send(res, answer);
        }, f.holdMs);
        this.timers.add(t);
        return;
      }
      if (f.kind === 'rate_limit') {
        return this.send(res, { status: 429, headers: { 'Retry-After': String(f.retryAfterSeconds) }, body: f.body ?? { message: 'Too Many Requests' } });
      }
      return this.send(res, { status: f.status, headers: f.headers, body: f.body ?? { message: 'Internal Server Error' } });
    }
    this.send(res, await this.answer(fr));
  }

  private async answer(fr: FakeRequest): Promise<FakeResponse> {
    try {
      return await this.handler(fr);
    } catch (err) {
      return { status: 500, body: { message: `fake crashed: ${(err as Error).message}` } };
    }
  }

  private send(res: http.ServerResponse, r: FakeResponse): void {
    sendResponse(res, r, this.extraHeaders);
  }
}

function sendResponse(res: http.ServerResponse, r: FakeResponse, extra: Record<string, string>): void {
  const headers: Record<string, string> = { ...extra, ...(r.headers ?? {}) };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(r.body)) {
    payload = r.body;
    headers['Content-Type'] ??= 'application/octet-stream';
  } else if (r.body !== undefined) {
    payload = Buffer.from(JSON.stringify(r.body));
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): FakeResponse => ({ status, body, headers });

/** A tiny but valid-looking PDF so label tests can check the magic bytes. */
export function fakePdf(text: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}

/**
 * The geography every courier fake serves: a few real wilayas and communes, in our canonical
 * spelling (shared/data/algeria). Each fake re-spells them the way that courier does.
 */
export interface FakeCommune {
  name: string;
  hasStopDesk?: boolean;
}
export interface FakeWilaya {
  code: number;
  name: string;
  communes: FakeCommune[];
}

export const FAKE_GEO: FakeWilaya[] = [
  {
    code: 16,
    name: 'Alger',
    communes: [{ name: 'Alger Centre', hasStopDesk: true }, { name: 'Bir Mourad Raïs' }, { name: 'Bab Ezzouar', hasStopDesk: true }, { name: 'Sidi M’Hamed' }],
  },
  { code: 6, name: 'Béjaïa', communes: [{ name: 'Béjaia', hasStopDesk: true }, { name: 'Akbou' }, { name: 'Aït Smaïl' }] },
  { code: 31, name: 'Oran', communes: [{ name: 'Oran', hasStopDesk: true }, { name: 'Bir El Djir' }] },
  { code: 9, name: 'Blida', communes: [{ name: 'Blida', hasStopDesk: true }, { name: 'Boufarik' }] },
];

/** How couriers that strip accents (ZR, Procolis, Maystro) spell a name. */
export function asciiName(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[’']/g, '');
}

export function bearerOrHeader(req: FakeRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

let seq = 0;
/** Deterministic-enough unique ids for fakes (uniqueness is what tests rely on). */
export function nextSeq(): number {
  seq += 1;
  return seq;
}
