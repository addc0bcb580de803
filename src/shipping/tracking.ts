import type { Knex } from 'knex';
import { z } from 'zod';
import { TERMINAL_STATUSES, type CanonicalStatus } from '../../couriers/contract';
import type { AppContext } from '../context';
import { notFound, unauthorized } from '../errors';
import { transitionOrder } from '../orders/service';
import { courierAdapter, courierDefinition, couriersOf } from './courier-accounts';
import { emitShipmentUpdated } from './shipment-events';

export const POLL_JOB = 'shipment.poll';
export const NOTIFY_JOB = 'shipment.notify';

/** Steps the customer hears about (a stop-desk parcel waiting is as important as a driver on the way). */
export const NOTIFY_STEPS: ReadonlySet<string> = new Set(['ready_for_pickup', 'out_for_delivery', 'delivery_attempted', 'delivered']);

/** Most parcels one poll tick reads for one workspace and courier: bounded work per tick, the rest waits for the next. */
const POLL_TICK_MAX = 500;
/** Couriers that push events are still polled, as a safety net, this many times less often. */
const WEBHOOK_POLL_FACTOR = 6;
/** How many workspaces a webhook body may point at before we stop trying their secrets. */
const MAX_CANDIDATES = 5;

export interface StateUpdate {
  status: CanonicalStatus;
  raw: string;
  reason?: string;
  /** ISO 8601, when the courier says; events older than the stored status are history only. */
  occurredAt?: string;
  source: 'webhook' | 'poll';
  /** The courier's event id (webhooks): a repeat is ignored. */
  eventId?: string;
}

export type ApplyResult = 'applied' | 'unchanged' | 'stale' | 'duplicate';

/**
 * Records one courier status for a shipment and moves the order (delivered → delivered,
 * returned → returned; every other step keeps it shipped). Idempotent: a repeated event id or an
 * unchanged status does nothing; an event older than the stored status only joins the history
 * (couriers deliver out of order), and a final status is never undone. Customer notifications for
 * key steps are enqueued in the same transaction, one per step occurrence.
 */
export async function applyShipmentState(ctx: AppContext, workspaceId: string, shipmentId: string, u: StateUpdate): Promise<ApplyResult> {
  const result = await ctx.knex.transaction(async (trx) => {
    const s = await trx('shipments').where({ workspace_id: workspaceId, id: shipmentId }).forUpdate().first();
    if (!s) return 'unchanged' as const;
    if (u.eventId) {
      const fresh = await trx('courier_webhook_events')
        .insert({ workspace_id: workspaceId, courier: s.courier, event_id: u.eventId })
        .onConflict(['workspace_id', 'courier', 'event_id'])
        .ignore()
        .returning('id');
      if (!fresh.length) return 'duplicate' as const;
    }
    if (s.status === u.status && s.raw_status === u.raw) return 'unchanged' as const;
    const at = u.occurredAt ? new Date(u.occurredAt) : new Date();
    const stale =
      (s.status_at && at.getTime() < new Date(s.status_at).getTime() && u.source === 'webhook') ||
      (TERMINAL_STATUSES.has(s.status as CanonicalStatus) && !TERMINAL_STATUSES.has(u.status));
    const history = [...((s.history as Array<{ status: string }>) ?? []), { status: u.status, raw: u.raw, reason: u.reason ?? null, at: at.toISOString(), source: u.source }];
    const patch: Record<string, unknown> = { history: JSON.stringify(history), updated_at: trx.fn.now() };
    if (!stale) Object.assign(patch, { status: u.status, raw_status: u.raw, status_at: at });
    await trx('shipments').where({ id: shipmentId }).update(patch);
    if (!stale) await emitShipmentUpdated(ctx, trx, workspaceId, shipmentId);
    if (!stale && s.status !== u.status && NOTIFY_STEPS.has(u.status)) {
      const occurrence = history.filter((h) => h.status === u.status).length;
      const stepKey = `${u.status}:${occurrence}`;
      await ctx.jobs.send(NOTIFY_JOB, { workspaceId, shipmentId, step: u.status, stepKey }, { idempotencyKey: `${shipmentId}:${stepKey}`, trx });
    }
    return stale ? ('stale' as const) : ('applied' as const);
  });
  if (result === 'applied') await syncOrderWithShipment(ctx, workspaceId, shipmentId);
  return result;
}

/** Moves the order to match a final courier status; safe to call again (a no-op once in step). */
export async function syncOrderWithShipment(ctx: AppContext, workspaceId: string, shipmentId: string): Promise<void> {
  const s = await ctx.knex('shipments').where({ workspace_id: workspaceId, id: shipmentId }).first('order_id', 'status', 'tracking');
  if (!s?.tracking) return;
  const target = s.status === 'delivered' ? 'delivered' : s.status === 'returned' ? 'returned' : null;
  const order = await ctx.knex('orders').where({ workspace_id: workspaceId, id: s.order_id }).first('status');
  if (!order) return;
  try {
    if (order.status === 'confirmed') await transitionOrder(ctx, workspaceId, s.order_id, 'shipped', 'courier');
    if (target && (order.status === 'confirmed' || order.status === 'shipped')) await transitionOrder(ctx, workspaceId, s.order_id, target, 'courier');
  } catch (err) {
    // The merchant moved the order by hand meanwhile (e.g. marked it delivered): theirs stands.
    ctx.logger.warn({ err: { message: (err as Error).message }, workspaceId, shipmentId }, 'order not moved to match the courier status');
  }
}

// ---------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------

export const PollData = z.object({ workspaceId: z.uuid(), courier: z.string().min(1).max(40) });

/**
 * Starts (or keeps) the poll chain of one workspace's courier: a stately job keyed by workspace and
 * courier, so any number of bookings share one chain. Each tick re-enqueues itself while parcels
 * are still moving (pg-boss cron has minute granularity and one global tick would poll everyone
 * at once); the jitter staggers workspaces so couriers see a spread of calls, not a burst.
 */
export async function schedulePoll(ctx: AppContext, workspaceId: string, courier: string, opts: { trx?: Knex.Transaction } = {}): Promise<void> {
  const def = courierDefinition(ctx, courier);
  const pushes = def.capabilities.webhooks && (await ctx.vault.has(workspaceId, 'courier_webhook_secret', courier));
  const base = ctx.config.shipping.pollSeconds * 1000 * (pushes ? WEBHOOK_POLL_FACTOR : 1);
  const jitter = Math.floor(Math.random() * base * 0.1);
  await ctx.jobs.send(POLL_JOB, { workspaceId, courier }, { key: `${workspaceId}:${courier}`, startAfterMs: base + jitter, trx: opts.trx });
}

const OPEN = (q: Knex.QueryBuilder) =>
  q.whereNotNull('tracking').where('needs_validation', false).whereNotIn('status', [...TERMINAL_STATUSES, 'error', 'booking']);

/**
 * One poll tick: reads the states of the least recently polled open parcels (at most
 * POLL_TICK_MAX, in the courier's batch size) and applies them. Returns whether parcels remain open.
 */
export async function pollShipments(ctx: AppContext, workspaceId: string, courier: string): Promise<{ polled: number; changed: number; open: boolean }> {
  const rows: Array<{ id: string; tracking: string }> = await OPEN(ctx.knex('shipments').where({ workspace_id: workspaceId, courier }))
    .orderByRaw('polled_at ASC NULLS FIRST')
    .limit(POLL_TICK_MAX)
    .select('id', 'tracking');
  if (!rows.length) return { polled: 0, changed: 0, open: false };
  const adapter = await courierAdapter(ctx, workspaceId, courier, { timeoutMs: ctx.config.shipping.courierTimeoutMs });
  let changed = 0;
  const batch = adapter.capabilities.maxBatch;
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const states = await adapter.getStates(chunk.map((r) => r.tracking));
    for (const st of states) {
      const row = chunk.find((r) => r.tracking === st.tracking);
      if (!row) continue;
      const r = await applyShipmentState(ctx, workspaceId, row.id, { status: st.status, raw: st.raw, reason: st.reason, occurredAt: st.updatedAt, source: 'poll' });
      if (r === 'applied') changed += 1;
    }
    await ctx.knex('shipments').whereIn('id', chunk.map((r) => r.id)).update({ polled_at: ctx.knex.fn.now() });
  }
  const open = await OPEN(ctx.knex('shipments').where({ workspace_id: workspaceId, courier })).first('id');
  return { polled: rows.length, changed, open: !!open };
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/** Tracking numbers mentioned anywhere in a JSON body, read only to find whose secret to check it with. */
function peekTrackings(raw: Buffer): string[] {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return [];
  }
  const out = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 6 || out.size >= 200 || v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (/^tracking$/i.test(k) && typeof x === 'string' && x.length <= 100) out.add(x);
      else walk(x, depth + 1);
    }
  };
  walk(json, 0);
  return [...out];
}

export interface WebhookResult {
  received: number;
  applied: number;
  duplicates: number;
  ignored: number;
}

/**
 * POST /webhooks/couriers/:courier. Couriers register one URL per merchant account in their
 * dashboard and sign with that account's secret, which the merchant saves in Wakil (vault kind
 * courier_webhook_secret, ref = courier id). The URL we show carries `?ws=<workspace id>` so the
 * dashboard's test event verifies too; without it the workspace is found from the tracking
 * numbers in the body (our shipments). Either way nothing is trusted until `verify` passes on the
 * raw bytes with that workspace's secret: a forged or unsigned body is 401 and changes nothing.
 */
export async function receiveCourierWebhook(
  ctx: AppContext,
  courier: string,
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
  query: URLSearchParams,
): Promise<WebhookResult> {
  const def = couriersOf(ctx)[courier];
  if (!def?.webhook) throw notFound(`Webhooks for courier '${courier}'`);
  const candidates: string[] = [];
  const ws = query.get('ws');
  if (ws && z.uuid().safeParse(ws).success) candidates.push(ws);
  const trackings = peekTrackings(raw);
  if (trackings.length) {
    const owners: string[] = await ctx.knex('shipments').where({ courier }).whereIn('tracking', trackings).distinct().pluck('workspace_id');
    for (const o of owners) if (!candidates.includes(o)) candidates.push(o);
  }
  let workspaceId: string | null = null;
  for (const c of candidates.slice(0, MAX_CANDIDATES)) {
    const secret = await ctx.vault.get<string>(c, 'courier_webhook_secret', courier);
    if (secret && def.webhook.verify(headers, raw, secret)) {
      workspaceId = c;
      break;
    }
  }
  if (!workspaceId) throw unauthorized(`Invalid ${def.displayName} webhook signature`);

  const events = def.webhook.parse(raw);
  const result: WebhookResult = { received: events.length, applied: 0, duplicates: 0, ignored: 0 };
  for (const e of events) {
    const shipment = e.status && (await ctx.knex('shipments').where({ workspace_id: workspaceId, courier, tracking: e.tracking }).first('id'));
    if (!e.status || !shipment) {
      result.ignored += 1; // payments, label edits, parcels booked outside Wakil
      continue;
    }
    const r = await applyShipmentState(ctx, workspaceId, shipment.id, {
      status: e.status.status,
      raw: e.status.raw,
      reason: e.reason,
      occurredAt: e.occurredAt,
      source: 'webhook',
      eventId: e.eventId,
    });
    if (r === 'applied') result.applied += 1;
    else if (r === 'duplicate') result.duplicates += 1;
    else result.ignored += 1; // unchanged, or older than what we already know
  }
  return result;
}

/** The URL a merchant pastes into the courier's webhook dashboard. */
export function courierWebhookUrl(ctx: AppContext, workspaceId: string, courier: string): string {
  return `${ctx.config.publicBaseUrl}/webhooks/couriers/${encodeURIComponent(courier)}?ws=${workspaceId}`;
}

/** Saves the signing secret the courier's dashboard shows (write-only, like credentials). */
export async function saveCourierWebhookSecret(ctx: AppContext, workspaceId: string, courier: string, secret: string) {
  const def = courierDefinition(ctx, courier);
  if (!def.webhook) throw notFound(`Webhooks for ${def.displayName} (it has none; tracking is polled)`);
  await ctx.vault.put(workspaceId, 'courier_webhook_secret', courier, secret);
  return courierWebhookView(ctx, workspaceId, courier);
}

export async function courierWebhookView(ctx: AppContext, workspaceId: string, courier: string) {
  const def = courierDefinition(ctx, courier);
  return {
    courier,
    supported: !!def.webhook,
    url: def.webhook ? courierWebhookUrl(ctx, workspaceId, courier) : null,
    has_secret: def.webhook ? await ctx.vault.has(workspaceId, 'courier_webhook_secret', courier) : false,
  };
}
