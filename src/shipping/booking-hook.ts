import type { Knex } from 'knex';
import type { AppContext } from '../context';
import type { OrderChange } from '../orders/hooks';

export const BOOK_JOB = 'shipment.book';

/**
 * Order hook: a newly confirmed order is booked with the workspace's active courier when its
 * `auto_ship` setting is on (the default). Enqueued in the confirming transaction, keyed by the
 * order id, so one confirmation is one booking job. Kept apart from booking.ts so the orders
 * module can load it without loading the booking service (which itself uses the orders module).
 */
export async function bookingOrderHook(ctx: AppContext, trx: Knex.Transaction, change: OrderChange): Promise<void> {
  if (change.status !== 'confirmed' || change.previousStatus === 'confirmed') return;
  const row = await trx('workspace_couriers').where({ workspace_id: change.workspaceId, active: true }).first('courier', 'settings');
  if (!row || row.settings?.auto_ship === false) return;
  await ctx.jobs.send(BOOK_JOB, { workspaceId: change.workspaceId, orderId: change.orderId }, { idempotencyKey: change.orderId, trx });
}
