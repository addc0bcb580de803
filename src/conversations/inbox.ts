import type { AppContext } from '../context';
import { notFound } from '../errors';

const WINDOW_MS = 24 * 3600_000;

/** Conversations for the merchant's inbox, newest activity first. */
export async function listConversations(ctx: AppContext, workspaceId: string, opts: { limit: number; before?: string }) {
  const q = ctx.knex('conversations as c')
    .join('customers as cu', 'cu.id', 'c.customer_id')
    .join('channels as ch', 'ch.id', 'c.channel_id')
    .where('c.workspace_id', workspaceId)
    .orderBy('c.updated_at', 'desc')
    .limit(opts.limit)
    .select(
      'c.id', 'c.status', 'c.ai_paused', 'c.paused_until', 'c.needs_human', 'c.handoff_reason', 'c.last_inbound_at',
      'c.last_outbound_at', 'c.last_human_at', 'c.last_error', 'c.updated_at', 'c.created_at',
      'ch.id as channel_id', 'ch.kind as channel_kind',
      'cu.id as customer_id', 'cu.name as customer_name', 'cu.username as customer_username', 'cu.wa_id as customer_wa_id', 'cu.phone as customer_phone',
    );
  if (opts.before) q.andWhere('c.updated_at', '<', new Date(opts.before));
  const rows = await q;
  const now = Date.now();
  return rows.map((r) => {
    const lastIn = r.last_inbound_at ? new Date(r.last_inbound_at).getTime() : 0;
    const pausedUntil = r.paused_until ? new Date(r.paused_until).getTime() : 0;
    return {
      id: r.id,
      status: r.status,
      channel: { id: r.channel_id, kind: r.channel_kind },
      customer: {
        id: r.customer_id,
        display: r.customer_name ?? r.customer_username ?? (r.customer_wa_id ? `+${r.customer_wa_id}` : 'Customer'),
        phone: r.customer_phone,
      },
      ai_paused: r.ai_paused,
      paused: r.ai_paused || pausedUntil > now,
      paused_until: r.paused_until,
      needs_human: r.needs_human,
      handoff_reason: r.handoff_reason,
      last_inbound_at: r.last_inbound_at,
      last_outbound_at: r.last_outbound_at,
      last_error: r.last_error,
      window_remaining_seconds: Math.max(0, Math.floor((lastIn + WINDOW_MS - now) / 1000)),
      updated_at: r.updated_at,
    };
  });
}

export async function listMessages(ctx: AppContext, workspaceId: string, conversationId: string, opts: { limit: number }) {
  const conv = await ctx.knex('conversations').where({ id: conversationId, workspace_id: workspaceId }).first('id');
  if (!conv) throw notFound('Conversation');
  const rows = await ctx.knex('messages')
    .where({ conversation_id: conversationId, workspace_id: workspaceId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(opts.limit)
    .select('id', 'direction', 'author', 'kind', 'text', 'status', 'error_code', 'error_message', 'media', 'payload', 'provider_message_id', 'created_at', 'sent_at');
  return rows.reverse().map((m) => ({
    ...m,
    // Internal bookkeeping (send progress, media fetch refs) is not part of the API.
    payload: m.payload ? Object.fromEntries(Object.entries(m.payload).filter(([k]) => !['attempt_started_at', 'media_ref', 'provider_ids'].includes(k))) : null,
  }));
}

export async function setAiPaused(ctx: AppContext, workspaceId: string, conversationId: string, paused: boolean, reason?: string) {
  const patch = paused
    ? { ai_paused: true, paused_reason: reason ?? 'Paused by the merchant', updated_at: ctx.knex.fn.now() }
    : { ai_paused: false, paused_until: null, paused_reason: null, needs_human: false, updated_at: ctx.knex.fn.now() };
  const [row] = await ctx.knex('conversations').where({ id: conversationId, workspace_id: workspaceId }).update(patch).returning(['id', 'ai_paused', 'paused_until']);
  if (!row) throw notFound('Conversation');
  return row;
}
