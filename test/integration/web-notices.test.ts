import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

/** Workspace notices can be dismissed (API and pages); the inbox's back arrow follows the reading direction. */
describe('notices and the back arrow', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function shop(tag: string) {
    const c = new WebClient(t.app);
    await c.signUp({ shop: `Shop ${tag}`, email: uniqueEmail(tag) });
    const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
    await c.get('/billing'); // a page gives the session's CSRF token, which API calls with a cookie need
    const notice = async (key: string, message: string) =>
      (await t.ctx.knex('workspace_notices').insert({ workspace_id: ws, kind: 'plan_near_limit', key, message }).returning('id'))[0].id as string;
    return { c, ws, notice };
  }
  const unread = async (c: WebClient) => (await c.agent.get('/api/v1/billing').expect(200)).body.notices.map((n: { message: string }) => n.message) as string[];

  it('the API dismisses one notice, then all; another workspace cannot touch them', async () => {
    const a = await shop('notices-a');
    const b = await shop('notices-b');
    const first = await a.notice('2026-10', 'Used 40 of 50 in October.');
    await a.notice('2026-11', 'Used 45 of 50 in November.');
    const theirs = await b.notice('2026-11', 'B used 41 of 50.');

    await b.c.agent.post(`/api/v1/billing/notices/${first}/read`).set('x-csrf-token', b.c.csrf).expect(404);
    await a.c.agent.post('/api/v1/billing/notices/not-a-uuid/read').set('x-csrf-token', a.c.csrf).expect(404);
    expect(await unread(a.c)).toHaveLength(2);

    expect((await a.c.agent.post(`/api/v1/billing/notices/${first}/read`).set('x-csrf-token', a.c.csrf).expect(200)).body).toEqual({ read: 1 });
    expect(await unread(a.c)).toEqual(['Used 45 of 50 in November.']);
    expect((await t.ctx.knex('workspace_notices').where({ id: first }).first('read_at')).read_at).not.toBeNull();

    expect((await a.c.agent.post('/api/v1/billing/notices/read').set('x-csrf-token', a.c.csrf).expect(200)).body).toEqual({ read: 1 });
    expect(await unread(a.c)).toEqual([]);
    expect(await unread(b.c)).toEqual(['B used 41 of 50.']);
    expect((await t.ctx.knex('workspace_notices').where({ id: theirs }).first('read_at')).read_at).toBeNull();
  });

  it('the billing page and the dashboard dismiss a notice with CSRF and return where they were', async () => {
    const { c, notice } = await shop('notices-page');
    const id = await notice('2026-11', 'Used 45 of 50 in November.');
    await notice('2026-10', 'Used 40 of 50 in October.');
    const page = await c.get('/billing');
    expect(page.text).toContain(`action="/billing/notices/${id}/read"`);
    expect(page.text).toContain('Tout masquer');

    expect((await c.post(`/billing/notices/${id}/read`, { back: '/billing' }, { csrf: null })).status).toBe(403);
    expect(await unread(c)).toHaveLength(2);
    const done = await c.post(`/billing/notices/${id}/read`, { back: '/billing' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/billing');
    expect(await unread(c)).toEqual(['Used 40 of 50 in October.']);

    await c.get('/');
    const fromHome = await c.post('/billing/notices/read', { back: '/' });
    expect(fromHome.headers.location).toBe('/');
    expect((await c.get('/')).text).not.toContain('Used 40 of 50 in October.');
    // Only local pages we know: anything else goes back to /billing.
    expect((await c.post('/billing/notices/read', { back: 'https://evil.example/' })).headers.location).toBe('/billing');

    // Notices are the owner's: an admin cannot dismiss them (API or page).
    const left = await notice('2026-12', 'Used 48 of 50 in December.');
    const token = /\/invite\/([\w-]+)/.exec((await c.get('/workspace').then(() => c.post('/workspace/invites', { role: 'admin', email: '' }))).text)![1]!;
    const admin = new WebClient(t.app);
    await admin.get(`/invite/${token}`);
    await admin.post(`/invite/${token}`, { name: 'Admin', email: uniqueEmail('notice-adm'), password: 'admin password 1' });
    await admin.get('/');
    await admin.agent.post(`/api/v1/billing/notices/${left}/read`).set('x-csrf-token', admin.csrf).expect(403);
    expect((await admin.post(`/billing/notices/${left}/read`, { back: '/billing' })).status).toBe(403);
    expect(await unread(c)).toEqual(['Used 48 of 50 in December.']);
  });

  it("the inbox's back arrow points left in French and right in Arabic", async () => {
    const { c, ws } = await shop('arrow');
    const [customer] = await t.ctx.knex('customers')
      .insert({ workspace_id: ws, channel_id: (await t.ctx.knex('channels').insert({ workspace_id: ws, kind: 'whatsapp', external_id: `arrow-${Date.now()}` }).returning('id'))[0].id, external_id: '213550000001' })
      .returning(['id', 'channel_id']);
    const [conv] = await t.ctx.knex('conversations').insert({ workspace_id: ws, channel_id: customer.channel_id, customer_id: customer.id }).returning('id');
    const back = (text: string) => /<a href="\/inbox" data-back>(.)/.exec(text)?.[1];
    expect(back((await c.get(`/inbox/${conv.id}`)).text)).toBe('←');
    await c.post('/locale', { locale: 'ar', next: `/inbox/${conv.id}` });
    const ar = (await c.get(`/inbox/${conv.id}`)).text;
    expect(ar).toContain('dir="rtl"');
    expect(back(ar)).toBe('→');
  });
});
