import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhook } from '../../src/merchant-webhooks/deliver';
import { verifyWebhookSignature } from '../../src/merchant-webhooks/signature';
import { runOrderHooks } from '../../src/orders/hooks';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A merchant's receiver: records deliveries; `redirectTo` makes it answer 302. */
async function receiver(opts: { status?: number; redirectTo?: string } = {}) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      if (opts.redirectTo) {
        res.writeHead(302, { location: opts.redirectTo }).end();
        return;
      }
      res.writeHead(opts.status ?? 200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/wakil`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('merchant webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ work: true, env: { WEBHOOKS_ALLOW_LOOPBACK: 'true' } });
  });
  afterAll(() => t.close());

  async function createOrder(workspaceId: string, previousStatus: string | null, status: string) {
    const [o] = await t.ctx.knex('orders').insert({ workspace_id: workspaceId, status, total: 4300 }).returning('id');
    await t.ctx.knex.transaction((trx) => runOrderHooks(t.ctx, trx, { workspaceId, orderId: o.id, previousStatus, status }));
    return o.id as string;
  }

  it('delivers signed, timestamped events that the receiver can verify', async () => {
    const r = await receiver();
    const ws = await newWorkspace(t.ctx);
    const created = await t.http().post('/api/v1/webhooks').set(ws.auth).send({ url: r.url, events: ['order.created'] }).expect(201);
    const secret: string = created.body.webhook.secret;
    expect(secret).toMatch(/^whsec_/);
    const listed = await t.http().get('/api/v1/webhooks').set(ws.auth).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const orderId = await createOrder(ws.workspace_id, null, 'pending');
    await until(async () => r.got[0]);
    const { headers, body } = r.got[0]!;
    const sig = String(headers['wakil-signature']);
    expect(verifyWebhookSignature(secret, body, sig)).toBe(true);
    expect(verifyWebhookSignature(secret, body.replace('4300', '1'), sig)).toBe(false);
    expect(verifyWebhookSignature('whsec_wrong', body, sig)).toBe(false);
    // A replay a day later is outside the tolerance.
    expect(verifyWebhookSignature(secret, body, sig, 300, Date.now() / 1000 + 86400)).toBe(false);
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ type: 'order.created', data: { order: { id: orderId, total: 4300 } } });

    // Not subscribed to order.updated: nothing more arrives, and the delivery log shows one success.
    await createOrder(ws.workspace_id, 'pending', 'confirmed');
    const deliveries = await until(async () => {
      const d = await t.http().get(`/api/v1/webhooks/${created.body.webhook.id}/deliveries`).set(ws.auth).expect(200);
      return d.body.deliveries.length === 1 && d.body.deliveries[0].status === 'delivered' ? d.body.deliveries : undefined;
    });
    expect(deliveries[0].response_status).toBe(200);
    await r.close();
  });

  it('refuses to register private targets through the API', async () => {
    const ws = await newWorkspace(t.ctx);
    for (const url of ['https://10.0.0.1/h', 'https://169.254.169.254/', 'https://[::ffff:192.168.0.1]/h']) {
      const res = await t.http().post('/api/v1/webhooks').set(ws.auth).send({ url }).expect(400);
      expect(res.body.error.message).toMatch(/private or reserved/);
    }
  });

  it('does not follow a redirect to a private address, nor a name that resolves to one', async () => {
    const ws = await newWorkspace(t.ctx);
    const redirecting = await receiver({ redirectTo: 'http://10.0.0.7/steal' });
    const ep = await t.http().post('/api/v1/webhooks').set(ws.auth).send({ url: redirecting.url }).expect(201);
    await createOrder(ws.workspace_id, null, 'pending');
    const row = await until(async () => {
      const d = await t.ctx.knex('webhook_deliveries').where({ endpoint_id: ep.body.webhook.id }).first();
      return d?.status === 'failed' ? d : undefined;
    });
    expect(row.error).toMatch(/private or reserved/);
    expect(redirecting.got).toHaveLength(1);
    await redirecting.close();

    // DNS rebinding shape: the stored URL's name now resolves to a private address.
    const [endpoint] = await t.ctx.knex('webhook_endpoints').insert({ workspace_id: ws.workspace_id, url: 'https://hooks.merchant.example/w', events: ['order.created'] }).returning('id');
    await t.ctx.vault.put(ws.workspace_id, 'webhook_secret', endpoint.id, 'whsec_x');
    const [d] = await t.ctx.knex('webhook_deliveries').insert({ workspace_id: ws.workspace_id, endpoint_id: endpoint.id, event: 'order.created', payload: JSON.stringify({ id: 'x' }) }).returning('id');
    const outcome = await deliverWebhook(t.ctx, d.id, { lookup: async () => [{ address: '192.168.1.20', family: 4 }] });
    expect(outcome).toBe('failed');
  });

  it('retries a failing endpoint and records the status', async () => {
    const ws = await newWorkspace(t.ctx);
    const down = await receiver({ status: 503 });
    const ep = await t.http().post('/api/v1/webhooks').set(ws.auth).send({ url: down.url }).expect(201);
    const [d] = await t.ctx.knex('webhook_deliveries').insert({ workspace_id: ws.workspace_id, endpoint_id: ep.body.webhook.id, event: 'order.created', payload: JSON.stringify({ id: 'y' }) }).returning('id');
    await expect(deliverWebhook(t.ctx, d.id)).rejects.toThrow(/503/);
    const row = await t.ctx.knex('webhook_deliveries').where({ id: d.id }).first();
    expect(row).toMatchObject({ status: 'pending', response_status: 503, attempts: 1 });
    const endpoint = await t.ctx.knex('webhook_endpoints').where({ id: ep.body.webhook.id }).first();
    expect(endpoint.last_status).toBe('retrying');
    await down.close();
  });
});
