import { z } from 'zod';
import type { AppContext } from '../context';
import { sendText } from '../conversations/outbound';
import { transitionOrder } from '../orders/service';
import { ORDER_EXPIRE_JOB, ORDER_REMIND_JOB } from './pending-order-hook';
import { SILENT_KINDS } from './history';
import { detectLanguage, fixedMessage, type Lang } from './prompts';

export const FOLLOW_UP_JOB = 'agent.follow_up';

const FollowUpData = z.object({ workspaceId: z.uuid(), conversationId: z.uuid(), afterMessageId: z.uuid() });
const OrderData = z.object({ workspaceId: z.uuid(), orderId: z.uuid() });

const WINDOW_MS = 24 * 3600_000;
const MINUTE = 60_000;

/**
 * Nudges for stalled sales, as delayed jobs (one per AI reply, one pair per pending order) rather
 * than a sweep: each job re-checks the conversation when it fires, so a customer who wrote, an order
 * that got confirmed, or a person who took over simply makes it a no-op. Fixed texts from
 * prompts/messages.md, never the model: no figure that a tool did not produce, no model cost.
 */
export function defineFollowUpJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: FOLLOW_UP_JOB,
    schema: FollowUpData,
    retryLimit: 3,
    retryDelaySeconds: 30,
    handler: async (d) => void (await sendFollowUp(ctx, d.workspaceId, d.conversationId, d.afterMessageId)),
  });
  ctx.jobs.define({
    name: ORDER_REMIND_JOB,
    schema: OrderData,
    retryLimit: 3,
    retryDelaySeconds: 30,
    handler: async (d) => void (await remindPendingOrder(ctx, d.workspaceId, d.orderId)),
  });
  ctx.jobs.define({
    name: ORDER_EXPIRE_JOB,
    schema: OrderData,
    retryLimit: 5,
    retryDelaySeconds: 30,
    handler: async (d) => void (await expirePendingOrder(ctx, d.workspaceId, d.orderId)),
  });
}

/** After an AI reply went out: a follow-up fires if the customer is still silent then. */
export async function scheduleFollowUp(ctx: AppContext, workspaceId: string, conversationId: string, afterMessageId: string): Promise<void> {
  const minutes = ctx.config.agent.followUpMinutes;
  if (minutes <= 0) return;
  await ctx.jobs.send(FOLLOW_UP_JOB, { workspaceId, conversationId, afterMessageId }, {
    startAfterMs: Math.round(minutes * MINUTE),
    idempotencyKey: `follow-up:${afterMessageId}`,
  });
}

interface NudgeTarget {
  id: string;
  workspace_id: string;
  ai_paused: boolean;
  paused_until: Date | null;
  last_human_at: Date | null;
  last_inbound_at: Date | null;
  needs_human: boolean;
  followed_up_at: Date | null;
  ai_enabled: boolean;
  workspace_status: string;
  workspace_language: string;
  channel_kind: string;
}

async function loadTarget(ctx: AppContext, workspaceId: string, conversationId: string): Promise<NudgeTarget | undefined> {
  return ctx.knex('conversations as c')
    .join('workspaces as w', 'w.id', 'c.workspace_id')
    .join('channels as ch', 'ch.id', 'c.channel_id')
    .where({ 'c.id': conversationId, 'c.workspace_id': workspaceId })
    .first(
      'c.id', 'c.workspace_id', 'c.ai_paused', 'c.paused_until', 'c.last_human_at', 'c.last_inbound_at', 'c.needs_human', 'c.followed_up_at',
      'w.ai_enabled', 'w.status as workspace_status', 'w.language as workspace_language', 'ch.kind as channel_kind',
    );
}

/** Why no automatic message may go out now, or null. */
function blocked(ctx: AppContext, c: NudgeTarget): string | null {
  if (c.channel_kind === 'playground') return 'playground';
  if (!c.ai_enabled) return 'ai_disabled';
  if (c.workspace_status !== 'active') return 'workspace_inactive';
  if (c.ai_paused) return 'conversation_paused';
  if (c.needs_human) return 'needs_human';
  const now = Date.now();
  if (c.paused_until && new Date(c.paused_until).getTime() > now) return 'human_replied';
  if (c.last_human_at && now - new Date(c.last_human_at).getTime() < ctx.config.agent.humanPauseMinutes * MINUTE) return 'human_replied';
  // Meta allows free-form business messages only within 24 h of the customer's last message.
  if (!c.last_inbound_at || now - new Date(c.last_inbound_at).getTime() >= WINDOW_MS) return 'outside_window';
  return null;
}

/** The customer's language from their recent messages, as the holding message does. */
async function customerLanguage(ctx: AppContext, c: NudgeTarget): Promise<Lang> {
  const rows = await ctx.knex('messages')
    .where({ conversation_id: c.id, direction: 'in' })
    .whereNotIn('kind', SILENT_KINDS)
    .orderBy('stored_at', 'desc')
    .limit(5)
    .select('text');
  return detectLanguage(rows.map((r: { text: string | null }) => r.text ?? '').join(' '), c.workspace_language === 'ar' ? 'ar' : 'fr');
}

type Outcome = { sent: true } | { sent: false; reason: string };

/**
 * The one follow-up of a stall: only if our reply `afterMessageId` is still the last word in the
 * conversation, it asked something (or an order waits for the customer's yes), and nothing since
 * confirmed an order or put a person in charge.
 */
export async function sendFollowUp(ctx: AppContext, workspaceId: string, conversationId: string, afterMessageId: string): Promise<Outcome> {
  const c = await loadTarget(ctx, workspaceId, conversationId);
  if (!c) return { sent: false, reason: 'no_conversation' };
  const why = blocked(ctx, c);
  if (why) return { sent: false, reason: why };
  if (c.followed_up_at && (!c.last_inbound_at || new Date(c.followed_up_at) >= new Date(c.last_inbound_at))) {
    return { sent: false, reason: 'already_followed_up' };
  }
  const last = await ctx.knex('messages')
    .where({ conversation_id: conversationId, workspace_id: workspaceId })
    .whereNotIn('kind', SILENT_KINDS)
    .where((q) => q.whereNot({ direction: 'out' }).orWhereNot({ status: 'failed' }))
    .orderBy([{ column: 'stored_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .first('id', 'text', 'stored_at');
  if (!last || last.id !== afterMessageId) return { sent: false, reason: 'conversation_moved_on' };
  const orders = await ctx.knex('orders').where({ workspace_id: workspaceId, conversation_id: conversationId }).select('status', 'confirmed_at');
  if (orders.some((o: { confirmed_at: Date | null }) => o.confirmed_at && new Date(o.confirmed_at) >= new Date(last.stored_at))) {
    return { sent: false, reason: 'order_confirmed' };
  }
  const awaitingYes = orders.some((o: { status: string }) => o.status === 'pending');
  const asked = /[?؟]/.test(last.text ?? '');
  if (!awaitingYes && !asked) return { sent: false, reason: 'nothing_pending' };

  const lang = await customerLanguage(ctx, c);
  const r = await sendText(ctx, {
    workspaceId,
    conversationId,
    text: fixedMessage('follow_up', lang),
    author: 'system',
    idempotencyKey: `follow-up:${afterMessageId}`,
  });
  if (r.status === 'failed') return { sent: false, reason: r.error ?? 'send_failed' };
  await ctx.knex('conversations').where({ id: conversationId }).update({ followed_up_at: ctx.knex.fn.now() });
  return { sent: true };
}

/** Reminds the customer once of their still-pending order, with its server-computed total. */
export async function remindPendingOrder(ctx: AppContext, workspaceId: string, orderId: string): Promise<Outcome> {
  const order = await ctx.knex('orders').where({ workspace_id: workspaceId, id: orderId }).first('id', 'status', 'total', 'conversation_id', 'reminded_at', 'source');
  if (!order || order.status !== 'pending') return { sent: false, reason: 'not_pending' };
  if (order.reminded_at) return { sent: false, reason: 'already_reminded' };
  if (!order.conversation_id) return { sent: false, reason: 'no_conversation' };
  const c = await loadTarget(ctx, workspaceId, order.conversation_id);
  if (!c) return { sent: false, reason: 'no_conversation' };
  const why = blocked(ctx, c);
  if (why) return { sent: false, reason: why };
  const lang = await customerLanguage(ctx, c);
  const r = await sendText(ctx, {
    workspaceId,
    conversationId: c.id,
    text: fixedMessage('order_reminder', lang, { total: String(order.total) }),
    author: 'system',
    idempotencyKey: `order-remind:${orderId}`,
    buttons: [
      { id: `confirm:${orderId}`, title: fixedMessage('confirm_button', lang) },
      { id: `cancel:${orderId}`, title: fixedMessage('cancel_button', lang) },
    ],
  });
  if (r.status === 'failed') return { sent: false, reason: r.error ?? 'send_failed' };
  await ctx.knex('orders').where({ id: orderId }).update({ reminded_at: ctx.knex.fn.now() });
  return { sent: true };
}

/** A pending order nobody confirmed in time becomes expired (no stock was held: see priceItems). */
export async function expirePendingOrder(ctx: AppContext, workspaceId: string, orderId: string): Promise<boolean> {
  const order = await ctx.knex('orders').where({ workspace_id: workspaceId, id: orderId }).first('status');
  if (!order || order.status !== 'pending') return false;
  try {
    await transitionOrder(ctx, workspaceId, orderId, 'expired', 'system');
    return true;
  } catch (e) {
    // Confirmed or cancelled between our read and the locked transition: nothing to expire.
    if ((e as { type?: string }).type === 'conflict') return false;
    throw e;
  }
}
