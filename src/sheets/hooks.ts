import type { Knex } from 'knex';
import type { AppContext } from '../context';
import type { LeadChange, OrderChange } from '../orders/hooks';
import { enqueueSheetSync } from './jobs';

/**
 * Marks the entity as pending for the sheet (its change counter moves past what was last written)
 * and asks for a sync, inside the transaction that changed it: the mark and the job exist if and
 * only if the change commits. Nothing is written to Google here.
 */
async function markPending(ctx: AppContext, trx: Knex.Transaction, workspaceId: string, entity: 'order' | 'lead', id: string): Promise<void> {
  const connected = await trx('sheet_connections').where({ workspace_id: workspaceId }).first('workspace_id');
  if (!connected) return;
  await trx.raw(
    `INSERT INTO sheet_rows (workspace_id, entity, entity_id, change_seq) VALUES (?, ?, ?, 1)
     ON CONFLICT (workspace_id, entity, entity_id) DO UPDATE SET change_seq = sheet_rows.change_seq + 1`,
    [workspaceId, entity, id],
  );
  await enqueueSheetSync(ctx, workspaceId, trx);
}

export function sheetOrderHook(ctx: AppContext, trx: Knex.Transaction, change: OrderChange): Promise<void> {
  return markPending(ctx, trx, change.workspaceId, 'order', change.orderId);
}

export function sheetLeadHook(ctx: AppContext, trx: Knex.Transaction, change: LeadChange): Promise<void> {
  return markPending(ctx, trx, change.workspaceId, 'lead', change.leadId);
}
