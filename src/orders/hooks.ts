import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { pendingOrderHook } from '../agent/pending-order-hook';
import { bookingOrderHook } from '../shipping/booking-hook';
import { cancelShipmentOrderHook } from '../shipping/cancel-hook';
import { sheetLeadHook, sheetOrderHook } from '../sheets/hooks';

export interface OrderChange {
  workspaceId: string;
  orderId: string;
  previousStatus: string | null; // null when created
  status: string;
}

export interface LeadChange {
  workspaceId: string;
  leadId: string;
  created: boolean;
}

/**
 * What happens after an order or lead changes, run inside the transaction that changed it, so
 * their jobs (sheet mirror, courier booking, merchant webhooks) exist if and only if it commits.
 * A feature adds its hook here with one line; hooks only enqueue jobs, they never call out.
 */
export const orderHooks: Array<(ctx: AppContext, trx: Knex.Transaction, change: OrderChange) => Promise<void>> = [
  sheetOrderHook,
  pendingOrderHook,
  bookingOrderHook,
  cancelShipmentOrderHook,
];
export const leadHooks: Array<(ctx: AppContext, trx: Knex.Transaction, change: LeadChange) => Promise<void>> = [
  sheetLeadHook,
];

export async function runOrderHooks(ctx: AppContext, trx: Knex.Transaction, change: OrderChange): Promise<void> {
  for (const hook of orderHooks) await hook(ctx, trx, change);
}

export async function runLeadHooks(ctx: AppContext, trx: Knex.Transaction, change: LeadChange): Promise<void> {
  for (const hook of leadHooks) await hook(ctx, trx, change);
}
