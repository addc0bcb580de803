import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeCheckout {
  id: string;
  entity: 'checkout';
  livemode: boolean;
  amount: number;
  currency: string;
  status: string;
  metadata: Record<string, unknown> | null;
  success_url: string;
  failure_url: string | null;
  webhook_endpoint: string | null;
  checkout_url: string;
  created_at: number;
  updated_at: number;
}

/**
 * Chargily Pay V2 as documented (reference/apis.md §3): Bearer auth, POST /checkouts with the
 * Laravel-style 422 body, lowercase ULID-ish ids, and signed webhook events sent the way Chargily
 * sends them: the event serialised once, `signature` = hex HMAC-SHA256 of those exact bytes.
 */
export async function startFakeChargily(secretKey: string) {
  const checkouts = new Map<string, FakeCheckout>();
  const requests: Array<{ method: string; path: string; auth?: string; body: unknown }> = [];
  const id = () => `01${crypto.randomBytes(12).toString('hex').slice(0, 24)}`;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const path = (req.url ?? '').split('?')[0]!;
      requests.push({ method: req.method!, path, auth: req.headers.authorization, body });
      const send = (status: number, obj: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(obj));
      if (req.headers.authorization !== `Bearer ${secretKey}`) return send(401, { message: 'Unauthenticated.' });
      if (req.method === 'POST' && path.endsWith('/checkouts')) {
        if (!body?.success_url) return send(422, { message: 'The success url field is required.', errors: { success_url: ['The success url field is required.'] } });
        if (!Number.isInteger(body.amount) || body.amount < 75) return send(422, { message: 'The amount must be at least 75.', errors: { amount: ['The amount must be at least 75.'] } });
        const now = Math.floor(Date.now() / 1000);
        const checkoutId = id();
        const c: FakeCheckout = {
          id: checkoutId,
          entity: 'checkout',
          livemode: false,
          amount: body.amount,
          currency: body.currency,
          status: 'pending',
          metadata: body.metadata ?? null,
          success_url: body.success_url,
          failure_url: body.failure_url ?? null,
          webhook_endpoint: body.webhook_endpoint ?? null,
          checkout_url: `http://127.0.0.1:${port()}/test/checkouts/${checkoutId}/pay`,
          created_at: now,
          updated_at: now,
        };
        checkouts.set(c.id, c);
        return send(200, c);
      }
      const m = /\/checkouts\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m && checkouts.has(m[1]!)) return send(200, checkouts.get(m[1]!));
      send(404, { message: 'Not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = () => (server.address() as AddressInfo).port;

  /** Builds the event Chargily would send for a checkout reaching `status`. */
  function event(checkoutId: string, status: 'paid' | 'failed' | 'canceled', overrides: Record<string, unknown> = {}) {
    const c = checkouts.get(checkoutId);
    if (!c) throw new Error(`no checkout ${checkoutId}`);
    c.status = status;
    const now = Math.floor(Date.now() / 1000);
    const { checkout_url, ...rest } = c;
    return { id: id(), entity: 'event', livemode: 'false', type: `checkout.${status}`, data: { ...rest, url: checkout_url, ...overrides }, created_at: now, updated_at: now };
  }

  return {
    baseUrl: `http://127.0.0.1:${port()}/test/api/v2/`,
    checkouts,
    requests,
    event,
    /** Serialises once and signs those bytes, as Chargily does. */
    signed(evt: unknown, key = secretKey): { body: string; signature: string } {
      const body = JSON.stringify(evt);
      return { body, signature: crypto.createHmac('sha256', key).update(body).digest('hex') };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
