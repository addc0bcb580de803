import type { Knex } from 'knex';
import type { AppContext } from '../context';
import type { OrderChange } from '../orders/hooks';

export const ORDER_REMIND_JOB = 'orders.pending_remind';
export const ORDER_EXPIRE_JOB = 'orders.pending_expire';

const HOUR = 3600_000;

// Kept apart from follow-ups.ts (which needs orders/service): orders/hooks imports this file at
// load time, and a cycle through the service would hand it an undefined hook.
/** Order hook: a new pending order gets its reminder and its expiry, in the creating transaction. */
export async function pendingOrderHook(ctx: AppContext, trx: Knex.Transaction, change: OrderChange): Promise<void> {
  if (change.previousStatus !== null || change.status !== 'pending') return;
  const data = { workspaceId: change.workspaceId, orderId: change.orderId };
  const remind = ctx.config.agent.pendingOrderRemindHours;
  if (remind > 0) {
    await ctx.jobs.send(ORDER_REMIND_JOB, data, { trx, startAfterMs: Math.round(remind * HOUR), idempotencyKey: `order-remind:${change.orderId}` });
  }
  await ctx.jobs.send(ORDER_EXPIRE_JOB, data, {
    trx,
    startAfterMs: Math.round(ctx.config.agent.pendingOrderExpireHours * HOUR),
    idempotencyKey: `order-expire:${change.orderId}`,
  });
}

