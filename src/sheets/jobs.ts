import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../context';
import { syncSheet } from './sync';

export const SHEET_SYNC_JOB = 'sheets.sync';
export const SHEET_POLL_JOB = 'sheets.poll';
const Data = z.object({ workspaceId: z.uuid() });
type Data = z.infer<typeof Data>;

/**
 * Two queues, both 'stately' keyed by workspace:
 * - sheets.sync runs one read-apply-write cycle. While one is queued, every other order change of
 *   the burst joins it, so 100 new orders cost one cycle (plus one more if some arrive mid-cycle).
 * - sheets.poll is a self-re-enqueuing tick (startAfter = SHEETS_POLL_SECONDS; pg-boss cron has
 *   minute granularity) that asks for a sync so merchant edits are read back even when nothing
 *   changes on Wakil's side. Separate from sync so a tick waiting a minute never delays a write.
 */
export function defineSheetJobs(ctx: AppContext): void {
  ctx.jobs.define<Data>({
    name: SHEET_SYNC_JOB,
    schema: Data,
    policy: 'stately',
    retryLimit: 8,
    retryDelaySeconds: 10,
    retryBackoff: true,
    expireInSeconds: 10 * 60,
    concurrency: 2,
    handler: async ({ workspaceId }) => {
      const result = await syncSheet(ctx, workspaceId);
      // Out of write budget: come back when a slot frees instead of holding a worker for a minute.
      if (result?.waitMs) await ctx.jobs.send(SHEET_SYNC_JOB, { workspaceId }, { key: workspaceId, startAfterMs: result.waitMs });
    },
  });
  ctx.jobs.define<Data>({
    name: SHEET_POLL_JOB,
    schema: Data,
    policy: 'stately',
    retryLimit: 3,
    concurrency: 1,
    handler: async ({ workspaceId }) => {
      const connected = await ctx.knex('sheet_connections').where({ workspace_id: workspaceId }).update({ last_poll_at: ctx.knex.fn.now() });
      if (!connected) return; // disconnected: the chain ends here
      await enqueueSheetSync(ctx, workspaceId, undefined, 0);
      await schedulePoll(ctx, workspaceId);
    },
  });
}

export async function enqueueSheetSync(ctx: AppContext, workspaceId: string, trx?: Knex.Transaction, delayMs = ctx.config.sheets.syncDelayMs): Promise<void> {
  await ctx.jobs.send(SHEET_SYNC_JOB, { workspaceId }, { key: workspaceId, startAfterMs: delayMs, trx });
}

export async function schedulePoll(ctx: AppContext, workspaceId: string, trx?: Knex.Transaction): Promise<void> {
  await ctx.jobs.send(SHEET_POLL_JOB, { workspaceId }, { key: workspaceId, startAfterMs: ctx.config.sheets.pollSeconds * 1000, trx });
}
