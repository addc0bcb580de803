import type { Knex } from 'knex';
import type { InboundEvent } from '../../channels/contract';
import { channelForObject } from '../../channels/registry';
import type { AppContext } from '../context';
import { MEDIA_JOB } from './media';
import { enqueueTurn } from './turn-queue';

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
  const routes = new Map<string, RoutedChannel | null>();
  for (const ev of events) {
    let ch = routes.get(ev.accountId);
    if (ch === undefined) {
      ch = await route(ctx.knex, ev.channel, ev.accountId);
      routes.set(ev.accountId, ch);
    }
    let outcome: Outcome;
    if (!ch) outcome = 'unknown_account';
    else if (!ch.usable) outcome = 'ignored';
    else if (ev.type === 'message') outcome = await storeMessage(ctx, ch, ev);
    else if (ev.type === 'status') outcome = await applyStatus(ctx, ch, ev);
    else outcome = await applyEcho(ctx, ch, ev);
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
    // phone): keep whichever key we met first so the thread is not split in two.
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
    .returning(['id', 'referral']);
  return { customerId: customer.id as string, conversationId: conversation.id as string, referral: conversation.referral as unknown };
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

/** Meta's timestamp, not arrival time (retries arrive late), but never in the future. */
const eventTime = (d: Date) => new Date(Math.min(d.getTime(), Date.now()));

/** Thrown inside the transaction to roll it back when the message turns out to be a redelivery. */
class Duplicate extends Error {}

async function storeMessage(ctx: AppContext, ch: RoutedChannel, ev: Extract<InboundEvent, { type: 'message' }>): Promise<Outcome> {
  // Redeliveries are common (Meta retries, duplicates): answer them without touching the thread.
  if (await ctx.knex('messages').where({ channel_id: ch.id, provider_message_id: ev.providerMessageId }).first('id')) return 'duplicate';
  let turnFor: string | undefined;
  const stored = ctx.knex.transaction(async (trx) => {
    const t = await upsertThread(trx, ch, ev.customer);
    const payload = { ...ev.payload, ...(ev.media ? { media_ref: ev.media } : {}), ...(ev.referral ? { referral: ev.referral } : {}) };
    const inserted = await trx('messages')
      .insert({
        workspace_id: ch.workspace_id, conversation_id: t.conversationId, channel_id: ch.id, direction: 'in', author: 'customer',
        provider_message_id: ev.providerMessageId, kind: ev.kind, text: ev.text ?? null, payload: JSON.stringify(payload),
        media: ev.media ? JSON.stringify({ status: 'pending' }) : null, status: 'received', created_at: eventTime(ev.timestamp),
      })
      .onConflict(['channel_id', 'provider_message_id'])
      .ignore()
      .returning('id');
    // A concurrent copy won the race: roll back, so no customer or conversation is left without
    // the message that created it.
    if (!inserted[0]) throw new Duplicate();
    const messageId = inserted[0].id as string;
    const at = eventTime(ev.timestamp);
    await trx('conversations').where({ id: t.conversationId }).update({
      last_inbound_at: trx.raw('greatest(last_inbound_at, ?::timestamptz)', [at.toISOString()]),
      ...(ev.referral && !t.referral ? { referral: JSON.stringify(ev.referral) } : {}),
    });
    // At most once a minute: every message of a busy channel updating its one row would serialise
    // all ingest transactions on that row lock (measured by bench/ingest.ts). It is display-only.
    await trx('channels')
      .where({ id: ch.id })
      .where((q) => q.whereNull('last_inbound_at').orWhere('last_inbound_at', '<', trx.raw("now() - interval '1 minute'")))
      .update({ last_inbound_at: trx.fn.now(), updated_at: trx.fn.now() });
    if (ev.media) await ctx.jobs.send(MEDIA_JOB, { workspaceId: ch.workspace_id, messageId }, { trx, idempotencyKey: messageId });
    if (ev.triggersTurn) {
      await enqueueTurn(ctx, { workspaceId: ch.workspace_id, conversationId: t.conversationId }, trx);
      turnFor = t.conversationId;
    }
    return 'stored' as const;
  });
  const outcome = await stored.catch((e: unknown) => {
    if (e instanceof Duplicate) return 'duplicate' as const;
    throw e;
  });
  // The turn enqueued above may be a no-op: a turn already queued for this conversation absorbs
  // it. But that queued turn can start, and read the conversation, before this transaction
  // commits, and so never see this message (its reply, or its "newer inbound" drop, leaves the
  // message without a turn). Enqueued again now that the message is visible: a queued turn that
  // has not started yet takes it, or a new one queues behind the running one. The enqueue inside
  // the transaction stays, so a crash right here still leaves a turn for the message.
  if (turnFor) await enqueueTurn(ctx, { workspaceId: ch.workspace_id, conversationId: turnFor });
  return outcome;
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
  });
  return 'status';
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
