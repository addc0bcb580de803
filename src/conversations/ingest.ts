import type { Knex } from 'knex';
import type { InboundEvent } from '../../channels/contract';
import { channelForObject } from '../../channels/registry';
import type { AppContext } from '../context';
import { eventTime, inboundWriter, type MessageEvent } from './inbound-writer';

type Outcome = 'stored' | 'duplicate' | 'unknown_account' | 'ignored' | 'status' | 'echo_ours' | 'human_echo';
export interface IngestSummary {
  events: number;
  outcomes: Partial<Record<Outcome, number>>;
}

interface RoutedChannel {
  id: string;
  workspace_id: string;
  usable: boolean;
}

const STATUS_RANK: Record<string, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
const RANK_SQL = "(CASE status WHEN 'pending' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END)";
const OUR_METADATA = /^wakil:([0-9a-f-]{36})$/;

/**
 * Stores what a signature-checked Meta webhook body says. Each event commits in its own
 * transaction (message + customer + conversation + turn job together, or nothing); any database
 * error propagates so the route answers 500 and Meta redelivers (dedup makes that safe).
 * No Graph or model call happens here: media is fetched by a job.
 */
export async function ingestMetaWebhook(ctx: AppContext, body: unknown): Promise<IngestSummary> {
  const object = typeof body === 'object' && body !== null ? (body as { object?: unknown }).object : undefined;
  const adapter = channelForObject(object);
  const summary: IngestSummary = { events: 0, outcomes: {} };
  if (!adapter) return summary;
  const events = adapter.parseWebhook(body).map((e) => clean(e));
  summary.events = events.length;
  // Messages go to the batched writer together (it routes them itself); the rest in order.
  const messages = events.filter((e): e is MessageEvent => e.type === 'message');
  const stored = await Promise.all(messages.map((ev) => inboundWriter(ctx).store(ev)));
  const storedOutcome = new Map<InboundEvent, Outcome>(messages.map((ev, i) => [ev, stored[i]!]));
  const routes = new Map<string, RoutedChannel | null>();
  const applyOther = async (ev: Exclude<InboundEvent, MessageEvent>): Promise<Outcome> => {
    let ch = routes.get(ev.accountId);
    if (ch === undefined) {
      ch = await route(ctx.knex, ev.channel, ev.accountId);
      routes.set(ev.accountId, ch);
    }
    if (!ch) return 'unknown_account';
    if (!ch.usable) return 'ignored';
    return ev.type === 'status' ? applyStatus(ctx, ch, ev) : applyEcho(ctx, ch, ev);
  };
  for (const ev of events) {
    const outcome = ev.type === 'message' ? storedOutcome.get(ev)! : await applyOther(ev);
    summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
    ctx.metrics.webhookEvents.inc({ source: `meta_${ev.channel}`, outcome });
  }
  return summary;
}

async function route(k: Knex, kind: string, accountId: string): Promise<RoutedChannel | null> {
  const row = await k('channels as ch')
    .join('workspaces as w', 'w.id', 'ch.workspace_id')
    .where({ 'ch.kind': kind, 'ch.external_id': accountId })
    .first('ch.id', 'ch.workspace_id', 'ch.status', 'w.status as ws_status');
  if (!row) return null;
  // Deactivated workspaces and disconnected channels: acknowledged, not stored.
  return { id: row.id, workspace_id: row.workspace_id, usable: row.ws_status === 'active' && row.status !== 'disconnected' };
}

async function upsertThread(trx: Knex.Transaction, ch: RoutedChannel, c: { externalId: string; waId?: string; name?: string; username?: string }) {
  if (c.waId) {
    // One WhatsApp person, two possible keys (BSUID or phone; coexistence echoes carry only the
    // phone): keep whichever key we met first so the thread is not split in two. Inbound
    // messages apply the same rule in SQL (`prior` in src/conversations/inbound-writer.ts).
    // Only echoes come through here now.
    const prior = await trx('customers').where({ channel_id: ch.id, wa_id: c.waId }).whereNot({ external_id: c.externalId }).first('external_id');
    if (prior) c = { ...c, externalId: prior.external_id };
  }
  const [customer] = await trx('customers')
    .insert({ workspace_id: ch.workspace_id, channel_id: ch.id, external_id: c.externalId, wa_id: c.waId ?? null, name: c.name ?? null, username: c.username ?? null })
    .onConflict(['channel_id', 'external_id'])
    .merge({
      wa_id: trx.raw('coalesce(excluded.wa_id, customers.wa_id)'),
      name: trx.raw('coalesce(excluded.name, customers.name)'),
      username: trx.raw('coalesce(excluded.username, customers.username)'),
      updated_at: trx.fn.now(),
    })
    .returning('id');
  const [conversation] = await trx('conversations')
    .insert({ workspace_id: ch.workspace_id, channel_id: ch.id, customer_id: customer.id })
    .onConflict(['channel_id', 'customer_id'])
    .merge({ updated_at: trx.fn.now() })
    .returning('id');
  return { customerId: customer.id as string, conversationId: conversation.id as string };
}

/**
 * Postgres text/jsonb refuse NUL and unpaired surrogates (both valid JSON escapes): strip them so
 * an odd but signed body is stored instead of failing forever on every redelivery.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function clean<T>(v: T): T {
  if (typeof v === 'string') return v.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd') as T;
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v instanceof Date) return v;
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [clean(k), clean(x)])) as T;
  }
  return v;
}


/** Monotonic: sent < delivered < read < failed (terminal); a late lower status changes nothing. */
async function applyStatus(ctx: AppContext, ch: RoutedChannel, ev: Extract<InboundEvent, { type: 'status' }>): Promise<Outcome> {
  await ctx.knex.transaction(async (trx) => {
    const ours = ev.callbackData ? OUR_METADATA.exec(ev.callbackData)?.[1] : undefined;
    if (ours) {
      // Crash between Graph accepting and our store: the status brings the id home.
      await trx('messages').where({ id: ours, channel_id: ch.id, direction: 'out' }).whereNull('provider_message_id').update({ provider_message_id: ev.providerMessageId });
    }
    const updated = await trx('messages')
      .where({ channel_id: ch.id, provider_message_id: ev.providerMessageId, direction: 'out' })
      .whereRaw(`${RANK_SQL} < ?`, [STATUS_RANK[ev.status]!])
      .update({
        status: ev.status,
        ...(ev.status === 'failed' ? { error_code: ev.error?.code ?? 'unknown', error_message: (ev.error?.message ?? 'failed').slice(0, 500) } : {}),
      })
      .returning('conversation_id');
    if (ev.status === 'failed' && updated[0]) {
      await trx('conversations').where({ id: updated[0].conversation_id }).update({
        last_error: `WhatsApp could not deliver a message (${ev.error?.code ?? 'unknown'}): ${ev.error?.message ?? 'failed'}`.slice(0, 500),
        updated_at: trx.fn.now(),
      });
    }
    if (!updated[0] && ev.status === 'failed') await failReplyPart(trx, ch, ev);
  });
  return 'status';
}

/**
 * A later part of a split reply (its id is in payload.provider_ids, not provider_message_id) that
 * could not be delivered: the reply is failed, or the customer would read half an answer and the
 * merchant would never know. The other statuses of later parts change nothing: the first part's
 * status stands for the reply.
 */
async function failReplyPart(trx: Knex.Transaction, ch: RoutedChannel, ev: Extract<InboundEvent, { type: 'status' }>): Promise<void> {
  const reply = await trx('messages')
    .where({ channel_id: ch.id, direction: 'out' })
    .whereRaw("payload->'provider_ids' @> ?::jsonb", [JSON.stringify([ev.providerMessageId])])
    .whereNot({ provider_message_id: ev.providerMessageId })
    .whereNot({ status: 'failed' })
    .first('id', 'conversation_id', 'payload');
  if (!reply) return;
  const part = (reply.payload.provider_ids as string[]).indexOf(ev.providerMessageId) + 1;
  const reason = `WhatsApp could not deliver part ${part} of this reply (${ev.error?.code ?? 'unknown'}): ${ev.error?.message ?? 'failed'}`.slice(0, 500);
  await trx('messages').where({ id: reply.id }).update({ status: 'failed', error_code: ev.error?.code ?? 'unknown', error_message: reason });
  await trx('conversations').where({ id: reply.conversation_id }).update({ last_error: reason, updated_at: trx.fn.now() });
}

/**
 * An echo of a business-side message. Ours (metadata `wakil:<id>` or a mid we stored) is ignored.
 * Anything else was typed by the merchant in the Page inbox / Business app: stored as a human
 * reply, and the AI steps back for HUMAN_PAUSE_MINUTES.
 */
async function applyEcho(ctx: AppContext, ch: RoutedChannel, ev: Extract<InboundEvent, { type: 'echo' }>): Promise<Outcome> {
  const ours = ev.metadata ? OUR_METADATA.exec(ev.metadata)?.[1] : undefined;
  return ctx.knex.transaction(async (trx) => {
    if (ours) {
      await trx('messages').where({ id: ours, channel_id: ch.id, direction: 'out' }).whereNull('provider_message_id').update({ provider_message_id: ev.providerMessageId });
      return 'echo_ours' as const;
    }
    const known = await trx('messages').where({ channel_id: ch.id, provider_message_id: ev.providerMessageId }).first('id');
    if (known) return 'echo_ours' as const;
    const t = await upsertThread(trx, ch, ev.customer);
    const inserted = await trx('messages')
      .insert({
        workspace_id: ch.workspace_id, conversation_id: t.conversationId, channel_id: ch.id, direction: 'out', author: 'human',
        provider_message_id: ev.providerMessageId, kind: ev.kind, text: ev.text ?? null, status: 'sent',
        payload: JSON.stringify({ source: 'echo', app_id: ev.appId }), created_at: eventTime(ev.timestamp), sent_at: eventTime(ev.timestamp),
      })
      .onConflict(['channel_id', 'provider_message_id'])
      .ignore()
      .returning('id');
    if (!inserted[0]) return 'echo_ours' as const;
    await trx('conversations').where({ id: t.conversationId }).update({
      last_human_at: trx.fn.now(),
      last_outbound_at: trx.fn.now(),
      paused_until: new Date(Date.now() + ctx.config.agent.humanPauseMinutes * 60_000),
      updated_at: trx.fn.now(),
    });
    return 'human_echo' as const;
  });
}
