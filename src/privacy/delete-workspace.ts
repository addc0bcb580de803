import { z } from 'zod';
import type { AppContext } from '../context';
import { execNative } from '../db/connect';
import { notFound } from '../errors';
import { tenantTables } from './tenant-tables';

export const PURGE_JOB = 'workspace.purge';
/** The promise made to merchants: every row gone within 30 days of the request. */
export const PURGE_DEADLINE_DAYS = 30;

/**
 * Deactivates a workspace at once (its API keys and sessions stop working, its channels' webhooks
 * are ignored, its queued jobs are dropped) and enqueues the purge, all in one transaction.
 */
export async function requestWorkspaceDeletion(ctx: AppContext, workspaceId: string, actor: string): Promise<{ purge_due_at: Date }> {
  return ctx.knex.transaction(async (trx) => {
    const ws = await trx('workspaces').where({ id: workspaceId }).forUpdate().first('id', 'status');
    if (!ws || ws.status === 'purged') throw notFound('Workspace');
    const due = new Date(Date.now() + PURGE_DEADLINE_DAYS * 86400_000);
    await trx('workspaces').where({ id: workspaceId }).update({ status: 'deactivated', deactivated_at: trx.fn.now() });
    await trx('sessions').where({ workspace_id: workspaceId }).update({ workspace_id: null });
    await trx('workspace_deletions')
      .insert({ workspace_id: workspaceId, requested_by: actor, purge_due_at: due })
      .onConflict('workspace_id')
      .ignore();
    // Queued work for this workspace would act on data that is about to disappear.
    await execNative(trx, "DELETE FROM pgboss.job WHERE state IN ('created','retry') AND data->>'workspaceId' = $1", [workspaceId]);
    await ctx.jobs.send(PURGE_JOB, { workspaceId }, { idempotencyKey: workspaceId, trx });
    return { purge_due_at: due };
  });
}

/**
 * Removes every row of the workspace from every tenant table (found in the catalog, so new tables
 * are covered), then the workspace and the accounts left without any workspace. Idempotent.
 */
export async function purgeWorkspace(ctx: AppContext, workspaceId: string): Promise<Record<string, number>> {
  const tables = await tenantTables(ctx.knex);
  const deleted: Record<string, number> = {};
  await ctx.knex.transaction(async (trx) => {
    const members = await trx('memberships').where({ workspace_id: workspaceId }).pluck('account_id');
    // Foreign keys between tenant tables decide the order; retry passes until everything is gone
    // (a table still referenced fails inside its savepoint and is retried on the next pass).
    let remaining = [...tables];
    for (let pass = 0; remaining.length && pass < tables.length + 1; pass++) {
      const next: string[] = [];
      for (const table of remaining) {
        try {
          const n = await trx.transaction<number>((sp) => sp(table).where({ workspace_id: workspaceId }).delete());
          deleted[table] = (deleted[table] ?? 0) + n;
        } catch (e) {
          if ((e as { code?: string }).code !== '23503') throw e;
          next.push(table);
        }
      }
      remaining = next;
    }
    if (remaining.length) throw new Error(`purge could not empty: ${remaining.join(', ')}`);
    deleted.workspaces = await trx('workspaces').where({ id: workspaceId }).delete();
    if (members.length) {
      deleted.accounts = await trx('accounts')
        .whereIn('id', members)
        .whereNotExists(trx('memberships').whereRaw('memberships.account_id = accounts.id'))
        .delete();
    }
    await trx('workspace_deletions').where({ workspace_id: workspaceId }).update({ purged_at: trx.fn.now(), rows_deleted: JSON.stringify(deleted) });
  });
  ctx.logger.info({ workspaceId, tables: Object.keys(deleted).length }, 'workspace purged');
  return deleted;
}

export function definePurgeJob(ctx: AppContext): void {
  ctx.jobs.define({
    name: PURGE_JOB,
    schema: z.object({ workspaceId: z.uuid() }),
    retryLimit: 20,
    retryDelaySeconds: 60,
    handler: async ({ workspaceId }) => {
      await purgeWorkspace(ctx, workspaceId);
    },
  });
}
