import type { Knex } from 'knex';

/** Micro-USD → DZD for ROI: configurable later; a fixed parallel-market-free official-ish rate. */
export interface StatsOptions {
  from: Date;
  to: Date;
  usdToDzd?: number;
}

/**
 * Orders by status, confirmation rate (confirmed or beyond / all decided), delivered revenue, AI
 * cost from the usage table, and revenue per DZD spent on AI, overall and per day (UTC).
 */
export async function workspaceStats(db: Knex, workspaceId: string, opts: StatsOptions) {
  const rate = opts.usdToDzd ?? 135;
  const range = (q: Knex.QueryBuilder) => q.where({ workspace_id: workspaceId }).where('created_at', '>=', opts.from).where('created_at', '<', opts.to);
  const byStatus: Array<{ status: string; n: number }> = await range(db('orders')).select('status').count<{ status: string; n: number }[]>('* as n').groupBy('status');
  const counts: Record<string, number> = {};
  for (const r of byStatus) counts[r.status] = Number(r.n);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const confirmedOrBeyond = ['confirmed', 'shipped', 'delivered', 'returned'].reduce((s, k) => s + (counts[k] ?? 0), 0);
  const decided = confirmedOrBeyond + (counts.cancelled ?? 0) + (counts.expired ?? 0);
  const revenue = await range(db('orders')).where({ status: 'delivered' }).sum<{ s: string | null }[]>('total as s');
  const cost = await range(db('usage')).sum<{ s: string | null }[]>('cost_micro_usd as s');
  const revenueDelivered = Number(revenue[0]?.s ?? 0);
  const aiCostMicroUsd = Number(cost[0]?.s ?? 0);
  const aiCostDzd = Math.round((aiCostMicroUsd / 1e6) * rate);

  const perDayOrders = await range(db('orders'))
    .select(db.raw("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') as day"), 'status')
    .count('* as n')
    .sum('total as total')
    .groupBy('day', 'status');
  const perDayCost = await range(db('usage'))
    .select(db.raw("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') as day"))
    .sum('cost_micro_usd as cost')
    .groupBy('day');
  const days = new Map<string, { day: string; orders: number; confirmed: number; delivered_revenue: number; ai_cost_micro_usd: number }>();
  const dayOf = (d: string) => {
    if (!days.has(d)) days.set(d, { day: d, orders: 0, confirmed: 0, delivered_revenue: 0, ai_cost_micro_usd: 0 });
    return days.get(d)!;
  };
  for (const r of perDayOrders as Array<{ day: string; status: string; n: string; total: string }>) {
    const d = dayOf(r.day);
    d.orders += Number(r.n);
    if (['confirmed', 'shipped', 'delivered', 'returned'].includes(r.status)) d.confirmed += Number(r.n);
    if (r.status === 'delivered') d.delivered_revenue += Number(r.total);
  }
  for (const r of perDayCost as Array<{ day: string; cost: string }>) dayOf(r.day).ai_cost_micro_usd += Number(r.cost);

  return {
    from: opts.from.toISOString(),
    to: opts.to.toISOString(),
    orders: { total, by_status: counts },
    confirmation_rate: decided ? Math.round((confirmedOrBeyond / decided) * 1000) / 1000 : null,
    revenue_delivered: revenueDelivered,
    ai_cost: { micro_usd: aiCostMicroUsd, dzd: aiCostDzd, usd_to_dzd: rate },
    roi: aiCostDzd > 0 ? Math.round((revenueDelivered / aiCostDzd) * 100) / 100 : null,
    per_day: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
  };
}
