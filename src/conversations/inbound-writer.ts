import type { InboundEvent } from '../../channels/contract';
import type { AppContext } from '../context';
import { MEDIA_JOB } from './media';
import { turnJob } from './turn-queue';

export type MessageEvent = Extract<InboundEvent, { type: 'message' }>;
export type StoreOutcome = 'stored' | 'duplicate' | 'unknown_account' | 'ignored';

/**
 * Routes and stores a batch of inbound messages in one statement: channel lookup, redelivery
 * check, customer, conversation, message and the channel's display timestamp.
 *
 * - A redelivery (already stored) or a repeat inside the batch writes nothing.
 * - One WhatsApp person may arrive under two keys (BSUID or phone; coexistence echoes carry only
 *   the phone): the key we met first wins, so the thread is not split.
 * - Rows are written in a fixed order (customers by key, conversations by id, messages by id) so
 *   two batches touching the same rows wait for each other instead of deadlocking.
 * - stored_at keeps arrival order inside the batch (history is ordered by it).
 * - The channel's last_inbound_at moves at most once a minute: every message of a busy channel
 *   updating its one row would serialise all ingest on that row lock.
 * - A redelivered message may belong to a delivery that died before queuing its jobs:
 *   `answered` (a reply follows it: no turn needed) and `media_pending` say what is missing.
 */
const STORE_BATCH_SQL = `
WITH clock AS (
  SELECT clock_timestamp() AS t
), input AS (
  SELECT * FROM jsonb_to_recordset(CAST(:items AS jsonb)) AS x(
    idx int, channel_kind text, account_id text, provider_message_id text, external_id text, wa_id text,
    name text, username text, at timestamptz, referral jsonb, kind text, text text, payload jsonb, has_media boolean)
), routed AS (
  SELECT i.*, ch.id AS channel_id, ch.workspace_id,
         (ch.id IS NOT NULL AND w.status = 'active' AND ch.status <> 'disconnected') AS usable
    FROM input i
    LEFT JOIN channels ch ON ch.kind = i.channel_kind AND ch.external_id = i.account_id
    LEFT JOIN workspaces w ON w.id = ch.workspace_id
), known AS (
  SELECT r.idx, m.id AS message_id, m.conversation_id,
         EXISTS (SELECT 1 FROM messages o WHERE o.conversation_id = m.conversation_id AND o.direction = 'out' AND o.stored_at > m.stored_at) AS answered,
         coalesce(m.media->>'status' = 'pending', false) AS media_pending
    FROM routed r JOIN messages m ON m.channel_id = r.channel_id AND m.provider_message_id = r.provider_message_id
   WHERE r.usable
), fresh AS (
  SELECT DISTINCT ON (r.channel_id, r.provider_message_id) r.*,
         coalesce((SELECT c.external_id FROM customers c
                    WHERE c.channel_id = r.channel_id AND c.wa_id = r.wa_id AND c.external_id <> r.external_id LIMIT 1), r.external_id) AS customer_key
    FROM routed r
   WHERE r.usable AND NOT EXISTS (SELECT 1 FROM known k WHERE k.idx = r.idx)
   ORDER BY r.channel_id, r.provider_message_id, r.idx
), cust AS (
  INSERT INTO customers (workspace_id, channel_id, external_id, wa_id, name, username)
  SELECT workspace_id, channel_id, customer_key, wa_id, name, username FROM (
    SELECT DISTINCT ON (channel_id, customer_key) * FROM fresh ORDER BY channel_id, customer_key, idx DESC
  ) latest ORDER BY channel_id, customer_key
  ON CONFLICT (channel_id, external_id) DO UPDATE SET
    wa_id = coalesce(excluded.wa_id, customers.wa_id),
    name = coalesce(excluded.name, customers.name),
    username = coalesce(excluded.username, customers.username),
    updated_at = now()
  RETURNING id, channel_id, external_id
), conv AS (
  INSERT INTO conversations (workspace_id, channel_id, customer_id, last_inbound_at, referral)
  SELECT f.workspace_id, f.channel_id, c.id, max(f.at), (array_agg(f.referral ORDER BY f.idx) FILTER (WHERE f.referral IS NOT NULL))[1]
    FROM fresh f JOIN cust c ON c.channel_id = f.channel_id AND c.external_id = f.customer_key
   GROUP BY f.workspace_id, f.channel_id, c.id
   ORDER BY c.id
  ON CONFLICT (channel_id, customer_id) DO UPDATE SET
    last_inbound_at = greatest(conversations.last_inbound_at, excluded.last_inbound_at),
    referral = coalesce(conversations.referral, excluded.referral),
    updated_at = now()
  RETURNING id, customer_id
), msg AS (
  INSERT INTO messages (workspace_id, conversation_id, channel_id, direction, author, provider_message_id, kind, text, payload, media, status, created_at, stored_at)
  SELECT f.workspace_id, v.id, f.channel_id, 'in', 'customer', f.provider_message_id, f.kind, f.text, f.payload,
         CASE WHEN f.has_media THEN '{"status":"pending"}'::jsonb END, 'received', f.at,
         (SELECT t FROM clock) + f.idx * interval '1 microsecond'
    FROM fresh f
    JOIN cust c ON c.channel_id = f.channel_id AND c.external_id = f.customer_key
    JOIN conv v ON v.customer_id = c.id
   ORDER BY f.channel_id, f.provider_message_id
  ON CONFLICT (channel_id, provider_message_id) DO NOTHING
  RETURNING id, conversation_id, channel_id, provider_message_id
), chan AS (
  UPDATE channels SET last_inbound_at = now(), updated_at = now()
   WHERE id IN (SELECT channel_id FROM msg)
     AND (last_inbound_at IS NULL OR last_inbound_at < now() - interval '1 minute')
)
SELECT r.idx, r.workspace_id,
       CASE WHEN r.channel_id IS NULL THEN 'unknown_account' WHEN NOT r.usable THEN 'ignored'
            WHEN m.id IS NOT NULL THEN 'stored' ELSE 'duplicate' END AS outcome,
       coalesce(m.id, k.message_id) AS message_id,
       coalesce(m.conversation_id, k.conversation_id) AS conversation_id,
       coalesce(k.answered, false) AS answered, coalesce(k.media_pending, false) AS media_pending
  FROM routed r
  LEFT JOIN fresh f ON f.idx = r.idx
  LEFT JOIN msg m ON m.channel_id = f.channel_id AND m.provider_message_id = f.provider_message_id
  LEFT JOIN known k ON k.idx = r.idx`;

interface Row {
  idx: number;
  workspace_id: string | null;
  outcome: StoreOutcome;
  message_id: string | null;
  conversation_id: string | null;
  answered: boolean;
  media_pending: boolean;
}

interface Pending {
  ev: MessageEvent;
  resolve: (o: StoreOutcome) => void;
  reject: (e: unknown) => void;
}

/** Meta's timestamp, not arrival time (retries arrive late), but never in the future. */
export const eventTime = (d: Date) => new Date(Math.min(d.getTime(), Date.now()));

/**
 * Stores inbound messages, grouping the ones that arrive together into one statement. Under load
 * a database round trip costs more than everything else a webhook does (bench/ingest.ts), so
 * concurrent webhooks share their round trips: a batch leaves at once when a slot is free, and
 * while `maxInFlight` batches are out, newcomers gather for the next one. Alone, a message waits
 * for nothing.
 *
 * The message and its jobs are two statements, each atomic. If the process dies between them the
 * webhook was never acknowledged: Meta delivers it again, and a redelivery of a message with no
 * reply after it enqueues its turn (and media fetch) again. Job keys make that idempotent.
 */
export class InboundWriter {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly opts = { maxBatch: 100, maxInFlight: 2 },
  ) {}

  store(ev: MessageEvent): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ev, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || !this.pending.length) return;
    this.scheduled = true;
    // One turn of the event loop, so the webhooks parsed in the same tick leave together.
    setImmediate(() => {
      this.scheduled = false;
      while (this.pending.length && this.inFlight < this.opts.maxInFlight) {
        const batch = this.pending.splice(0, this.opts.maxBatch);
        this.inFlight += 1;
        void this.run(batch).finally(() => {
          this.inFlight -= 1;
          this.schedule();
        });
      }
    });
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.write(batch.map((p) => p.ev));
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad message (or a deadlock with another writer) must not fail its neighbours: retry
      // each alone, so only the one that really fails gets the 500 and Meta's retry.
      for (const p of batch) await this.run([p]);
    }
  }

  private async write(events: MessageEvent[]): Promise<StoreOutcome[]> {
    this.ctx.metrics.inboundBatch.observe(events.length);
    const items = events.map((ev, idx) => ({
      idx,
      channel_kind: ev.channel,
      account_id: ev.accountId,
      provider_message_id: ev.providerMessageId,
      external_id: ev.customer.externalId,
      wa_id: ev.customer.waId ?? null,
      name: ev.customer.name ?? null,
      username: ev.customer.username ?? null,
      at: eventTime(ev.timestamp).toISOString(),
      referral: ev.referral ?? null,
      kind: ev.kind,
      text: ev.text ?? null,
      payload: { ...ev.payload, ...(ev.media ? { media_ref: ev.media } : {}), ...(ev.referral ? { referral: ev.referral } : {}) },
      has_media: Boolean(ev.media),
    }));
    const { rows } = await this.ctx.knex.raw<{ rows: Row[] }>(STORE_BATCH_SQL, { items: JSON.stringify(items) });
    const byIdx = new Map(rows.map((r) => [r.idx, r]));

    const jobs: Parameters<AppContext['jobs']['sendMany']>[0] = [];
    const turnFor = new Set<string>();
    events.forEach((ev, idx) => {
      const r = byIdx.get(idx);
      if (!r?.workspace_id || !r.message_id || !r.conversation_id) return;
      const stored = r.outcome === 'stored';
      if (ev.media && (stored || r.media_pending)) jobs.push({ name: MEDIA_JOB, data: { workspaceId: r.workspace_id, messageId: r.message_id }, idempotencyKey: r.message_id });
      if (ev.triggersTurn && (stored || !r.answered) && !turnFor.has(r.conversation_id)) {
        turnFor.add(r.conversation_id);
        // Queued after the message committed: a turn already queued absorbs this one and, not
        // having started, will read this message; a running turn gets a successor that will.
        jobs.push(turnJob(this.ctx, { workspaceId: r.workspace_id, conversationId: r.conversation_id }));
      }
    });
    await this.ctx.jobs.sendMany(jobs);
    return events.map((_, idx) => byIdx.get(idx)?.outcome ?? 'duplicate');
  }
}

const writers = new WeakMap<AppContext, InboundWriter>();

/** The process's writer for this context (batches are per process). */
export function inboundWriter(ctx: AppContext): InboundWriter {
  let w = writers.get(ctx);
  if (!w) writers.set(ctx, (w = new InboundWriter(ctx)));
  return w;
}
