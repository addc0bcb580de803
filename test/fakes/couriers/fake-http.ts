import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Tiny plumbing shared by the fake courier servers: a node:http server on 127.0.0.1:0, JSON
 * helpers and the failure modes every fake offers on demand (5xx, 429 with Retry-After, a response
 * held past the client's timeout — optionally AFTER the request took effect, to test idempotency).
 */
export type Fault =
  | { kind: '5xx'; status?: number }
  | { kind: '429'; retryAfter: number }
  | { kind: 'timeout'; afterEffect?: boolean; holdMs?: number };

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawBody: Buffer;
}

export interface FakeResponse {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface FakeServer {
  url: string;
  /** Every request seen, in order (method + path), for call counts. */
  log: Array<{ method: string; path: string }>;
  /** Queues faults for the next matching requests (`path` substring, default any). */
  fail(fault: Fault, opts?: { times?: number; path?: string }): void;
  /** Extra headers on every response (quota headers). */
  extraHeaders: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeServer(handle: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>): Promise<FakeServer> {
  const faults: Array<{ fault: Fault; path?: string }> = [];
  const log: FakeServer['log'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state = { extraHeaders: {} as Record<string, string> };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const rawBody = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined;
      } catch {
        body = rawBody.toString('utf8');
      }
      log.push({ method: req.method ?? 'GET', path: u.pathname });
      const fr: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body, rawBody };
      const send = (r: FakeResponse) => {
        if (res.writableEnded || res.destroyed) return;
        const headers = { ...state.extraHeaders, ...r.headers };
        if (r.bytes) res.writeHead(r.status, { 'content-type': r.contentType ?? 'application/octet-stream', ...headers }).end(r.bytes);
        else res.writeHead(r.status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(r.json ?? {}));
      };
      const i = faults.findIndex((f) => !f.path || u.pathname.includes(f.path));
      const fault = i >= 0 ? faults.splice(i, 1)[0]!.fault : undefined;
      if (fault?.kind === '5xx') return send({ status: fault.status ?? 503, json: { message: 'Service Unavailable' } });
      if (fault?.kind === '429') return send({ status: 429, json: { message: 'Too Many Attempts.' }, headers: { 'retry-after': String(fault.retryAfter) } });
      if (fault?.kind === 'timeout') {
        const result = fault.afterEffect ? await handle(fr) : undefined;
        const t = setTimeout(() => {
          timers.delete(t);
          send(result ?? { status: 504, json: {} });
        }, fault.holdMs ?? 2000);
        timers.add(t);
        return;
      }
      try {
        send(await handle(fr));
      } catch (err) {
        send({ status: 500, json: { message: (err as Error).message } });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    get extraHeaders() {
      return state.extraHeaders;
    },
    set extraHeaders(h) {
      state.extraHeaders = h;
    },
    fail(fault, opts = {}) {
      for (let n = 0; n < (opts.times ?? 1); n++) faults.push({ fault, path: opts.path });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const ok = (json: unknown, headers?: Record<string, string>): FakeResponse => ({ status: 200, json, headers });

/** Lower-case, accent-free: how the fakes decide "same name, different spelling". */
export const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();

export const MINIMAL_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');
