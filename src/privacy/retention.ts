import { z } from 'zod';
import type { AppContext } from '../context';

export const MAINTENANCE_JOB = 'maintenance.daily';

/**
 * Customer PII on orders (name, phone, address) is anonymised a number of days after the order is
 * closed (delivered, returned, cancelled or expired; default 30, the promise made to merchants'
 * customers). Totals, items and statuses stay for the merchant's statistics. Idempotent.
 */
export async function anonymizeClosedOrders(ctx: AppContext, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ctx.config.retention.orderPiiDays * 86400_000);
  return ctx.knex('orders')
    .whereIn('status', ['delivered', 'returned', 'cancelled', 'expired'])
    .whereNull('anonymized_at')
    .where('closed_at', '<', cutoff)
    .update({ customer_name: null, phone: null, address: null, note: null, anonymized_at: ctx.knex.fn.now() });
}

/** Operational logs with a retention limit; a table that does not exist yet is skipped. */
const LOG_TABLES: Array<{ table: string; column: string; days: number }> = [
  { table: 'api_usage_log', column: 'created_at', days: 90 },
  { table: 'api_rate_windows', column: 'window_start', days: 1 },
  { table: 'audit_log', column: 'created_at', days: 365 },
];

export async function runDailyMaintenance(ctx: AppContext, now = new Date()): Promise<Record<string, number>> {
  const result: Record<string, number> = { anonymized_orders: await anonymizeClosedOrders(ctx, now) };
  for (const { table, column, days } of LOG_TABLES) {
    if (!(await ctx.knex.schema.hasTable(table))) continue;
    result[`purged_${table}`] = await ctx.knex(table).where(column, '<', new Date(now.getTime() - days * 86400_000)).delete();
  }
  await ctx.knex('sessions').where('expires_at', '<', now).delete();
  return result;
}

export function defineMaintenanceJob(ctx: AppContext): void {
  ctx.jobs.define({
    name: MAINTENANCE_JOB,
    schema: z.object({}).passthrough(),
    retryLimit: 3,
    handler: async () => {
      const r = await runDailyMaintenance(ctx);
      ctx.logger.info(r, 'daily maintenance done');
    },
    schedule: { cron: '17 3 * * *' },
  });
}
