import { startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';

const linkIn = (text: string) => /\/invite\/([\w-]+)/.exec(text)?.[1];

describe('settings pages: workspaces, roles and invites', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('invites an agent by link; the agent reaches the inbox side but not settings (403), single use', async () => {
    const owner = new WebClient(t.app);
    await owner.signUp({ shop: 'Invite shop', email: uniqueEmail('owner') });
    await owner.get('/workspace');
    const made = await owner.post('/workspace/invites', { role: 'agent', email: '' });
    expect(made.status).toBe(201);
    const token = linkIn(made.text)!;
    expect(token).toBeTruthy();
    // Only the hash is stored.
    expect(await t.ctx.knex('invites').where({ token_hash: token }).first()).toBeUndefined();

    const agent = new WebClient(t.app);
    const page = await agent.get(`/invite/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Invite shop');
    const agentEmail = uniqueEmail('agent');
    const joined = await agent.post(`/invite/${token}`, { name: 'Karim', email: agentEmail, password: 'agent password 1' });
    expect(joined.status).toBe(303);
    const home = await agent.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Invite shop');
    // The menu does not offer settings to an agent, and the pages and routes refuse them.
    expect(home.text).not.toContain('href="/api-keys"');
    for (const path of ['/api-keys', '/workspace']) expect((await agent.get(path)).status).toBe(403);
    expect((await agent.post('/api-keys', { name: 'x' })).status).toBe(403);
    expect((await agent.agent.get('/api/v1/api-keys')).status).toBe(403);
    expect((await agent.agent.post('/api/v1/api-keys').set('x-csrf-token', agent.csrf).send({})).status).toBe(403);

    // The link is single use.
    const late = new WebClient(t.app);
    expect((await late.get(`/invite/${token}`)).status).toBe(404);
    expect((await late.post(`/invite/${token}`, { name: 'X', email: uniqueEmail('late'), password: 'late password 12' })).status).toBe(404);
  });

  it('an existing account accepts an invite and switches between its workspaces; a member sees nothing of others', async () => {
    const a = new WebClient(t.app);
    const aEmail = uniqueEmail('a');
    await a.signUp({ shop: 'Shop A', email: aEmail });
    const b = new WebClient(t.app);
    await b.signUp({ shop: 'Shop B', email: uniqueEmail('b') });
    await b.get('/workspace');
    const token = linkIn((await b.post('/workspace/invites', { role: 'admin', email: aEmail })).text)!;

    await a.get(`/invite/${token}`);
    expect((await a.post(`/invite/${token}`)).status).toBe(303);
    // Now in Shop B as admin: it can see B's API keys page.
    expect((await a.get('/api-keys')).status).toBe(200);
    const wsB = (await a.agent.get('/api/v1/workspace')).body.workspace;
    expect(wsB.name).toBe('Shop B');
    const keyB = (await b.post('/api-keys', { name: 'b-key' })).text;
    expect(keyB).toContain('wk_live_');

    // Switch back to A (the switcher only lists the account's own workspaces).
    const home = await a.get('/');
    expect(home.text).toContain('Shop A');
    const wsA = await t.ctx.knex('workspaces').where({ name: 'Shop A' }).whereIn('id', t.ctx.knex('memberships').select('workspace_id').join('accounts', 'accounts.id', 'memberships.account_id').whereRaw('lower(email) = ?', [aEmail])).first('id');
    expect((await a.post('/switch-workspace', { workspace_id: wsA.id })).status).toBe(303);
    expect((await a.agent.get('/api/v1/workspace')).body.workspace.name).toBe('Shop A');

    // Shop C, where A is not a member: switching to it, or touching its key ids, is a 404.
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'Shop C', email: uniqueEmail('c') });
    await c.get('/api-keys');
    await c.post('/api-keys', { name: 'c-key' });
    const wsC = (await c.agent.get('/api/v1/workspace')).body.workspace.id;
    const keyC = (await c.agent.get('/api/v1/api-keys')).body.api_keys[0].id;
    expect((await a.post('/switch-workspace', { workspace_id: wsC })).status).toBe(404);
    expect((await a.post(`/api-keys/${keyC}/revoke`)).status).toBe(404);
    expect((await a.agent.delete(`/api/v1/api-keys/${keyC}`).set('x-csrf-token', a.csrf)).status).toBe(404);
    expect((await c.agent.get('/api/v1/api-keys')).body.api_keys[0].revoked_at).toBeNull();
  });

  it('the owner removes a member, who then loses access at once', async () => {
    const owner = new WebClient(t.app);
    await owner.signUp({ shop: 'Remove shop', email: uniqueEmail('own') });
    await owner.get('/workspace');
    const token = linkIn((await owner.post('/workspace/invites', { role: 'admin', email: '' })).text)!;
    const admin = new WebClient(t.app);
    await admin.get(`/invite/${token}`);
    await admin.post(`/invite/${token}`, { name: 'Admin', email: uniqueEmail('adm'), password: 'admin password 1' });
    expect((await admin.get('/api-keys')).status).toBe(200);
    const adminId = (await t.ctx.knex('sessions').orderBy('created_at', 'desc').first('account_id')).account_id;
    await owner.get('/workspace');
    expect((await owner.post(`/workspace/members/${adminId}/remove`)).status).toBe(303);
    expect((await admin.get('/api-keys')).status).toBe(403);
    expect((await admin.agent.get('/api/v1/workspace')).status).toBe(401);
  });

  it('revokes an API key from the page: shown once, listed by prefix, then refused', async () => {
    const owner = new WebClient(t.app);
    await owner.signUp({ shop: 'Keys shop', email: uniqueEmail('keys') });
    await owner.get('/api-keys');
    const made = await owner.post('/api-keys', { name: 'zapier' });
    const key = /wk_live_[\w-]+/.exec(made.text)![0];
    const list = await owner.get('/api-keys');
    expect(list.text).not.toContain(key);
    expect(list.text).toContain(key.slice(0, 12));
    await t.http().get('/api/v1/workspace').set('Authorization', `Bearer ${key}`).expect(200);
    const id = (await owner.agent.get('/api/v1/api-keys')).body.api_keys[0].id;
    expect((await owner.post(`/api-keys/${id}/revoke`)).status).toBe(303);
    await t.http().get('/api/v1/workspace').set('Authorization', `Bearer ${key}`).expect(401);
  });
});
