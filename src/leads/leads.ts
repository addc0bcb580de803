import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { runLeadHooks } from '../orders/hooks';
import { assertLeadTransition, OPEN_LEAD_STATUSES, type LeadStatus } from './status';

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
      ? await trx('leads').where({ workspace_id: workspaceId, conversation_id: input.conversationId }).whereIn('status', OPEN_LEAD_STATUSES).forUpdate().first()
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

/** The lead as the API and pages show it. */
const LEAD_FIELDS = ['id', 'conversation_id', 'customer_name', 'phone', 'interest', 'wilaya_code as wilaya', 'status', 'created_at', 'updated_at'];

export async function listLeads(db: Knex, workspaceId: string, opts: { status?: string; limit?: number } = {}) {
  const q = db('leads')
    .where({ workspace_id: workspaceId })
    .select(LEAD_FIELDS)
    .orderBy('created_at', 'desc')
    .limit(Math.min(opts.limit ?? 50, 200));
  if (opts.status) q.where({ status: opts.status });
  return q;
}

export async function getLead(db: Knex, workspaceId: string, leadId: string) {
  if (!z.uuid().safeParse(leadId).success) throw notFound('Lead');
  const lead = await db('leads').where({ workspace_id: workspaceId, id: leadId }).first(LEAD_FIELDS);
  if (!lead) throw notFound('Lead');
  return lead;
}

/**
 * The merchant working a lead (called back, sold, gave up). Validated against the lead status
 * table, audited like order changes, and the lead hooks run in the same transaction so the Google
 * Sheet mirror rewrites the row if and only if the change commits.
 */
export async function updateLeadStatus(ctx: AppContext, workspaceId: string, leadId: string, to: LeadStatus, actor: string) {
  if (!z.uuid().safeParse(leadId).success) throw notFound('Lead');
  await ctx.knex.transaction(async (trx) => {
    const lead = await trx('leads').where({ workspace_id: workspaceId, id: leadId }).forUpdate().first('id', 'status');
    if (!lead) throw notFound('Lead');
    const from = lead.status as LeadStatus;
    assertLeadTransition(from, to);
    await trx('leads').where({ workspace_id: workspaceId, id: leadId }).update({ status: to, updated_at: trx.fn.now() });
    await trx('audit_log').insert({ workspace_id: workspaceId, actor, action: `lead.${to}`, target: leadId, data: JSON.stringify({ from, to }) });
    await runLeadHooks(ctx, trx, { workspaceId, leadId, created: false });
  });
  return getLead(ctx.knex, workspaceId, leadId);
}
