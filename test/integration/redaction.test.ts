import { generateKey } from '../../src/crypto/fernet';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

/** Secrets and PII never reach the logs, whichever way they travel. (Sentry: sentry-redaction.test.ts.) */
const PHONE_INTL = '+213 661 23 45 67';
const PHONE_LOCAL = '0661234567';
const WA_ID = '213661234567';
const CUSTOMER_NAME = 'Yacine Benali';
const ADDRESS = '12 rue Didouche Mourad';
const MESSAGE_TEXT = 'salam, 3andkom taille 42?';

function expectClean(text: string, secrets: string[]) {
  for (const s of secrets) expect({ leaked: s, found: text.includes(s) }).toEqual({ leaked: s, found: false });
}

describe('log redaction', () => {
  let t: TestApp;
  let broken: TestApp;
  const token = `EAAG${generateKey().replace(/[^A-Za-z0-9]/g, '')}`;
  const secretsOf = (apiKey: string) => [apiKey, token, PHONE_INTL, PHONE_LOCAL, '661 23 45 67', WA_ID, CUSTOMER_NAME, ADDRESS, MESSAGE_TEXT];

  beforeAll(async () => {
    [t, broken] = await Promise.all([startTestApp(), startTestApp()]);
  });
  afterAll(async () => {
    await t.close();
    await broken.close().catch(() => undefined);
  });

  it('keeps bearer keys, query-string tokens and bodies out of request logs, including a 500', async () => {
    const ws = await newWorkspace(t.ctx);
    const qs = `?phone=${encodeURIComponent(PHONE_INTL)}&access_token=${token}&q=${PHONE_LOCAL}`;
    await t.http().get(`/api/v1/workspace${qs}`).set(ws.auth).expect(200);
    await t.http().post(`/api/v1/api-keys${qs}`).set(ws.auth).send({ name: 'zapier', phone: PHONE_LOCAL, token, text: MESSAGE_TEXT }).expect(201);
    await t.http().get('/api/v1/workspace').set('Authorization', `Bearer wk_live_${token}`).expect(401);
    await t.http().post('/api/v1/api-keys').set(ws.auth).set('content-type', 'application/json').send(`{"phone": "${PHONE_LOCAL}", "token": "${token}"`).expect(400);
    expectClean(t.logs.text, secretsOf(ws.api_key));
    // The requests were logged (path and status), so the check above is not vacuous.
    expect(t.logs.text).toContain('"path":"/api/v1/workspace"');
    expect(t.logs.text).toContain('"statusCode":401');

    // A real 500: the database disappears under a running app, and the request still carries secrets.
    const bws = await newWorkspace(broken.ctx);
    await broken.ctx.jobs.stop();
    await broken.ctx.db.close();
    await broken
      .http()
      .post(`/api/v1/api-keys${qs}`)
      .set('Authorization', `Bearer ${bws.api_key}`)
      .set('x-forwarded-for', '203.0.113.77')
      .send({ name: 'x', phone: PHONE_INTL, customer: { name: CUSTOMER_NAME, address: ADDRESS } })
      .expect(500);
    expect(broken.logs.text).toContain('request failed');
    expect(broken.logs.text).toContain('Unable to acquire a connection');
    expectClean(broken.logs.text, secretsOf(bws.api_key));
  });

  it('redacts domain objects at any depth, error messages and driver error details', async () => {
    const log = t.ctx.logger;
    const before = t.logs.lines.length;
    log.info(
      {
        phone: PHONE_LOCAL,
        token,
        text: MESSAGE_TEXT,
        access_token: token,
        credentials: { api_id: 'yal-1', api_token: token },
        order: { id: 'o-1', total: 4500, customer: { name: CUSTOMER_NAME, phone: PHONE_INTL }, delivery: { address: ADDRESS, customer_phone: PHONE_LOCAL } },
        payload: { entry: [{ changes: [{ value: { contacts: [{ wa_id: WA_ID, profile: { name: CUSTOMER_NAME } }], messages: [{ from: WA_ID, text: { body: MESSAGE_TEXT } }] } }] }] },
      },
      'domain objects',
    );
    log.warn(`customer ${PHONE_LOCAL} (${PHONE_INTL}) wrote again`);
    log.error({ err: new Error(`Graph 401 sending to ${PHONE_INTL}: Authorization: Bearer ${token}`) }, 'send failed');
    // A real driver error, logged under a key other than `err`: its message echoes the value.
    const pgErr = await t.ctx.knex.raw('select ?::uuid', [PHONE_LOCAL]).catch((e: unknown) => e);
    expect(String((pgErr as Error).message)).toContain(PHONE_LOCAL);
    log.error({ error: pgErr, nested: { cause: pgErr } }, 'query failed');

    const written = t.logs.lines.slice(before).join('\n');
    expectClean(written, secretsOf(token));
    // What is not secret survives, so the logs stay useful.
    expect(written).toContain('"msg":"domain objects"');
    expect(written).toContain('"total":4500');
    expect(written).toContain('"credentials":"[redacted]"');
    expect(written).toContain('Graph 401 sending to [redacted-number]: Authorization: Bearer [redacted]');
    expect(written).toContain('invalid input syntax for type uuid');
    expect(written).toContain('customer [redacted-number] ([redacted-number]) wrote again');
  });
});
