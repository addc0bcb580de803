import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface EnvelopeItem {
  header: Record<string, unknown>;
  payload: unknown;
}

export interface ReceivedEnvelope {
  projectId: string;
  /** Query string auth (`sentry_key`), as the Node SDK sends it. */
  sentryKey: string | null;
  /** The decoded envelope text exactly as sent (after gunzip): what a PII assertion must search. */
  raw: string;
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

export interface FakeSentry {
  dsn: (projectId?: string) => string;
  envelopes: ReceivedEnvelope[];
  /** Payloads of every `event` item received so far. */
  events(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * A local Sentry ingest: `POST /api/<project>/envelope/`, gzip optional (the SDK compresses bodies
 * over 32 KiB), newline-separated JSON: envelope header, then item header / payload pairs.
 * Reference: shared/reference/apis.md §4.5 (option B).
 */
export async function startFakeSentry(): Promise<FakeSentry> {
  const envelopes: ReceivedEnvelope[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/api\/([^/]+)\/envelope\/?$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const raw = body.toString('utf8');
      envelopes.push({ projectId: m[1]!, sentryKey: url.searchParams.get('sentry_key'), raw, ...parseEnvelope(raw) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: (projectId = '42') => `http://publickey@127.0.0.1:${port}/${projectId}`,
    envelopes,
    events: () => envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event').map((i) => i.payload as Record<string, unknown>)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseEnvelope(raw: string): { header: Record<string, unknown>; items: EnvelopeItem[] } {
  const lines = raw.split('\n');
  const header = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  // Item headers may carry a `length`; our items are JSON on one line each, so pairs of lines suffice.
  for (let i = 1; i < lines.length && lines[i] !== ''; i += 2) {
    const itemHeader = JSON.parse(lines[i]!) as Record<string, unknown>;
    const payloadLine = lines[i + 1] ?? '';
    let payload: unknown = payloadLine;
    try {
      payload = JSON.parse(payloadLine);
    } catch {
      // Attachments may be binary or plain text: keep them as the raw line.
    }
    items.push({ header: itemHeader, payload });
  }
  return { header, items };
}
