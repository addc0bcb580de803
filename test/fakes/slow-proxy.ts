import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldRequest {
  method: string;
  path: string;
  body: string;
  /** Parsed JSON body, when it is JSON. */
  json?: Record<string, unknown>;
  startedAt: number;
  /** The caller went away while the request was held (its process was killed). */
  aborted: boolean;
}

export interface SlowProxy {
  url: string;
  /** Requests being held right now. */
  inFlight: HeldRequest[];
  /** Every request ever received. */
  seen: HeldRequest[];
  /** How long each request is held before it is forwarded (change at any time). */
  holdMs: number;
  close(): Promise<void>;
}

/**
 * A slow upstream in front of a fake (e.g. the Anthropic fake): holds every request `holdMs`,
 * then forwards it and relays the answer. A request whose caller disconnects during the hold is
 * never forwarded, as a model call dies with the process that made it.
 */
export async function startSlowProxy(target: string, holdMs: number): Promise<SlowProxy> {
  const proxy: SlowProxy = { url: '', inFlight: [], seen: [], holdMs, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const held: HeldRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body, json, startedAt: Date.now(), aborted: false };
      proxy.inFlight.push(held);
      proxy.seen.push(held);
      const done = () => {
        const i = proxy.inFlight.indexOf(held);
        if (i >= 0) proxy.inFlight.splice(i, 1);
      };
      res.on('close', () => {
        if (!res.writableEnded) held.aborted = true;
        done();
      });
      setTimeout(() => {
        if (held.aborted) return done();
        const up = http.request(new URL(held.path, target), { method: held.method, headers: { ...req.headers, host: new URL(target).host } }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          upRes.on('end', done);
        });
        up.on('error', () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
          done();
        });
        up.end(body);
      }, proxy.holdMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
