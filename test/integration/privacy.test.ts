import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { runDailyMaintenance } from '../../src/privacy/retention';
import { tenantTables } from '../../src/privacy/tenant-tables';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

/** One of everything a merchant accumulates, so export and purge are checked on real rows. */
async function seed(t: TestApp, workspaceId: string, tag: string) {
  const k: Knex = t.ctx.knex;
  const [channel] = await k('channels').insert({ workspace_id: workspaceId, kind: 'whatsapp', external_id: `pn-${tag}-${Date.now()}` }).returning('id');
  await t.ctx.vault.put(workspaceId, 'meta_token', channel.id, { token: `EAAG-secret-${tag}` });
  const [customer] = await k('customers').insert({ workspace_id: workspaceId, channel_id: channel.id, external_id: `wa-${tag}`, name: `Client ${tag}`, phone: '+213661234567' }).returning('id');
  const [conv] = await k('conversations').insert({ workspace_id: workspaceId, channel_id: channel.id, customer_id: customer.id }).returning('id');
  await k('messages').insert([
    { workspace_id: workspaceId, conversation_id: conv.id, channel_id: channel.id, direction: 'in', author: 'customer', provider_message_id: `wamid.${tag}.1`, text: 'salam' },
    { workspace_id: workspaceId, conversation_id: conv.id, channel_id: channel.id, direction: 'out', author: 'ai', provider_message_id: `wamid.${tag}.2`, text: 'marhba' },
  ]);
  const [product] = await k('products').insert({ workspace_id: workspaceId, name: `Robe ${tag}`, price: 3500, stock: 4 }).returning('id');
  const [order] = await k('orders')
    .insert({ workspace_id: workspaceId, conversation_id: conv.id, customer_id: customer.id, customer_name: `Client ${tag}`, phone: '+213661234567', wilaya_code: '16', commune_code: '1605', subtotal: 3500, delivery_fee: 400, total: 3900 })
    .returning('id');
  await k('order_items').insert({ workspace_id: workspaceId, order_id: order.id, product_id: product.id, name: 'Robe', unit_price: 3500, quantity: 1, line_total: 3500 });
  await k('leads').insert({ workspace_id: workspaceId, conversation_id: conv.id, interest: 'robe', phone: '+213661234568' });
  await k('usage').insert({ workspace_id: workspaceId, conversation_id: conv.id, model: 'claude-haiku-5-5', input_tokens: 1000, output_tokens: 100 });
  return { channelId: channel.id, orderId: order.id };
}

async function rowsPerTable(k: Knex, workspaceId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of await tenantTables(k)) {
    const r = await k(table).where({ workspace_id: workspaceId }).count({ n: '*' }).first();
    out[table] = Number(r?.n ?? 0);
  }
  return out;
}

describe('export, deletion and retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ work: true });
  });
  afterAll(() => t.close());

  it('exports every row of the workspace and nothing secret or foreign', async () => {
    const a = await newWorkspace(t.ctx, 'Export A');
    const b = await newWorkspace(t.ctx, 'Export B');
    await seed(t, a.workspace_id, 'a');
    await seed(t, b.workspace_id, 'b');
    const res = await t.http().get('/api/v1/export').set(a.auth).buffer(true).parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString()));
      r.on('end', () => cb(null, s));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    const text = res.body as string;
    const doc = JSON.parse(text);
    expect(doc.workspace.id).toBe(a.workspace_id);
    const counts = await rowsPerTable(t.ctx.knex, a.workspace_id);
    for (const [table, n] of Object.entries(counts)) {
      if (['secrets', 'sessions'].includes(table)) {
        expect(doc.tables[table]).toBeUndefined();
        continue;
      }
      if (doc.tables[table] === undefined) continue; // excluded by policy (credentials)
      // The export request itself is logged after it streams, so the log may have grown by one.
      if (table === 'api_usage_log') {
        expect(doc.tables[table].length).toBeGreaterThanOrEqual(n - 1);
        continue;
      }
      expect({ table, n: doc.tables[table].length }).toEqual({ table, n });
    }
    expect(doc.tables.orders[0].total).toBe(3900);
    expect(text).not.toContain('EAAG-secret');
    expect(text).not.toContain('key_hash');
    expect(text).not.toContain(b.workspace_id);
    expect(text).not.toContain('Robe b');
  });

  it('deactivates at once, then purges every row in every table, leaving other workspaces alone', async () => {
    const a = await newWorkspace(t.ctx, 'Delete A');
    const b = await newWorkspace(t.ctx, 'Delete B');
    await seed(t, a.workspace_id, 'da');
    await seed(t, b.workspace_id, 'db');
    const before = await rowsPerTable(t.ctx.knex, b.workspace_id);

    const del = await t.http().delete('/api/v1/workspace').set(a.auth).expect(202);
    expect(del.body.status).toBe('deactivated');
    expect(new Date(del.body.purge_due_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86400_000);
    // The key of a deactivated workspace stops working immediately.
    await t.http().get('/api/v1/workspace').set(a.auth).expect(401);

    const deadline = Date.now() + 20_000;
    let rec;
    while (Date.now() < deadline) {
      rec = await t.ctx.knex('workspace_deletions').where({ workspace_id: a.workspace_id }).first();
      if (rec?.purged_at) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rec?.purged_at).toBeTruthy();
    const after = await rowsPerTable(t.ctx.knex, a.workspace_id);
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
    expect(Object.keys(after).length).toBeGreaterThanOrEqual(15);
    expect(await t.ctx.knex('workspaces').where({ id: a.workspace_id }).first()).toBeUndefined();
    expect(await t.ctx.knex('accounts').whereRaw('lower(email) = ?', [a.email]).first()).toBeUndefined();
    expect(await rowsPerTable(t.ctx.knex, b.workspace_id)).toEqual(before);
  });

  it('anonymises exactly the orders closed longer ago than the retention period, idempotently', async () => {
    const a = await newWorkspace(t.ctx, 'Retention');
    const k = t.ctx.knex;
    const day = 86400_000;
    const mk = async (status: string, closedDaysAgo: number | null) => {
      const [o] = await k('orders')
        .insert({ workspace_id: a.workspace_id, status, customer_name: 'Amine', phone: '+213661234567', address: 'Rue 1', total: 3900, closed_at: closedDaysAgo === null ? null : new Date(Date.now() - closedDaysAgo * day) })
        .returning('id');
      return o.id as string;
    };
    const oldDelivered = await mk('delivered', 31);
    const oldCancelled = await mk('cancelled', 45);
    const recentReturned = await mk('returned', 29);
    const pending = await mk('pending', null);
    const shippedOld = await mk('shipped', 60); // not closed: the parcel is still on its way

    await runDailyMaintenance(t.ctx);
    const rows = await k('orders').whereIn('id', [oldDelivered, oldCancelled, recentReturned, pending, shippedOld]).select('id', 'customer_name', 'phone', 'address', 'total');
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    for (const id of [oldDelivered, oldCancelled]) expect(byId[id]).toMatchObject({ customer_name: null, phone: null, address: null, total: 3900 });
    for (const id of [recentReturned, pending, shippedOld]) expect(byId[id]).toMatchObject({ customer_name: 'Amine', phone: '+213661234567' });
    // A second run finds nothing left to do for this workspace.
    await runDailyMaintenance(t.ctx);
    const again = await k('orders').where({ workspace_id: a.workspace_id }).whereNotNull('anonymized_at').count({ n: '*' }).first();
    expect(Number(again?.n)).toBe(2);
  });

  it('forgets one customer: messages gone, orders kept without PII, other customers untouched', async () => {
    const a = await newWorkspace(t.ctx, 'Forget');
    const k = t.ctx.knex;
    const seeded = await seed(t, a.workspace_id, 'fg');
    const order = await k('orders').where({ id: seeded.orderId }).first('customer_id', 'conversation_id');
    const other = await seed(t, a.workspace_id, 'keep');
    const r = await t.http().post(`/api/v1/customers/${order.customer_id}/forget`).set(a.auth).expect(200);
    expect(r.body.forgotten).toEqual({ orders: 1, leads: 0, conversations: 1 });
    const o = await k('orders').where({ id: seeded.orderId }).first();
    expect(o).toMatchObject({ customer_name: null, phone: null, address: null, total: 3900, customer_id: null });
    expect(await k('messages').where({ conversation_id: order.conversation_id }).count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await k('customers').where({ id: order.customer_id }).first()).toBeUndefined();
    const kept = await k('orders').where({ id: other.orderId }).first();
    expect(kept.customer_name).toBe('Client keep');
    // Another workspace cannot reach this customer id (and it is gone anyway): 404.
    const b = await newWorkspace(t.ctx, 'Forget B');
    await t.http().post(`/api/v1/customers/${order.customer_id}/forget`).set(b.auth).expect(404);
  });

  it("Meta's data-deletion callback forgets the customer keyed on that id and reports completion", async () => {
    const a = await newWorkspace(t.ctx, 'Meta deletion');
    const k = t.ctx.knex;
    const [channel] = await k('channels').insert({ workspace_id: a.workspace_id, kind: 'messenger', external_id: `page-del-${Date.now()}` }).returning('id');
    const psid = `77${Date.now()}`;
    const [customer] = await k('customers').insert({ workspace_id: a.workspace_id, channel_id: channel.id, external_id: psid, name: 'Yacine' }).returning('id');
    await k('conversations').insert({ workspace_id: a.workspace_id, channel_id: channel.id, customer_id: customer.id });
    const payload = Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: psid })).toString('base64url');
    const sig = crypto.createHmac('sha256', 'test-app-secret').update(payload).digest('base64url');
    const res = await t.http().post('/webhooks/meta/data-deletion').type('form').send({ signed_request: `${sig}.${payload}` }).expect(200);
    expect(res.body.url).toContain(res.body.confirmation_code);
    const deadline = Date.now() + 15_000;
    let status;
    while (Date.now() < deadline) {
      status = await k('meta_app_requests').where({ confirmation_code: res.body.confirmation_code }).first('status');
      if (status?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status?.status).toBe('completed');
    expect(await k('customers').where({ id: customer.id }).first()).toBeUndefined();
  });
});
