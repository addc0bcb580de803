import { makeSignedRequest } from '../../channels/meta/signature';
import { APP_SECRET } from '../support/meta-fixtures';
import { startTestApp, type TestApp } from '../support/harness';

describe('Meta data-deletion and deauthorize callbacks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_BASE_URL: 'https://wakil.example.dz' } });
  });
  afterAll(() => t.close());

  it('verifies signed_request, records the user id and answers { url, confirmation_code } with a status page', async () => {
    const sr = makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: '100234567890123' }, APP_SECRET);
    const res = await t.http().post('/webhooks/meta/data-deletion').type('form').send({ signed_request: sr }).expect(200);
    expect(res.body.confirmation_code).toMatch(/^[0-9a-f]{24}$/);
    expect(res.body.url).toBe(`https://wakil.example.dz/webhooks/meta/deletion-status/${res.body.confirmation_code}`);
    const row = await t.ctx.knex('meta_app_requests').where({ confirmation_code: res.body.confirmation_code }).first();
    expect(row).toMatchObject({ kind: 'data_deletion', user_id: '100234567890123', status: 'received' });
    const page = await t.http().get(`/webhooks/meta/deletion-status/${res.body.confirmation_code}`).expect(200);
    expect(page.text).toContain(res.body.confirmation_code);
    await t.http().get('/webhooks/meta/deletion-status/0123456789abcdef01234567').expect(404);
  });

  it('rejects a bad signature and records deauthorize requests', async () => {
    const bad = makeSignedRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, 'not-the-secret');
    await t.http().post('/webhooks/meta/data-deletion').type('form').send({ signed_request: bad }).expect(401);
    await t.http().post('/webhooks/meta/deauthorize').type('form').send({}).expect(400);
    const sr = makeSignedRequest({ algorithm: 'HMAC-SHA256', user_id: '100999' }, APP_SECRET);
    await t.http().post('/webhooks/meta/deauthorize').type('form').send({ signed_request: sr }).expect(200);
    expect(await t.ctx.knex('meta_app_requests').where({ user_id: '100999', kind: 'deauthorize' })).toHaveLength(1);
  });
});
