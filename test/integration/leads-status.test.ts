import type { Knex } from 'knex';
import type { AppContext } from '../../src/context';
import { captureLead } from '../../src/leads/leads';
import { leadHooks, type LeadChange } from '../../src/orders/hooks';
import { SHEET_SYNC_JOB } from '../../src/sheets/jobs';
import { syncSheet } from '../../src/sheets/sync';
import type { FakeSheetsServer } from '../fakes/sheets-server';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';
import { uniqueEmail, WebClient } from '../support/web-client';
import { workspaceWithChannels } from '../support/meta-fixtures';
import { sendWhatsApp } from './agent-helpers';
import { connectedShop, startFakeSheets } from './sheets-support';

const linkIn = (text: string) => /\/invite\/([\w-]+)/.exec(text)?.[1];

/**
 * The merchant working a lead: PATCH /api/v1/leads/:id and the leads page's status buttons, both
 * through updateLeadStatus (status table, audit, lead hooks → Google Sheet mirror).
 */
describe('lead status: API and leads page', () => {
  let fake: FakeSheetsServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeSheets();
    t = await startTestApp({ env: { GOOGLE_SHEETS_ROOT_URL: fake.rootUrl } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  let n = 0;
  const lead = async (workspaceId: string) => {
    n += 1;
    return (await captureLead(t.ctx, workspaceId, { customerName: `Nadia ${n}`, phone: `+2137701234${String(10 + n).slice(-2)}`, interest: 'Sac en cuir, plus tard', wilayaCode: '09' })).id;
  };
  const statusOf = async (id: string) => (await t.ctx.knex('leads').where({ id }).first('status')).status as string;
  const sheetRow = (workspaceId: string, id: string) => t.ctx.knex('sheet_rows').where({ workspace_id: workspaceId, entity: 'lead', entity_id: id }).first('change_seq', 'synced_seq');
  const queuedSyncs = async (workspaceId: string) =>
    Number(
      (await t.ctx.knex.raw("SELECT count(*)::int AS n FROM pgboss.job WHERE name = ? AND state < 'completed' AND data->>'workspaceId' = ?", [SHEET_SYNC_JOB, workspaceId])).rows[0].n,
    );

  /** Records the lead changes the hooks see for one workspace (the hooks list is the extension point). */
  async function watchingLeadHooks<T>(workspaceId: string, run: () => Promise<T>): Promise<{ result: T; seen: LeadChange[] }> {
    const seen: LeadChange[] = [];
    const hook = async (_ctx: AppContext, _trx: Knex.Transaction, change: LeadChange) => {
      if (change.workspaceId === workspaceId) seen.push(change);
    };
    leadHooks.push(hook);
    try {
      return { result: await run(), seen };
    } finally {
      leadHooks.splice(leadHooks.indexOf(hook), 1);
    }
  }

  it('PATCH moves a lead new → contacted → converted, audits it, and the Google Sheet row follows', async () => {
    const shop = await connectedShop(t, fake, { language: 'fr' });
    const id = await lead(shop.workspaceId);
    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.dataRows(shop.spreadsheetId, 'Leads').map((r) => [r[0], r[2]])).toEqual([[id, 'Nouveau']]);
    const before = await sheetRow(shop.workspaceId, id);
    expect(before.change_seq).toBe(before.synced_seq);
    const { updated_at: updatedBefore } = await t.ctx.knex('leads').where({ id }).first('updated_at');

    const { result: res, seen } = await watchingLeadHooks(shop.workspaceId, () =>
      t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({ status: 'contacted' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.lead).toMatchObject({ id, status: 'contacted', customer_name: expect.stringMatching(/^Nadia/), interest: 'Sac en cuir, plus tard', wilaya: '09' });
    expect(new Date(res.body.lead.updated_at).getTime()).toBeGreaterThan(new Date(updatedBefore).getTime());
    expect(await statusOf(id)).toBe('contacted');
    expect(seen).toEqual([{ workspaceId: shop.workspaceId, leadId: id, created: false }]);

    // The sheet hook ran in the transaction: the row is pending again and a sync is queued.
    const after = await sheetRow(shop.workspaceId, id);
    expect(after.change_seq).toBe(before.change_seq + 1);
    expect(after.change_seq).toBeGreaterThan(after.synced_seq);
    expect(await queuedSyncs(shop.workspaceId)).toBeGreaterThanOrEqual(1);

    const audit = await t.ctx.knex('audit_log').where({ workspace_id: shop.workspaceId, target: id }).select('actor', 'action', 'data');
    expect(audit).toEqual([{ actor: expect.stringMatching(/^api_key:/), action: 'lead.contacted', data: { from: 'new', to: 'contacted' } }]);

    await syncSheet(t.ctx, shop.workspaceId);
    expect(fake.dataRows(shop.spreadsheetId, 'Leads').map((r) => [r[0], r[2]])).toEqual([[id, 'Contacté']]);

    const converted = await t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({ status: 'converted' }).expect(200);
    expect(converted.body.lead.status).toBe('converted');
    await syncSheet(t.ctx, shop.workspaceId);
    const rows = fake.dataRows(shop.spreadsheetId, 'Leads');
    expect(rows).toHaveLength(1); // the same row, updated in place
    expect(rows[0]?.[2]).toBe('Converti');
  });

  it('refuses a move the status table does not allow (409 with the reason) and an unknown status (400); nothing changes', async () => {
    const shop = await connectedShop(t, fake);
    const id = await lead(shop.workspaceId);
    const seq = (await sheetRow(shop.workspaceId, id)).change_seq;

    const same = await t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({ status: 'new' }).expect(409);
    expect(same.body.error).toEqual({
      type: 'conflict',
      message: 'A lead that is new cannot become new (allowed: contacted, converted, lost)',
      details: { from: 'new', to: 'new', allowed: ['contacted', 'converted', 'lost'] },
    });

    const unknown = await t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({ status: 'called' }).expect(400);
    expect(unknown.body.error.type).toBe('invalid_input');
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ path: 'status' })]);
    expect((await t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({}).expect(400)).body.error.type).toBe('invalid_input');

    await t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({ status: 'converted' }).expect(200);
    const final = await t.http().patch(`/api/v1/leads/${id}`).set(shop.ws.auth).send({ status: 'lost' }).expect(409);
    expect(final.body.error.message).toBe('A lead that is converted cannot become lost (it is final)');

    // A lost lead can be worked again; it cannot jump back to new.
    const other = await lead(shop.workspaceId);
    await t.http().patch(`/api/v1/leads/${other}`).set(shop.ws.auth).send({ status: 'lost' }).expect(200);
    expect((await t.http().patch(`/api/v1/leads/${other}`).set(shop.ws.auth).send({ status: 'new' }).expect(409)).body.error.details.allowed).toEqual(['contacted']);
    await t.http().patch(`/api/v1/leads/${other}`).set(shop.ws.auth).send({ status: 'contacted' }).expect(200);

    expect(await statusOf(id)).toBe('converted');
    // Only the accepted move marked the row for the sheet: refused ones rolled back with their hook.
    expect((await sheetRow(shop.workspaceId, id)).change_seq).toBe(seq + 1);
    const actions = (await t.ctx.knex('audit_log').where({ workspace_id: shop.workspaceId, target: id }).pluck('action')) as string[];
    expect(actions).toEqual(['lead.converted']);
  });

  it("another workspace's lead is 404 and stays as it was; a malformed id is 404", async () => {
    const mine = await newWorkspace(t.ctx, 'Boutique A');
    const theirs = await newWorkspace(t.ctx, 'Boutique B');
    const id = await lead(theirs.workspace_id);
    const res = await t.http().patch(`/api/v1/leads/${id}`).set(mine.auth).send({ status: 'lost' }).expect(404);
    expect(res.body.error).toEqual({ type: 'not_found', message: 'Lead not found' });
    expect(await statusOf(id)).toBe('new');
    expect(await t.ctx.knex('audit_log').where({ target: id }).first()).toBeUndefined();
    expect((await t.http().patch('/api/v1/leads/not-a-uuid').set(mine.auth).send({ status: 'lost' }).expect(404)).body.error.type).toBe('not_found');
    // Its owner still can.
    await t.http().patch(`/api/v1/leads/${id}`).set(theirs.auth).send({ status: 'lost' }).expect(200);
  });

  it('agents and admins may change a lead exactly where they may change an order (API and page)', async () => {
    const owner = new WebClient(t.app);
    await owner.signUp({ shop: 'Roles shop', email: uniqueEmail('owner') });
    const ws = (await owner.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
    const order = async () =>
      (await t.ctx.knex('orders').insert({ workspace_id: ws, source: 'api', phone: '+213550000001', status: 'pending', total: 1000 }).returning('id'))[0].id as string;

    const members: Array<[string, WebClient]> = [['owner', owner]];
    for (const role of ['admin', 'agent'] as const) {
      await owner.get('/workspace');
      const token = linkIn((await owner.post('/workspace/invites', { role, email: '' })).text);
      expect(token).toBeTruthy();
      const c = new WebClient(t.app);
      await c.get(`/invite/${token}`);
      expect((await c.post(`/invite/${token}`, { name: role, email: uniqueEmail(role), password: `${role} password 12` })).status).toBe(303);
      expect((await c.agent.get('/api/v1/workspace').expect(200)).body.role).toBe(role);
      members.push([role, c]);
    }

    for (const [role, c] of members) {
      await c.get('/leads');
      const [o, l] = [await order(), await lead(ws)];
      const viaApi = [
        (await c.agent.patch(`/api/v1/orders/${o}`).set('x-csrf-token', c.csrf).send({ status: 'cancelled' })).status,
        (await c.agent.patch(`/api/v1/leads/${l}`).set('x-csrf-token', c.csrf).send({ status: 'contacted' })).status,
      ];
      expect({ role, viaApi }).toEqual({ role, viaApi: [200, 200] });
      const [o2, l2] = [await order(), await lead(ws)];
      const viaPage = [(await c.post(`/orders/${o2}/status`, { status: 'cancelled' })).status, (await c.post(`/leads/${l2}/status`, { status: 'lost' })).status];
      expect({ role, viaPage }).toEqual({ role, viaPage: [303, 303] });
      expect([await statusOf(l), await statusOf(l2)]).toEqual(['contacted', 'lost']);
      // Each change is recorded under the member who made it.
      const actors = await t.ctx.knex('audit_log').whereIn('target', [l, l2]).pluck('actor');
      expect(new Set(actors).size).toBe(1);
      expect(actors[0]).toMatch(/^account:/);
    }
  });

  it('the leads page offers the allowed moves per lead; posting one (with CSRF) changes it and returns to the filtered list', async () => {
    const c = new WebClient(t.app);
    await c.signUp({ shop: 'متجر نادية', email: uniqueEmail('ar'), locale: 'ar' });
    const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
    const id = await lead(ws);

    const page = await c.get('/leads');
    expect(page.status).toBe(200);
    expect(page.text).toContain('dir="rtl"');
    const row = page.text.slice(page.text.indexOf(`data-lead="${id}"`), page.text.indexOf('</li>', page.text.indexOf(`data-lead="${id}"`)));
    expect(row).toContain('data-status="new">جديد<');
    expect(row.match(new RegExp(`action="/leads/${id}/status"`, 'g'))).toHaveLength(3);
    for (const label of ['تم التواصل معه', 'تحوّل إلى طلب', 'اعتباره ضائعًا']) expect(row).toContain(label);
    expect(row).toContain('name="_csrf"');

    // Without the form's token nothing happens.
    const forged = await c.post(`/leads/${id}/status`, { status: 'contacted' }, { csrf: null });
    expect(forged.status).toBe(403);
    expect(await statusOf(id)).toBe('new');

    const posted = await c.post(`/leads/${id}/status`, { status: 'contacted', back: 'status=new' });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/leads?status=new#lead-${id}`);
    expect(await statusOf(id)).toBe('contacted');
    expect(await t.ctx.knex('audit_log').where({ target: id }).first('actor', 'action')).toEqual({ actor: expect.stringMatching(/^account:/), action: 'lead.contacted' });

    // The filter: the lead moved from "new" to "contacted"; its row now offers converted or lost.
    expect((await c.get('/leads?status=new')).text).not.toContain(`data-lead="${id}"`);
    const contacted = (await c.get('/leads?status=contacted')).text;
    expect(contacted).toContain(`data-lead="${id}"`);
    expect(contacted).toContain('<option value="contacted" selected>');
    expect(contacted).not.toContain('تم التواصل معه');

    // A refused move shows the reason on the error page and changes nothing.
    const refused = await c.post(`/leads/${id}/status`, { status: 'contacted' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('A lead that is contacted cannot become contacted');
    expect(await statusOf(id)).toBe('contacted');

    // Another workspace's lead through the page: not found.
    const stranger = await newWorkspace(t.ctx, 'Boutique C');
    const theirs = await lead(stranger.workspace_id);
    expect((await c.post(`/leads/${theirs}/status`, { status: 'lost' })).status).toBe(404);
    expect(await statusOf(theirs)).toBe('new');
  });

  it('labels the statuses and buttons in French and English too', async () => {
    for (const [locale, badge, button] of [['fr', 'Nouveau', 'Marquer contacté'], ['en', 'New', 'Mark contacted']] as const) {
      const c = new WebClient(t.app);
      await c.signUp({ shop: `Shop ${locale}`, email: uniqueEmail(locale), locale });
      const ws = (await c.agent.get('/api/v1/workspace').expect(200)).body.workspace.id as string;
      const id = await lead(ws);
      const text = (await c.get('/leads')).text;
      expect(text).toContain('dir="ltr"');
      expect(text).toContain(`data-status="new">${badge}<`);
      expect(text).toContain(button);
      expect(text).toContain(`action="/leads/${id}/status"`);
    }
  });
  it("the agent refines a lead the merchant is working instead of opening a second one; a closed lead gives way to a new one", async () => {
    const { ids, channels, ws } = await workspaceWithChannels(t);
    await sendWhatsApp(t, ids.PHONE_NUMBER_ID, '213661234567', 'nchouf w nwelli');
    const conversationId = (await t.ctx.knex('conversations').where({ channel_id: channels.whatsapp.id }).first('id')).id as string;
    const capture = (interest: string) => captureLead(t.ctx, ws.workspace_id, { conversationId, interest });
    const first = await capture('Sac noir');
    await t.http().patch(`/api/v1/leads/${first.id}`).set(ws.auth).send({ status: 'contacted' }).expect(200);
    const again = await capture('Sac noir, taille M');
    expect(again).toEqual({ id: first.id, created: false });
    expect(await t.ctx.knex('leads').where({ id: first.id }).first('status', 'interest')).toEqual({ status: 'contacted', interest: 'Sac noir, taille M' });
    await t.http().patch(`/api/v1/leads/${first.id}`).set(ws.auth).send({ status: 'lost' }).expect(200);
    const later = await capture('Robe rouge');
    expect(later.created).toBe(true);
    expect(later.id).not.toBe(first.id);
  });
});
