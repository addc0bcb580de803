import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { runLeadHooks } from '../orders/hooks';

export interface LeadInput {
  conversationId?: string | null;
  customerId?: string | null;
  customerName?: string | null;
  phone?: string | null;
  interest: string;
  wilayaCode?: string | null;
}

/** One open lead per conversation: a second capture refines it instead of duplicating it. */
export async function captureLead(ctx: AppContext, workspaceId: string, input: LeadInput): Promise<{ id: string; created: boolean }> {
  return ctx.knex.transaction(async (trx) => {
    const existing = input.conversationId
      ? await trx('leads').where({ workspace_id: workspaceId, conversation_id: input.conversationId, status: 'new' }).forUpdate().first()
      : undefined;
    const fields = {
      customer_name: input.customerName ?? existing?.customer_name ?? null,
      phone: input.phone ?? existing?.phone ?? null,
      interest: input.interest,
      wilaya_code: input.wilayaCode ?? existing?.wilaya_code ?? null,
    };
    let id: string;
    if (existing) {
      await trx('leads').where({ id: existing.id }).update({ ...fields, updated_at: trx.fn.now() });
      id = existing.id;
    } else {
      const [row] = await trx('leads')
        .insert({ workspace_id: workspaceId, conversation_id: input.conversationId ?? null, customer_id: input.customerId ?? null, ...fields })
        .returning('id');
      id = row.id;
    }
    await runLeadHooks(ctx, trx, { workspaceId, leadId: id, created: !existing });
    return { id, created: !existing };
  });
}

export async function listLeads(db: Knex, workspaceId: string, opts: { status?: string; limit?: number } = {}) {
  const q = db('leads')
    .where({ workspace_id: workspaceId })
    .select('id', 'conversation_id', 'customer_name', 'phone', 'interest', 'wilaya_code as wilaya', 'status', 'created_at', 'updated_at')
    .orderBy('created_at', 'desc')
    .limit(Math.min(opts.limit ?? 50, 200));
  if (opts.status) q.where({ status: opts.status });
  return q;
}
