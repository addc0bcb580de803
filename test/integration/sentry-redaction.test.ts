import * as Sentry from '@sentry/node';
import { initSentry } from '../../src/observability/sentry';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry-ingest';
import type * as HarnessModule from '../support/harness';

/**
 * Sentry.init is global to the process, and must run before express is loaded so its
 * instrumentation can hook it: this file inits first, then require()s the app (apis.md §4.4).
 */
const PHONE_INTL = '+213 661 23 45 67';
const PHONE_LOCAL = '0661234567';
const CLIENT_IP = '203.0.113.77';
const BODY_MARKER = 'body-marker-Zq81';

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Sentry receives errors without secrets or PII', () => {
  let fake: FakeSentry;
  let t: HarnessModule.TestApp;
  let harness: typeof HarnessModule;

  beforeAll(async () => {
    fake = await startFakeSentry();
    expect(initSentry(fake.dsn('42'), 'test', { transportOptions: { keepAlive: false } } as never)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    harness = require('../support/harness') as typeof HarnessModule;
    t = await harness.startTestApp();
  });
  afterAll(async () => {
    await Sentry.close(2000);
    await t?.close().catch(() => undefined);
    await fake?.close();
  });

  it('reports a 500 from a real route with a dead database, minus body, headers, IP and query', async () => {
    const ws = await harness.newWorkspace(t.ctx);
    // The database goes away under the running app: authentication's query fails with a 500.
    await t.ctx.jobs.stop();
    await t.ctx.db.close();
    const res = await t
      .http()
      .post(`/api/v1/api-keys?phone=${encodeURIComponent(PHONE_INTL)}&access_token=qs-${ws.api_key}`)
      .set('Authorization', `Bearer ${ws.api_key}`)
      .set('x-forwarded-for', CLIENT_IP)
      .set('cookie', `wakil_session=cookie-${ws.api_key}`)
      .send({ name: BODY_MARKER, phone: PHONE_LOCAL, customer: { phone: PHONE_INTL }, token: ws.api_key });
    expect(res.status).toBe(500);

    await Sentry.flush(5000);
    const event = await until('the error event', () => fake.events().find((e) => e.request !== undefined || e.exception !== undefined));
    expect(fake.envelopes[0]!.projectId).toBe('42');
    expect(fake.envelopes[0]!.sentryKey).toBe('publickey');
    expect(event.exception).toBeDefined();

    const all = fake.envelopes.map((e) => e.raw).join('\n');
    for (const secret of [ws.api_key, PHONE_LOCAL, PHONE_INTL, encodeURIComponent(PHONE_INTL), '661 23 45 67', CLIENT_IP, BODY_MARKER]) {
      expect(all).not.toContain(secret);
    }
    const request = event.request as { url?: string; headers?: Record<string, string>; data?: unknown; query_string?: unknown; cookies?: unknown } | undefined;
    if (request) {
      expect(request.data).toBeUndefined();
      expect(request.query_string).toBeUndefined();
      expect(request.cookies).toBeUndefined();
      expect(Object.keys(request.headers ?? {}).map((h) => h.toLowerCase())).not.toEqual(expect.arrayContaining(['authorization']));
    }
    expect((event.user as { ip_address?: string } | undefined)?.ip_address).toBeUndefined();
    // Scrubbing keeps what is useful: the error, the path, timestamps in the SDK's contexts.
    expect(JSON.stringify(event.exception)).toContain('Unable to acquire a connection');
    expect(request?.url).toMatch(/\/api\/v1\/api-keys$/);
    expect(all).not.toContain('[redacted-number]T');
  });

  it('scrubs captured exceptions, extra data and breadcrumbs', async () => {
    const token = `EAAG${Date.now().toString(36)}SecretGraphToken`;
    const seen = fake.events().length;
    Sentry.addBreadcrumb({ category: 'console', message: `customer ${PHONE_LOCAL} said hi` });
    Sentry.addBreadcrumb({ category: 'http', data: { url: `https://graph.facebook.com/v25.0/me/messages?access_token=${token}`, method: 'POST' } });
    Sentry.addBreadcrumb({ category: 'order', message: `order for ${PHONE_INTL}`, data: { phone: PHONE_LOCAL, total: 4500 } });
    Sentry.captureException(new Error(`Graph 401 sending to ${PHONE_INTL} with Bearer ${token}`), {
      extra: { customer: { phone: PHONE_LOCAL, wilaya: 16 }, access_token: token, note: `call ${PHONE_LOCAL}` },
      tags: { channel: 'whatsapp' },
    });
    await Sentry.flush(5000);
    const event = await until('the captured exception', () => fake.events()[seen]);
    const raw = fake.envelopes.map((e) => e.raw).join('\n');
    for (const secret of [token, PHONE_LOCAL, PHONE_INTL, '661 23 45 67']) expect(raw).not.toContain(secret);
    expect(JSON.stringify(event.exception)).toContain('Graph 401 sending to [redacted-number] with Bearer [redacted]');
    const crumbs = (event.breadcrumbs ?? []) as Array<{ category?: string; message?: string; data?: Record<string, unknown> }>;
    expect(crumbs.find((b) => b.category === 'console')).toBeUndefined();
    const graph = crumbs.filter((b) => String(b.data?.url ?? '').startsWith('https://graph.facebook.com'));
    expect(graph.map((b) => b.data?.url)).toEqual(['https://graph.facebook.com/v25.0/me/messages']);
    expect(crumbs.find((b) => b.category === 'order')).toMatchObject({ message: 'order for [redacted-number]', data: { phone: '[Filtered]', total: 4500 } });
    expect(event.extra).toMatchObject({ customer: { phone: '[Filtered]', wilaya: 16 }, access_token: '[Filtered]', note: 'call [redacted-number]' });
    expect(event.tags).toMatchObject({ channel: 'whatsapp' });
  });
});
