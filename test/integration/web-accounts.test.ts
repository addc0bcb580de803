import crypto from 'node:crypto';
import { LOGIN_LIMIT } from '../../src/accounts/login-limiter';
import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

describe('settings pages: accounts, sessions, CSRF', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('signs up, lands on the dashboard, logs out and logs back in', async () => {
    const c = new WebClient(t.app);
    const email = uniqueEmail('signup');
    const res = await c.signUp({ shop: 'Boutique Yasmine', email });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const home = await c.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Boutique Yasmine');
    expect(home.text).toContain('lang="fr"');

    const account = await t.ctx.knex('accounts').whereRaw('lower(email) = ?', [email]).first();
    expect(account.password_hash).toMatch(/^scrypt\$/);
    const m = await t.ctx.knex('memberships').where({ account_id: account.id }).first();
    expect(m.role).toBe('owner');
    // No unseen API key is left behind by a sign-up.
    expect(await t.ctx.knex('api_keys').where({ workspace_id: m.workspace_id })).toHaveLength(0);

    const out = await c.post('/logout');
    expect(out.status).toBe(303);
    expect((await c.get('/')).headers.location).toBe('/login?next=%2F');
    expect(await t.ctx.knex('sessions').where({ account_id: account.id })).toHaveLength(0);

    const back = await c.logIn(email);
    expect(back.status).toBe(303);
    expect((await c.get('/')).status).toBe(200);
  });

  it('refuses a second sign-up with the same email (any case) and keeps the first password', async () => {
    const email = uniqueEmail('dup');
    await new WebClient(t.app).signUp({ shop: 'First', email });
    const c = new WebClient(t.app);
    const res = await c.signUp({ shop: 'Second', email: email.toUpperCase(), password: 'another password 123' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/aria-invalid="true"/);
    expect((await new WebClient(t.app).logIn(email, 'another password 123')).status).toBe(401);
    expect(await t.ctx.knex('workspaces').where({ name: 'Second' }).whereIn('id', t.ctx.knex('memberships').select('workspace_id').join('accounts', 'accounts.id', 'memberships.account_id').whereRaw('lower(email) = ?', [email]))).toHaveLength(0);
  });

  it('shows field errors next to the fields on a bad sign-up', async () => {
    const c = new WebClient(t.app);
    await c.get('/signup');
    const res = await c.post('/signup', { shop_name: '', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="f-email"[^>]*aria-invalid="true"[^>]*aria-describedby="f-email-err"|aria-invalid="true" aria-describedby="f-email-err"/);
    expect(res.text).toContain('id="f-password-err"');
    expect(res.text).toContain('role="alert"');
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, not Secure outside production', async () => {
    const c = new WebClient(t.app);
    const res = await c.signUp({ shop: 'Cookie shop', email: uniqueEmail('cookie') });
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((x) => x.startsWith('wakil_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    // Only the SHA-256 of the cookie value is stored.
    const value = /^wakil_session=([^;]+)/.exec(cookie)![1]!;
    const hash = crypto.createHash('sha256').update(value).digest('hex');
    expect(await t.ctx.knex('sessions').where({ id: hash }).first()).toBeTruthy();
    expect(await t.ctx.knex('sessions').where({ id: value }).first()).toBeUndefined();
  });

  it('marks the session cookie Secure when NODE_ENV=production', async () => {
    const prod = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      // A cookie jar would not send Secure cookies back over plain http: carry them by hand.
      const form = await prod.http().get('/signup').expect(200);
      const pre = (form.headers['set-cookie'] as unknown as string[]).find((x) => x.startsWith('wakil_csrf='))!;
      expect(pre).toMatch(/; Secure/);
      const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
      const res = await prod
        .http()
        .post('/signup')
        .set('Cookie', pre.split(';')[0]!)
        .type('form')
        .send({ _csrf: token, shop_name: 'Prod shop', email: uniqueEmail('prod'), password: 'correct horse battery', locale: 'fr' })
        .expect(303);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((x) => x.startsWith('wakil_session='))!;
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/HttpOnly/);
    } finally {
      await prod.close();
    }
  });

  it('rejects forms without the CSRF token (403) and with another session\'s token', async () => {
    const c = new WebClient(t.app);
    await c.get('/signup');
    const noToken = await c.post('/signup', { shop_name: 'X', email: uniqueEmail('csrf'), password: 'correct horse battery' }, { csrf: null });
    expect(noToken.status).toBe(403);

    await c.signUp({ shop: 'CSRF shop', email: uniqueEmail('csrf') });
    await c.get('/api-keys');
    const other = new WebClient(t.app);
    await other.signUp({ shop: 'Other', email: uniqueEmail('csrf2') });
    await other.get('/');
    const forged = await c.post('/api-keys', { name: 'evil' }, { csrf: other.csrf });
    expect(forged.status).toBe(403);
    const missing = await c.post('/logout', {}, { csrf: null });
    expect(missing.status).toBe(403);
    const ok = await c.post('/api-keys', { name: 'zapier' });
    expect(ok.status).toBe(201);
  });

  it('authenticates /api/v1 with the session cookie; JSON mutations need x-csrf-token', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'API via session', email: uniqueEmail('api') });
    await c.get('/');
    const ws = await c.agent.get('/api/v1/workspace').expect(200);
    expect(ws.body.workspace.name).toBe('API via session');
    expect(ws.body.role).toBe('owner');
    const denied = await c.agent.post('/api/v1/api-keys').send({ name: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.type).toBe('forbidden');
    const wrong = await c.agent.post('/api/v1/api-keys').set('x-csrf-token', 'nope').send({ name: 'x' });
    expect(wrong.status).toBe(403);
    const ok = await c.agent.post('/api/v1/api-keys').set('x-csrf-token', c.csrf).send({ name: 'x' });
    expect(ok.status).toBe(201);
    expect(ok.body.api_key).toMatch(/^wk_live_/);
  });

  it(`limits failed logins per email and IP: ${LOGIN_LIMIT.attempts} per window, then 429 even with the right password`, async () => {
    const email = uniqueEmail('limit');
    await new WebClient(t.app).signUp({ shop: 'Limited', email });
    const c = new WebClient(t.app);
    for (let k = 0; k < LOGIN_LIMIT.attempts; k++) {
      const r = await c.logIn(email, 'wrong password!!');
      expect(r.status).toBe(401);
      expect(r.text).toContain('role="alert"');
    }
    const blocked = await c.logIn(email);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Stored in Postgres: a second app (another process) sees the same limit.
    const t2 = await startTestApp();
    try {
      expect((await new WebClient(t2.app).logIn(email)).status).toBe(429);
    } finally {
      await t2.close();
    }
    // Another email from the same IP is not affected.
    const other = uniqueEmail('limit-other');
    await new WebClient(t.app).signUp({ shop: 'Other', email: other });
    expect((await new WebClient(t.app).logIn(other)).status).toBe(303);
  });

  it('changes the password: the old one stops working and other sessions end', async () => {
    const email = uniqueEmail('pw');
    const a = new WebClient(t.app);
    await a.signUp({ shop: 'PW shop', email });
    const b = new WebClient(t.app);
    await b.logIn(email);
    const home = await b.get('/');
    if (home.status !== 200) console.log(t.logs.lines.filter((l) => l.includes('page failed')).join('\n'));
    expect(home.status).toBe(200);
    await a.get('/account');
    const wrong = await a.post('/account/password', { current_password: 'nope nope nope', new_password: 'brand new password' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('id="f-current_password-err"');
    const ok = await a.post('/account/password', { current_password: 'correct horse battery', new_password: 'brand new password' });
    expect(ok.status).toBe(303);
    expect((await a.get('/')).status).toBe(200);
    expect((await b.get('/')).status).toBe(303);
    expect((await new WebClient(t.app).logIn(email)).status).toBe(401);
    expect((await new WebClient(t.app).logIn(email, 'brand new password')).status).toBe(303);
  });

  it('does not redirect off-site after login', async () => {
    const email = uniqueEmail('next');
    await new WebClient(t.app).signUp({ shop: 'Next', email });
    const c = new WebClient(t.app);
    await c.get('/login');
    const r = await c.post('/login', { email, password: 'correct horse battery', next: '//evil.example/x' });
    expect(r.headers.location).toBe('/');
  });
});
