import { TERMINAL_STATUSES, type CanonicalStatus, type CourierAdapter, type FoundShipment } from '../../couriers/contract';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';
import { CANCEL_JOB } from './cancel-hook';
import { courierAdapter, couriersOf } from './courier-accounts';
import { courierLeaseMs, isRefusal, retryingWords } from './courier-attempt';
import { updateShipmentAndEmit } from './shipment-events';

export { CANCEL_JOB };

export type CancelOutcome =
  | { kind: 'cancelled'; tracking: string | null }
  | { kind: 'refused'; error: string }
  | { kind: 'skipped'; reason: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- knex rows are untyped
type Row = Record<string, any>;

const isFinal = (status: string) => TERMINAL_STATUSES.has(status as CanonicalStatus);

/**
 * A refusal is final for that parcel (a parcel never goes back to preparation) and was already
 * put in words for the merchant: the second job of a booking race does not ask again.
 */
const refusedBefore = (s: Row) =>
  ((s.history ?? []) as Array<{ status?: string; tracking?: string | null }>).some((h) => h.status === 'cancel_refused' && (h.tracking ?? null) === (s.tracking ?? null));

/** Why there is nothing to ask the courier, or null when there may be a parcel to stop. */
function nothingToCancel(s: Row | undefined): string | null {
  if (!s) return 'no shipment';
  if (isFinal(s.status)) return `shipment is ${s.status}`;
  if (refusedBefore(s)) return 'the courier already refused to cancel it';
  // A booking in flight that has not claimed the row yet enqueues its own cancel once it holds a parcel (booking.ts).
  if (!s.tracking && s.attempts === 0) return 'never sent to the courier';
  if (!s.tracking && s.status === 'error') return 'the courier refused the booking: no parcel exists';
  return null;
}

/**
 * Stops a cancelled order's parcel at the courier (the shipment.cancel job), at most once.
 *
 * The booking lease (shipments.booking_until) is this job's lease too: one attempt at a time talks
 * to the courier about a parcel, so a cancel waits for a booking still creating or validating it
 * (a retryable error: the queue tries again) and two cancel jobs never both delete.
 *
 * No tracking although a booking attempt was made: its create may have reached the courier with
 * the answer lost (a timeout), and the booking job does not retry a cancelled order. The parcel is
 * looked up by our order id, as a booking retry would; none found means none exists.
 *
 * Outcomes: cancelled (status 'cancelled', error cleared); refused (the courier cannot or will not,
 * e.g. already picked up: the reason on shipments.error, the status left as the courier's since
 * the parcel still moves); skipped; a retryable failure THROWS with the reason on the row.
 */
export async function cancelShipment(
  ctx: AppContext,
  workspaceId: string,
  orderId: string,
  opts: { retry?: boolean; finalAttempt?: boolean } = {},
): Promise<CancelOutcome> {
  // Cancelled is a final order status, so this job can never stop a live order's parcel.
  const order = await ctx.knex('orders').where({ workspace_id: workspaceId, id: orderId }).first('status');
  if (order?.status !== 'cancelled') return { kind: 'skipped', reason: order ? `order is ${order.status}` : 'order not found' };
  const current: Row | undefined = await ctx.knex('shipments').where({ workspace_id: workspaceId, order_id: orderId }).first();
  const nothing = nothingToCancel(current);
  if (nothing) return { kind: 'skipped', reason: nothing };
  const name: string = couriersOf(ctx)[current!.courier]?.displayName ?? current!.courier;
  const shipments = () => ctx.knex('shipments').where({ workspace_id: workspaceId, id: current!.id });

  const claimed: Row[] = await shipments()
    .whereNotIn('status', [...TERMINAL_STATUSES])
    .where((q) => q.whereNull('booking_until').orWhere('booking_until', '<', ctx.knex.fn.now()))
    .update({ booking_until: new Date(Date.now() + courierLeaseMs(ctx)), updated_at: ctx.knex.fn.now() })
    .returning('*');
  const s = claimed[0];
  if (!s) {
    const latest: Row | undefined = await shipments().first('status');
    if (!latest || isFinal(latest.status)) return { kind: 'skipped', reason: `shipment is ${latest?.status ?? 'gone'}` };
    // Held by the booking (still creating or validating the parcel) or by the other cancel job.
    const busy = new ProviderError(name, `Another attempt is still talking to ${name} about this parcel; we will try again`, true);
    if (opts.finalAttempt) {
      const giveUp = `cancel this order's parcel with ${name} directly`;
      await shipments().update({ error: retryingWords(busy, { doing: 'cancelling the parcel', giveUp, finalAttempt: true }), updated_at: ctx.knex.fn.now() });
    }
    throw busy;
  }
  const late = nothingToCancel(s); // another job may have finished with this parcel while we waited
  if (late) {
    await shipments().update({ booking_until: null });
    return { kind: 'skipped', reason: late };
  }

  let tracking: string | null = s.tracking;
  try {
    const adapter = await courierAdapter(ctx, workspaceId, s.courier, { timeoutMs: ctx.config.shipping.courierTimeoutMs });
    if (!tracking) {
      const found = await parcelOfUnansweredBooking(adapter, orderId);
      if (found) {
        tracking = found.tracking;
        // Kept before cancelling, so a refusal below still tells the merchant which parcel to stop.
        await shipments().update({
          tracking,
          provider_id: found.providerId ?? null,
          status: found.state?.status ?? 'created',
          raw_status: found.state?.raw ?? null,
          needs_validation: false,
          updated_at: ctx.knex.fn.now(),
        });
      }
    }
    if (tracking) await stopParcel(adapter, tracking, !!opts.retry);
    await updateShipmentAndEmit(ctx, workspaceId, current!.id, {
      status: 'cancelled',
      error: null,
      needs_validation: false,
      booking_until: null,
      status_at: ctx.knex.fn.now(),
      history: ctx.knex.raw('history || ?::jsonb', [
        JSON.stringify([{ status: 'cancelled', reason: tracking ? null : `no parcel for this order at ${name}`, at: new Date().toISOString(), source: 'order_cancelled' }]),
      ]),
      updated_at: ctx.knex.fn.now(),
    });
    return { kind: 'cancelled', tracking };
  } catch (err) {
    if (isRefusal(err)) {
      const error = err.message.slice(0, 1000);
      await updateShipmentAndEmit(ctx, workspaceId, current!.id, {
        error,
        booking_until: null,
        history: ctx.knex.raw('history || ?::jsonb', [JSON.stringify([{ status: 'cancel_refused', tracking, reason: error, at: new Date().toISOString(), source: 'order_cancelled' }])]),
        updated_at: ctx.knex.fn.now(),
      });
      return { kind: 'refused', error };
    }
    const giveUp = tracking ? `call ${name} to stop parcel ${tracking} before it is picked up` : `look for this order's parcel in your ${name} account and cancel it there`;
    await shipments().update({ error: retryingWords(err, { doing: 'cancelling the parcel', giveUp, finalAttempt: opts.finalAttempt }), booking_until: null, updated_at: ctx.knex.fn.now() });
    throw err;
  }
}

/** The parcel the courier created for this order without our hearing of it, or null. */
async function parcelOfUnansweredBooking(adapter: CourierAdapter, orderId: string): Promise<FoundShipment | null> {
  const name = adapter.displayName;
  if (!adapter.capabilities.lookupByReference) {
    throw new ProviderError(
      name,
      `The order was cancelled while it was being booked, and ${name} cannot be asked whether that booking created a parcel: look for it in your ${name} account and cancel it there`,
      false,
      undefined,
      'lookup_unsupported',
    );
  }
  return adapter.findByReference(orderId);
}

/**
 * Asks the courier to cancel. On a retry, an earlier attempt's cancel may have worked with its
 * answer lost, and Yalidine then answers "cannot be deleted" for a parcel that is gone: the
 * parcel's own state decides (unknown to the courier, or cancelled, is done).
 */
async function stopParcel(adapter: CourierAdapter, tracking: string, retry: boolean): Promise<void> {
  const name = adapter.displayName;
  if (!adapter.capabilities.cancel) {
    throw new ProviderError(name, `${name} cannot cancel a parcel through its API: call ${name} to stop parcel ${tracking} before it is picked up`, false, undefined, 'cancel_unsupported');
  }
  try {
    await adapter.cancel(tracking);
  } catch (err) {
    if (!retry || !isRefusal(err) || !(await parcelGone(adapter, tracking))) throw err;
  }
}

/** True only when the courier says so; a failed check is "not known to be gone" and the refusal stands. */
async function parcelGone(adapter: CourierAdapter, tracking: string): Promise<boolean> {
  try {
    const state = (await adapter.getStates([tracking])).find((x) => x.tracking === tracking);
    return !state || state.status === 'cancelled';
  } catch {
    return false;
  }
}
