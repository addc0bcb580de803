import type { ButtonSpec, SendOptions, SendOutcome, TemplateSpec } from '../../channels/contract';
import { CHANNEL_BROKEN_CODES, type GraphClient } from '../../channels/meta/graph-client';
import { splitText } from '../../channels/text-split';
import type { AppContext } from '../context';
import { notFound, ProviderError } from '../errors';
import { graphFor, loadTarget, type ConversationTarget } from './channel-access';

export interface SendTextInput {
  workspaceId: string;
  conversationId: string;
  text: string;
  author: 'ai' | 'human' | 'system';
  idempotencyKey: string;
  buttons?: Array<{ id: string; title: string }>;
}

export interface SendResult {
  messageId: string;
  status: 'sent' | 'failed' | 'skipped';
  error?: string;
}

const HOUR = 3600_000;
const WINDOW_MS = 24 * HOUR;
const HUMAN_AGENT_MS = 7 * 24 * HOUR;
/**
 * A pending row whose send started less than this long ago is treated as still in flight.
 * Older than this, Meta's own reconciliation (WhatsApp status `biz_opaque_callback_data`,
 * Messenger/IG echo `metadata`, both set to `wakil:<message id>`) would already have attached the
 * provider id if Graph had accepted it, so a retry resends.
 */
const IN_FLIGHT_MS = 60_000;
const QUICK_ATTEMPTS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface OutRow {
  id: string;
  text: string | null;
  status: string;
  error_message: string | null;
  provider_message_id: string | null;
  payload: { buttons?: ButtonSpec[]; template?: TemplateSpec; provider_ids?: string[]; attempt_started_at?: string | null } | null;
}

type Step = (graph: GraphClient, opts: SendOptions) => Promise<SendOutcome>;

/**
 * Sends a reply to the conversation's customer through its channel.
 *
 * Idempotency: the outbound row is inserted (unique (channel_id, idempotency_key)) BEFORE any Graph
 * call. A repeat call with the same key returns the stored outcome without resending. WhatsApp
 * has no idempotency header, so a crash between Graph accepting and our store is handled by
 * reconciliation, not by hope: every send carries `wakil:<message id>` (WhatsApp
 * biz_opaque_callback_data / Messenger-IG metadata), and the status/echo webhook attaches the
 * provider id to the row. A retry inside IN_FLIGHT_MS returns 'skipped'; after it, the row still
 * lacking a provider id is resent (at-least-once: a rare duplicate beats a lost sales reply).
 * Multi-part texts record each part's id, so a retry resumes after the last part sent.
 *
 * Returns 'failed' (with the reason, row marked failed) for permanent refusals and policy
 * (24 h window, HUMAN_AGENT for humans only). THROWS a retryable ProviderError after a few quick
 * in-process attempts on transient errors: the row stays pending and the caller's job retries
 * with the same idempotencyKey (the stored text is what gets sent).
 */
export async function sendText(ctx: AppContext, input: SendTextInput): Promise<SendResult> {
  const target = await loadTarget(ctx.knex, input.workspaceId, input.conversationId);
  if (!target) throw notFound('Conversation');
  const claimed = await claim(ctx, target, input.author, input.idempotencyKey, 'text', input.text, input.buttons?.length ? { buttons: input.buttons } : {});
  if ('result' in claimed) return claimed.result;
  const row = claimed.row;
  const text = row.text ?? '';
  const buttons = row.payload?.buttons;

  const now = Date.now();
  const lastIn = target.conversation.last_inbound_at ? new Date(target.conversation.last_inbound_at).getTime() : 0;
  const opts: SendOptions = { metadata: `wakil:${row.id}` };
  if (now - lastIn > WINDOW_MS) {
    if (target.channel.kind === 'whatsapp') {
      return fail(ctx, target, row.id, 'outside_window', 'Outside the 24-hour customer service window: WhatsApp only allows approved templates until the customer writes again');
    }
    if (input.author !== 'human' || now - lastIn > HUMAN_AGENT_MS) {
      return fail(ctx, target, row.id, 'outside_window', input.author === 'human'
        ? 'More than 7 days since the customer last wrote: Meta allows no reply until they write again'
        : 'Outside the 24-hour messaging window: only a human may reply (HUMAN_AGENT tag, within 7 days)');
    }
    opts.tag = 'HUMAN_AGENT'; // human replies only, never the AI (§4.3)
  }

  let parts = splitText(text, target.adapter.textLimit);
  if (parts.length === 0) return fail(ctx, target, row.id, 'empty', 'Nothing to send: the text is empty');
  if (buttons?.length && target.channel.kind === 'whatsapp') {
    // Interactive bodies are capped at 1024 chars: the buttons ride on a short last part.
    const last = parts.pop()!;
    parts = [...parts, ...splitText(last, { max: 1024, unit: 'chars' })];
  }
  const steps: Step[] = parts.map((p, i) => (graph, o) =>
    buttons?.length && i === parts.length - 1
      ? target.adapter.sendButtons(graph, target.to, p, buttons, o)
      : target.adapter.sendText(graph, target.to, p, o));
  return deliver(ctx, target, row, steps, opts, input.author);
}

/** An approved WhatsApp template: the one thing allowed outside the 24 h window. */
export async function sendTemplate(
  ctx: AppContext,
  input: { workspaceId: string; conversationId: string; template: TemplateSpec; author: 'ai' | 'human' | 'system'; idempotencyKey: string },
): Promise<SendResult> {
  const target = await loadTarget(ctx.knex, input.workspaceId, input.conversationId);
  if (!target) throw notFound('Conversation');
  const claimed = await claim(ctx, target, input.author, input.idempotencyKey, 'template', `[template ${input.template.name}]`, { template: input.template });
  if ('result' in claimed) return claimed.result;
  if (!target.adapter.supportsTemplates) {
    return fail(ctx, target, claimed.row.id, 'unsupported', `${target.channel.kind} has no message templates`);
  }
  const t = claimed.row.payload?.template ?? input.template;
  return deliver(ctx, target, claimed.row, [(g, o) => target.adapter.sendTemplate(g, target.to, t, o)], { metadata: `wakil:${claimed.row.id}` }, input.author);
}

/**
 * Read receipt plus typing indicator for the latest inbound message: a cheap "the shop is on it"
 * signal at the start of a turn. Best effort: returns false instead of throwing.
 */
export async function markReadAndTyping(ctx: AppContext, input: { workspaceId: string; conversationId: string; typing?: boolean }): Promise<boolean> {
  const target = await loadTarget(ctx.knex, input.workspaceId, input.conversationId);
  if (!target) return false;
  const last = await ctx.knex('messages')
    .where({ conversation_id: target.conversation.id, direction: 'in' })
    .whereNotNull('provider_message_id')
    .whereNot('kind', 'reaction')
    .orderBy('created_at', 'desc')
    .first('provider_message_id');
  try {
    const graph = await graphFor(ctx, target.channel);
    await target.adapter.markRead(graph, target.to, { providerMessageId: last?.provider_message_id, typing: input.typing ?? true });
    return true;
  } catch (err) {
    ctx.logger.warn({ err: { message: (err as Error).message }, conversationId: target.conversation.id }, 'mark read/typing failed');
    return false;
  }
}

async function claim(
  ctx: AppContext, target: ConversationTarget, author: string, idempotencyKey: string, kind: string, text: string, payload: Record<string, unknown>,
): Promise<{ row: OutRow } | { result: SendResult }> {
  const cols = ['id', 'text', 'status', 'error_message', 'provider_message_id', 'payload'];
  const inserted = (await ctx.knex('messages')
    .insert({
      workspace_id: target.conversation.workspace_id, conversation_id: target.conversation.id, channel_id: target.channel.id,
      direction: 'out', author, kind, text, status: 'pending', idempotency_key: idempotencyKey, payload: JSON.stringify(payload),
    })
    .onConflict(['channel_id', 'idempotency_key'])
    .ignore()
    .returning(cols)) as OutRow[];
  if (inserted[0]) return { row: inserted[0] };
  const row = (await ctx.knex('messages').where({ channel_id: target.channel.id, idempotency_key: idempotencyKey }).first(cols)) as OutRow;
  if (row.provider_message_id && row.status !== 'pending' && row.status !== 'failed') return { result: { messageId: row.id, status: 'sent' } };
  if (row.status === 'failed') return { result: { messageId: row.id, status: 'failed', error: row.error_message ?? 'failed' } };
  const started = row.payload?.attempt_started_at ? Date.parse(row.payload.attempt_started_at) : 0;
  if (started && Date.now() - started < IN_FLIGHT_MS) {
    return { result: { messageId: row.id, status: 'skipped', error: 'A send with this idempotency key is already in progress' } };
  }
  return { row };
}

async function deliver(ctx: AppContext, target: ConversationTarget, row: OutRow, steps: Step[], opts: SendOptions, author: string): Promise<SendResult> {
  if (target.channel.status === 'disconnected') return fail(ctx, target, row.id, 'channel_disconnected', 'This channel is disconnected: reconnect it to send');
  let graph: GraphClient;
  try {
    graph = await graphFor(ctx, target.channel);
  } catch (err) {
    return fail(ctx, target, row.id, 'no_token', (err as Error).message);
  }
  const ids = [...(row.payload?.provider_ids ?? [])];
  await patchPayload(ctx, row.id, { attempt_started_at: new Date().toISOString() });

  const paced = target.channel.kind === 'whatsapp';
  const pairMs = ctx.config.meta.pairIntervalMs;
  let lastOut = target.conversation.last_outbound_at ? new Date(target.conversation.last_outbound_at).getTime() : 0;
  for (let i = ids.length; i < steps.length; i++) {
    // WhatsApp pair rate limit (~1 msg / 6 s to one customer, error 131056): space our own sends.
    if (paced) await sleep(Math.max(0, lastOut + pairMs - Date.now()));
    let out: SendOutcome;
    try {
      out = await withQuickRetries(ctx, () => steps[i]!(graph, opts));
    } catch (e) {
      const err = e instanceof ProviderError ? e : new ProviderError('meta', (e as Error).message, true);
      if (err.retryable) {
        await ctx.knex('messages').where({ id: row.id }).update({ error_message: err.message.slice(0, 500) });
        await patchPayload(ctx, row.id, { attempt_started_at: null });
        throw err;
      }
      await markChannelIfBroken(ctx, target, err);
      return fail(ctx, target, row.id, String(err.providerCode ?? 'provider_error'), err.message);
    }
    ids.push(out.providerMessageId);
    lastOut = Date.now();
    await ctx.knex('messages').where({ id: row.id }).update({
      provider_message_id: ids[0],
      payload: ctx.knex.raw("coalesce(payload, '{}'::jsonb) || ?::jsonb", [JSON.stringify({ provider_ids: ids })]),
    });
    await ctx.knex('conversations').where({ id: target.conversation.id }).update({ last_outbound_at: new Date(lastOut) });
  }

  await ctx.knex.transaction(async (trx) => {
    // Only upgrade pending → sent: a fast status webhook may already have said delivered/read.
    await trx('messages').where({ id: row.id, status: 'pending' }).update({ status: 'sent', sent_at: trx.fn.now(), error_code: null, error_message: null });
    await trx('messages').where({ id: row.id }).update({ payload: trx.raw("payload || '{\"attempt_started_at\": null}'::jsonb") });
    const conv: Record<string, unknown> = { updated_at: trx.fn.now(), last_error: null };
    if (author === 'human') {
      conv.last_human_at = trx.fn.now();
      conv.paused_until = new Date(Date.now() + ctx.config.agent.humanPauseMinutes * 60_000);
    }
    await trx('conversations').where({ id: target.conversation.id }).update(conv);
  });
  return { messageId: row.id, status: 'sent' };
}

async function withQuickRetries<T>(ctx: AppContext, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = !(err instanceof ProviderError) || err.retryable;
      if (!retryable || attempt >= QUICK_ATTEMPTS) throw err;
      await sleep(ctx.config.meta.sendRetryBaseMs * 2 ** (attempt - 1));
    }
  }
}

async function patchPayload(ctx: AppContext, id: string, patch: Record<string, unknown>): Promise<void> {
  await ctx.knex('messages').where({ id }).update({ payload: ctx.knex.raw("coalesce(payload, '{}'::jsonb) || ?::jsonb", [JSON.stringify(patch)]) });
}

async function fail(ctx: AppContext, target: ConversationTarget, messageId: string, code: string, reason: string): Promise<SendResult> {
  await ctx.knex.transaction(async (trx) => {
    await trx('messages').where({ id: messageId }).update({
      status: 'failed', error_code: code, error_message: reason.slice(0, 500),
      payload: trx.raw("coalesce(payload, '{}'::jsonb) || '{\"attempt_started_at\": null}'::jsonb"),
    });
    await trx('conversations').where({ id: target.conversation.id }).update({ last_error: reason.slice(0, 500), updated_at: trx.fn.now() });
  });
  return { messageId, status: 'failed', error: reason };
}

/** Token revoked, permission lost, account blocked: the merchant must act, so the channel shows it. */
async function markChannelIfBroken(ctx: AppContext, target: ConversationTarget, err: ProviderError): Promise<void> {
  const code = typeof err.providerCode === 'number' ? err.providerCode : Number(err.providerCode);
  if (!CHANNEL_BROKEN_CODES.has(code)) return;
  const detail = code === 190 ? 'Access token expired or revoked: reconnect the channel' : `Meta refused the channel (code ${code}): ${err.message}`;
  await ctx.knex('channels').where({ id: target.channel.id }).update({ status: 'error', status_detail: detail.slice(0, 500), updated_at: ctx.knex.fn.now() });
}
