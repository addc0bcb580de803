import type { Knex } from 'knex';
import type { AppContext } from '../context';
import type { OrderChange } from '../orders/hooks';

export const CANCEL_JOB = 'shipment.cancel';

/**
 * Enqueues stopping a cancelled order's parcel at the courier (src/shipping/cancel.ts). The order
 * hook keys it by order id; the booking that finds its order cancelled after creating the parcel
 * keys it by order id + tracking, because the hook's job may already have run and found no parcel
 * yet. Both may run: the job is a no-op once the shipment is cancelled.
 */
export async function enqueueShipmentCancel(
  ctx: AppContext,
  workspaceId: string,
  orderId: string,
  opts: { tracking?: string; trx?: Knex.Transaction } = {},
): Promise<void> {
  const idempotencyKey = opts.tracking ? `${orderId}:${opts.tracking}` : orderId;
  await ctx.jobs.send(CANCEL_JOB, { workspaceId, orderId }, { idempotencyKey, trx: opts.trx });
}

/**
 * Order hook: an order that becomes cancelled after a booking started (a shipment row exists) has
 * its parcel cancelled with the courier. Enqueued in the cancelling transaction, like the booking
 * hook; kept apart from cancel.ts so the orders module does not load the courier services.
 */
export async function cancelShipmentOrderHook(ctx: AppContext, trx: Knex.Transaction, change: OrderChange): Promise<void> {
  if (change.status !== 'cancelled' || change.previousStatus === 'cancelled') return;
  const shipment = await trx('shipments').where({ workspace_id: change.workspaceId, order_id: change.orderId }).first('id');
  if (!shipment) return;
  await enqueueShipmentCancel(ctx, change.workspaceId, change.orderId, { trx });
}
