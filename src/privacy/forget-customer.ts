import { z } from 'zod';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { sheetLeadHook, sheetOrderHook } from '../sheets/hooks';

export const META_DELETION_JOB = 'privacy.meta_deletion';

/**
 * "Forget this customer": their conversations, messages and stored media are deleted; their
 * orders and leads keep amounts and statuses (the merchant's accounts) but lose name, phone and
 * address; the sheet rows Wakil wrote for them are rewritten without it. Idempotent.
 */
export async function forgetCustomer(ctx: AppContext, workspaceId: string, customerId: string, actor: string): Promise<{ orders: number; leads: number; conversations: number }> {
  return ctx.knex.transaction(async (trx) => {
    const customer = await trx('customers').where({ workspace_id: workspaceId, id: customerId }).forUpdate().first('id');
    if (!customer) throw notFound('Customer');
    const orders = await trx('orders')
      .where({ workspace_id: workspaceId, customer_id: customerId })
      .update({ customer_name: null, phone: null, address: null, note: null, anonymized_at: trx.fn.now(), customer_id: null })
      .returning('id');
    const leads = await trx('leads')
      .where({ workspace_id: workspaceId, customer_id: customerId })
      .update({ customer_name: null, phone: null, customer_id: null, updated_at: trx.fn.now() })
      .returning('id');
    for (const o of orders) await sheetOrderHook(ctx, trx, { workspaceId, orderId: o.id, previousStatus: null, status: 'anonymized' });
    for (const l of leads) await sheetLeadHook(ctx, trx, { workspaceId, leadId: l.id, created: false });
    // Conversations cascade to their messages and media.
    const conversations = await trx('conversations').where({ workspace_id: workspaceId, customer_id: customerId }).delete();
    await trx('customers').where({ id: customerId }).delete();
    await trx('audit_log').insert({ workspace_id: workspaceId, actor, action: 'customer.forgotten', data: JSON.stringify({ orders: orders.length, leads: leads.length }) });
    return { orders: orders.length, leads: leads.length, conversations };
  });
}

/**
 * A Meta data-deletion request names an app-scoped user id. It reaches customers only where that
 * id is the one we keyed them on; every such customer, in every workspace, is forgotten, and the
 * request's status page then says completed.
 */
export async function processMetaDeletion(ctx: AppContext, code: string): Promise<number> {
  const req = await ctx.knex('meta_app_requests').where({ confirmation_code: code }).first('user_id', 'status');
  if (!req || req.status === 'completed') return 0;
  const customers = await ctx.knex('customers').where({ external_id: req.user_id }).select('id', 'workspace_id');
  for (const c of customers) await forgetCustomer(ctx, c.workspace_id, c.id, 'meta:data_deletion');
  await ctx.knex('meta_app_requests').where({ confirmation_code: code }).update({ status: 'completed' });
  return customers.length;
}

export function defineForgetJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: META_DELETION_JOB,
    schema: z.object({ code: z.string() }),
    retryLimit: 10,
    handler: async ({ code }) => {
      await processMetaDeletion(ctx, code);
    },
  });
}
