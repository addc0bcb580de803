import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { emitWebhookEvent } from '../merchant-webhooks/endpoints';

/**
 * `shipment.updated` for the merchant's own webhooks, in the transaction that changed the
 * shipment (booked, refused, a courier status, cancelled): what the orders page shows. No customer
 * details: the merchant's system looks the order up by its id.
 */
export async function emitShipmentUpdated(ctx: AppContext, trx: Knex.Transaction, workspaceId: string, shipmentId: string): Promise<void> {
  const shipment = await trx('shipments')
    .where({ workspace_id: workspaceId, id: shipmentId })
    .first('id', 'order_id', 'courier', 'tracking', 'status', 'raw_status', 'error', 'status_at', 'updated_at');
  if (shipment) await emitWebhookEvent(ctx, trx, workspaceId, 'shipment.updated', { shipment });
}

/** Updates a shipment and tells the merchant's webhooks, atomically. */
export async function updateShipmentAndEmit(ctx: AppContext, workspaceId: string, shipmentId: string, patch: Record<string, unknown>): Promise<void> {
  await ctx.knex.transaction(async (trx) => {
    await trx('shipments').where({ workspace_id: workspaceId, id: shipmentId }).update(patch);
    await emitShipmentUpdated(ctx, trx, workspaceId, shipmentId);
  });
}
