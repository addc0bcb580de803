import type Anthropic from '@anthropic-ai/sdk';
import type { AppContext } from '../context';
import type { JobInfo } from '../jobs/queue';
import type { TurnJobData } from '../conversations/turn-queue';
import { checkAiAllowance } from '../billing/allowance';
import { downloadMessageMedia } from '../conversations/media';
import { sendText } from '../conversations/outbound';
import { ProviderError } from '../errors';
import { listOrders } from '../orders/service';
import { buildTurns, causalOrder, SILENT_KINDS, type MessageRow, type Turn } from './history';
import { amountsInToolResult, unverifiedAmounts } from './integrity';
import { addUsage, anthropicFor, emptyUsage, isModelError, isRetryableModelError, recordUsage } from './model';
import { detectLanguage, fixedMessage, type Lang } from './prompts';
import { buildRequestBase, withBreakpoints } from './request';
import { getAgentSettings } from './settings';
import { scheduleFollowUp } from './follow-ups';
import { runTool, type TurnScope } from './tools';
import { afterSummaryMark, maybeSummarize } from './summarize';

/** The turn job's retryLimit (src/conversations/turn-queue.ts) + the first attempt. */
const JOB_ATTEMPTS = 7;

export type TurnOutcome =
  | { status: 'skipped'; reason: string }
  | { status: 'dropped'; reason: 'newer_inbound' | 'paused' }
  | { status: 'sent' | 'holding' | 'flagged'; text: string; messageId?: string };

/**
 * Answers a conversation: pause checks, Claude with the sales tools, the reply through the channel.
 * A model outage is retried by the job (with backoff) until the last allowed attempt, which sends
 * a holding message and flags the conversation for a person: never silence, never a loop.
 */
export async function runTurn(ctx: AppContext, data: TurnJobData, job: JobInfo): Promise<void> {
  const maxAttempts = Math.min(ctx.config.agent.maxModelAttempts, JOB_ATTEMPTS);
  const outcome = await answerConversation(ctx, data, { lastAttempt: job.retryCount + 1 >= maxAttempts });
  ctx.logger.info({ conversationId: data.conversationId, outcome: outcome.status, attempt: job.retryCount + 1 }, 'turn finished');
}

interface ConversationRow {
  id: string;
  workspace_id: string;
  customer_id: string;
  channel_id: string;
  channel_kind: string;
  ai_paused: boolean;
  paused_until: Date | null;
  last_human_at: Date | null;
  summary: string | null;
  summary_until: Date | null;
  ai_enabled: boolean;
  workspace_status: string;
  workspace_language: string;
}

async function loadConversation(ctx: AppContext, workspaceId: string, conversationId: string): Promise<ConversationRow | undefined> {
  return ctx.knex('conversations as c')
    .join('workspaces as w', 'w.id', 'c.workspace_id')
    .join('channels as ch', 'ch.id', 'c.channel_id')
    .where({ 'c.id': conversationId, 'c.workspace_id': workspaceId })
    .first(
      'c.id', 'c.workspace_id', 'c.customer_id', 'c.channel_id', 'ch.kind as channel_kind', 'c.ai_paused', 'c.paused_until',
      'c.last_human_at', 'c.summary', 'c.summary_until', 'w.ai_enabled', 'w.status as workspace_status', 'w.language as workspace_language',
    );
}

/** Why the AI must stay quiet, or null. `ownHandoff`: this turn paused it on purpose. */
function pauseReason(ctx: AppContext, c: ConversationRow, ownHandoff = false): string | null {
  // The playground is the merchant testing: it works while the AI is still off for customers.
  if (!c.ai_enabled && c.channel_kind !== 'playground') return 'ai_disabled';
  if (c.workspace_status !== 'active') return 'workspace_inactive';
  if (c.ai_paused && !ownHandoff) return 'conversation_paused';
  const now = Date.now();
  if (c.paused_until && new Date(c.paused_until).getTime() > now) return 'human_replied';
  if (c.last_human_at && now - new Date(c.last_human_at).getTime() < ctx.config.agent.humanPauseMinutes * 60_000) return 'human_replied';
  return null;
}

async function inboundCount(ctx: AppContext, conversationId: string): Promise<number> {
  const r = await ctx.knex('messages').where({ conversation_id: conversationId, direction: 'in' }).whereNotIn('kind', SILENT_KINDS).count<{ n: string }[]>('* as n');
  return Number(r[0]?.n ?? 0);
}

export interface AnswerOptions {
  lastAttempt: boolean;
}

export async function answerConversation(ctx: AppContext, data: TurnJobData, opts: AnswerOptions): Promise<TurnOutcome> {
  const { workspaceId, conversationId } = data;
  const conv = await loadConversation(ctx, workspaceId, conversationId);
  if (!conv) return { status: 'skipped', reason: 'no_conversation' };
  const paused = pauseReason(ctx, conv);
  if (paused) return { status: 'skipped', reason: paused };

  const rowsQuery = ctx.knex('messages')
    .where({ conversation_id: conversationId, workspace_id: workspaceId })
    .orderBy([{ column: 'stored_at', order: 'asc' }, { column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }])
    .select('id', 'direction', 'author', 'kind', 'text', 'payload', 'status', 'created_at', 'stored_at', 'idempotency_key');
  if (conv.summary_until) rowsQuery.where('stored_at', '>', afterSummaryMark(ctx, conversationId));
  const rows: MessageRow[] = causalOrder(await rowsQuery, conversationId);
  await settleSupersededReplies(ctx, rows);
  const spoken = rows.filter((m) => !SILENT_KINDS.includes(m.kind) && !(m.direction === 'out' && m.status === 'failed'));
  const last = spoken[spoken.length - 1];
  // Our last word was stored but never handed to Graph: the attempt that wrote it died before the
  // send (the database went away, the worker was killed). This job is the only thing that will
  // finish it, so send it now; it is not "already answered".
  if (last && isUnsentReply(last)) return resumeReply(ctx, conv, last);
  // Nothing new from the customer since our (or the team's) last word: nothing to answer.
  if (!last || last.direction !== 'in') return { status: 'skipped', reason: 'nothing_to_answer' };
  // The plan's monthly allowance, counted only when there is something to answer. The merchant
  // gets the notice from checkAiAllowance; the customer gets no AI reply but a person's attention.
  if (conv.channel_kind !== 'playground') {
    const allowance = await checkAiAllowance(ctx, workspaceId, conversationId);
    if (!allowance.allowed) {
      await flag(ctx, conversationId, allowance.reason);
      return { status: 'skipped', reason: allowance.reason };
    }
  }
  const turnKey = `turn:${conversationId}:${last.id}`;

  let freshStart = spoken.length - 1;
  while (freshStart > 0 && spoken[freshStart - 1]!.direction === 'in') freshStart--;
  const fresh = spoken.slice(freshStart);
  const freshIds = new Set(fresh.map((m) => m.id));
  const lang: Lang = detectLanguage(fresh.map((m) => m.text ?? '').join(' '), conv.workspace_language === 'ar' ? 'ar' : 'fr');

  // Independent reads, side by side: each is a round trip, and they were most of a turn's own time.
  const [inboundAtStart, settings, orders, priorCalls] = await Promise.all([
    inboundCount(ctx, conversationId),
    getAgentSettings(ctx.knex, workspaceId),
    // The customer's own orders: ids the tools need, and amounts the server already computed.
    listOrders(ctx.knex, workspaceId, { conversationId, limit: 5 }),
    ctx.knex('agent_tool_calls').where({ workspace_id: workspaceId, conversation_id: conversationId }).select('amounts'),
    fetchPendingImages(ctx, workspaceId, fresh),
  ]);
  const [base, turns] = await Promise.all([buildRequestBase(ctx, workspaceId, settings), buildTurns(ctx, workspaceId, rows, freshIds, conv.summary)]);
  const historyEnd = turns.length - 2; // the last turn is the customer's new message(s)

  const allowed = new Set<number>();
  for (const c of priorCalls) for (const a of c.amounts as number[]) allowed.add(a);
  for (const o of orders) amountsInToolResult({ total: o.total, subtotal: o.subtotal, delivery_fee: o.delivery_fee, discount: o.discount, items: o.items }, allowed);
  const context = orders.length
    ? `[context: this customer's orders] ${JSON.stringify(orders.map((o) => ({ order_id: o.id, status: o.status, total: o.total, ...(o.promo_code ? { promo_code: o.promo_code, discount: o.discount } : {}), items: o.items.map((i) => `${i.quantity}× ${i.name}${i.variant ? ` (${i.variant})` : ''}`) })))}`
    : null;
  const lastTurn = turns[turns.length - 1]!;
  if (context) lastTurn.content.push({ type: 'text', text: context });

  const scope: TurnScope = {
    ctx,
    workspaceId,
    conversationId,
    customerId: conv.customer_id,
    lastInbound: { id: last.id, created_at: last.created_at },
    source: conv.channel_kind === 'playground' ? 'playground' : 'agent',
    handedOff: false,
    createdOrderIds: [],
  };

  const model = ctx.config.anthropic.model;
  const usage = emptyUsage();
  const loop: Turn[] = [...turns];
  let reply = '';
  let corrected = false;
  let flagged: string | null = null;
  try {
    for (let i = 0; ; i++) {
      if (i >= ctx.config.agent.maxToolIterations) {
        flagged = 'the assistant did not finish within its step limit';
        break;
      }
      const res = await anthropicFor(ctx).messages.create({
        model,
        max_tokens: ctx.config.agent.maxTokens,
        system: base.system,
        tools: base.tools,
        messages: withBreakpoints(loop, historyEnd),
        metadata: { user_id: conversationId },
      });
      addUsage(usage, res.usage);
      const text = res.content.filter((b): b is Anthropic.Messages.TextBlock => b.type === 'text').map((b) => b.text).join('\n').trim();
      const uses = res.content.filter((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use');
      const assistant: Turn = {
        role: 'assistant',
        content: res.content.flatMap((b): Anthropic.Messages.ContentBlockParam[] =>
          b.type === 'text' ? (b.text ? [{ type: 'text', text: b.text }] : []) : b.type === 'tool_use' ? [{ type: 'tool_use', id: b.id, name: b.name, input: b.input }] : [],
        ),
      };
      if (!uses.length) {
        const bad = unverifiedAmounts(text, allowed);
        if (bad.length && !corrected && i + 1 < ctx.config.agent.maxToolIterations) {
          // One chance to rewrite with figures from the tools before a person is called in.
          corrected = true;
          loop.push(assistant, { role: 'user', content: [{ type: 'text', text: fixedMessage('integrity_correction', 'en', { amounts: bad.map((a) => `${a} DA`).join(', ') }) }] });
          continue;
        }
        if (bad.length) {
          flagged = `the assistant quoted an amount no tool produced (${bad.map((a) => `${a} DA`).join(', ')})`;
          reply = fixedMessage('unverified', lang);
        } else {
          reply = text;
        }
        break;
      }
      loop.push(assistant);
      const results: Anthropic.Messages.ToolResultBlockParam[] = [];
      for (const u of uses) {
        const out = await runTool(scope, u.name, u.input);
        // Refusals carry server figures too (a promo code's minimum subtotal): quotable.
        const amounts = [...amountsInToolResult(out.output)];
        for (const a of amounts) allowed.add(a);
        await ctx.knex('agent_tool_calls').insert({
          workspace_id: workspaceId,
          conversation_id: conversationId,
          turn_key: turnKey,
          name: u.name,
          input: JSON.stringify(u.input ?? {}),
          output: JSON.stringify(out.output ?? null),
          is_error: out.isError,
          amounts,
        });
        results.push({ type: 'tool_result', tool_use_id: u.id, content: out.content, ...(out.isError ? { is_error: true } : {}) });
      }
      loop.push({ role: 'user', content: results });
    }
  } catch (e) {
    await recordUsage(ctx, workspaceId, conversationId, model, usage);
    const permanent = isModelError(e) && !isRetryableModelError(e);
    if (isModelError(e) || isRetryableModelError(e)) {
      await ctx.knex('conversations').where({ id: conversationId }).update({ last_error: `AI model error: ${(e as Error).message}`.slice(0, 500) });
    }
    if (!permanent && !opts.lastAttempt) throw e; // the job retries with backoff
    ctx.logger.warn({ conversationId, err: (e as Error).message }, 'turn failed for good: sending a holding message');
    return holding(ctx, conv, turnKey, lang, isModelError(e) || isRetryableModelError(e) ? 'the AI model is unavailable' : 'the assistant failed');
  }
  await recordUsage(ctx, workspaceId, conversationId, model, usage);

  if (!reply) {
    if (!flagged) return { status: 'skipped', reason: 'empty_reply' };
    return holding(ctx, conv, turnKey, lang, flagged);
  }
  if (flagged) await flag(ctx, conversationId, flagged);

  // Between the model call and now: a person may have stepped in, or the customer written again.
  const now = await loadConversation(ctx, workspaceId, conversationId);
  if (!now || pauseReason(ctx, now, scope.handedOff)) return { status: 'dropped', reason: 'paused' };
  if ((await inboundCount(ctx, conversationId)) !== inboundAtStart) return { status: 'dropped', reason: 'newer_inbound' };

  const buttons = scope.createdOrderIds.length
    ? [
        { id: `confirm:${scope.createdOrderIds[0]}`, title: fixedMessage('confirm_button', lang) },
        { id: `cancel:${scope.createdOrderIds[0]}`, title: fixedMessage('cancel_button', lang) },
      ]
    : undefined;
  const sent = await deliver(ctx, conv, { text: reply, idempotencyKey: turnKey, buttons });
  if (conv.channel_kind !== 'playground' && sent.status === 'sent') await scheduleFollowUp(ctx, workspaceId, conversationId, sent.messageId);
  await maybeSummarize(ctx, conv.workspace_id, conversationId).catch((err) => ctx.logger.warn({ err: (err as Error).message, conversationId }, 'summary failed'));
  return { status: flagged ? 'flagged' : 'sent', text: reply, messageId: sent.messageId };
}

/** Keys only turn jobs write: turns of one conversation never run side by side (stately queue). */
const TURN_REPLY_KEY = /^(holding:)?turn:/;
const isUnsentReply = (m: MessageRow): boolean => m.direction === 'out' && m.status === 'pending' && TURN_REPLY_KEY.test(m.idempotency_key ?? '');

/**
 * Replies of earlier turns stored but left pending when their attempt died (database gone between
 * the send and its record), with the customer's newer messages after them: nothing will resend
 * those, and this turn answers what came since. Graph took the ones with a provider id (Meta's
 * statuses refine it): sent. The rest count as not sent, so the model answers the customer's
 * messages as still open instead of believing it already replied. Updates `rows` in place.
 */
async function settleSupersededReplies(ctx: AppContext, rows: MessageRow[]): Promise<void> {
  const lastIn = rows.findLastIndex((m) => m.direction === 'in');
  const stale = rows.slice(0, Math.max(0, lastIn)).filter(isUnsentReply);
  for (const m of stale) {
    const taken = Array.isArray(m.payload?.provider_ids) && (m.payload.provider_ids as unknown[]).length > 0;
    const patch = taken
      ? { status: 'sent', sent_at: ctx.knex.fn.now() }
      : { status: 'failed', error_code: 'not_sent', error_message: 'Not sent: the attempt stopped before Graph took it and the customer wrote again; the next reply answers both' };
    await ctx.knex('messages').where({ id: m.id, status: 'pending' }).update(patch);
    m.status = patch.status;
    ctx.logger.warn({ messageId: m.id, status: m.status }, 'settled a reply left pending by a failed attempt');
  }
}

/** Sends a stored reply under its own key: sendText sends the stored text, or says it is in flight. */
async function resumeReply(ctx: AppContext, conv: ConversationRow, m: MessageRow): Promise<TurnOutcome> {
  const sent = await deliver(ctx, conv, { text: m.text ?? '', idempotencyKey: m.idempotency_key!, author: m.author as 'ai' | 'system' });
  ctx.logger.info({ conversationId: conv.id, messageId: sent.messageId, outcome: sent.status }, 'resumed a reply stored but not sent');
  if (conv.channel_kind !== 'playground' && sent.status === 'sent' && m.author === 'ai') await scheduleFollowUp(ctx, conv.workspace_id, conv.id, sent.messageId);
  if (sent.status !== 'sent') return { status: 'skipped', reason: 'resumed_reply_not_delivered' };
  return { status: 'sent', text: m.text ?? '', messageId: sent.messageId };
}

/**
 * The media job and the turn start together: a photo the customer just sent may not be stored yet.
 * Fetch it now (idempotent with the job) so the model sees it on this turn, not the next one.
 */
async function fetchPendingImages(ctx: AppContext, workspaceId: string, fresh: MessageRow[]): Promise<void> {
  const ids = fresh.filter((m) => m.direction === 'in' && m.kind === 'image').map((m) => m.id);
  if (!ids.length) return;
  const pending = await ctx.knex('messages').whereIn('id', ids).whereRaw("media->>'status' = 'pending'").pluck('id');
  for (const id of pending as string[]) {
    await downloadMessageMedia(ctx, workspaceId, id).catch((err) => ctx.logger.warn({ err: (err as Error).message, messageId: id }, 'image fetch for the turn failed'));
  }
}

async function flag(ctx: AppContext, conversationId: string, reason: string) {
  await ctx.knex('conversations').where({ id: conversationId }).update({ needs_human: true, handoff_reason: reason, updated_at: ctx.knex.fn.now() });
}

async function holding(ctx: AppContext, conv: ConversationRow, turnKey: string, lang: Lang, reason: string): Promise<TurnOutcome> {
  await flag(ctx, conv.id, reason);
  const text = fixedMessage('holding', lang);
  const sent = await deliver(ctx, conv, { text, idempotencyKey: `holding:${turnKey}`, author: 'system' });
  return { status: 'holding', text, messageId: sent.messageId };
}

/** Through the channel (24 h window, splitting, idempotency), or stored directly for the playground. */
async function deliver(
  ctx: AppContext,
  conv: ConversationRow,
  m: { text: string; idempotencyKey: string; buttons?: Array<{ id: string; title: string }>; author?: 'ai' | 'system' },
): Promise<{ messageId: string; status: 'sent' | 'failed' | 'skipped' }> {
  if (conv.channel_kind === 'playground') {
    const [row] = await ctx.knex('messages')
      .insert({
        workspace_id: conv.workspace_id,
        conversation_id: conv.id,
        channel_id: conv.channel_id,
        direction: 'out',
        author: m.author ?? 'ai',
        text: m.text,
        payload: JSON.stringify(m.buttons ? { buttons: m.buttons } : {}),
        status: 'sent',
        idempotency_key: m.idempotencyKey,
        sent_at: ctx.knex.fn.now(),
      })
      .onConflict(['channel_id', 'idempotency_key'])
      .merge({ status: 'sent' })
      .returning('id');
    await ctx.knex('conversations').where({ id: conv.id }).update({ last_outbound_at: ctx.knex.fn.now() });
    return { messageId: row.id, status: 'sent' };
  }
  const r = await sendText(ctx, {
    workspaceId: conv.workspace_id,
    conversationId: conv.id,
    text: m.text,
    author: m.author ?? 'ai',
    idempotencyKey: m.idempotencyKey,
    buttons: m.buttons,
  });
  if (r.status === 'failed') ctx.logger.warn({ conversationId: conv.id, error: r.error }, 'reply not delivered');
  // 'skipped' here means an earlier attempt of this very reply started sending and its worker died
  // before recording the outcome (turns of one conversation never run side by side). Retry the job
  // later: past the in-flight window, sendText resends the stored text (src/conversations/outbound.ts).
  if (r.status === 'skipped') throw new ProviderError('meta', 'An earlier attempt of this reply is still marked in flight; retrying later', true);
  return { messageId: r.messageId, status: r.status };
}
