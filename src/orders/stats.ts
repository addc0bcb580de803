import type { Knex } from 'knex';
import type { AppContext } from '../context';

export interface StatsOptions {
  from: Date;
  to: Date;
}

export interface DayStats {
  /** Algiers calendar day, YYYY-MM-DD. */
  day: string;
  orders: number;
  confirmed: number;
  delivered: number;
  returned: number;
  /** Totals of the orders placed that day that were delivered (cash collected by the courier). */
  delivered_revenue: number;
  ai_cost_micro_usd: number;
}

export interface AdStats {
  /** source_id of the ad when Meta sent one, else its headline; null when the referral named neither. */
  key: string | null;
  source_id: string | null;
  headline: string | null;
  orders: number;
  delivered: number;
  revenue_delivered: number;
}

const CONFIRMED_OR_BEYOND = ['confirmed', 'shipped', 'delivered', 'returned'];
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Algeria keeps UTC+1 all year (no DST since 1981), so a fixed offset gives the merchant's calendar
 * day on Postgres and on PGlite alike, without relying on the server's time-zone database.
 */
const algiersDaySql = (col: string) => `to_char((${col} AT TIME ZONE 'UTC') + interval '1 hour', 'YYYY-MM-DD')`;
export const algiersDay = (d: Date): string => new Date(d.getTime() + HOUR_MS).toISOString().slice(0, 10);

/** The last `n` Algiers calendar days, today included: the dashboard's window. */
export function lastDays(n: number, now = new Date()): StatsOptions {
  const startOfToday = Date.parse(`${algiersDay(now)}T00:00:00+01:00`);
  return { from: new Date(startOfToday - (n - 1) * DAY_MS), to: new Date(now.getTime() + 60_000) };
}

/** per_day with the days that had nothing filled in as zeros, oldest first (for charts). At most 400 days. */
export function fillDays(perDay: DayStats[], range: StatsOptions): DayStats[] {
  const byDay = new Map(perDay.map((d) => [d.day, d]));
  const out: DayStats[] = [];
  const last = algiersDay(new Date(range.to.getTime() - 1));
  for (let t = Date.parse(`${algiersDay(range.from)}T12:00:00Z`); out.length < 400; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > last) break;
    out.push(byDay.get(day) ?? { day, orders: 0, confirmed: 0, delivered: 0, returned: 0, delivered_revenue: 0, ai_cost_micro_usd: 0 });
  }
  return out;
}

const ratio = (a: number, b: number, digits = 1000) => (b ? Math.round((a / b) * digits) / digits : null);

/**
 * The figures for orders PLACED in [from, to) and what became of them (a cohort: a delivered
 * order's revenue counts on the day it was ordered), AI cost from the usage table, conversations
 * started in the period by channel, and orders attributed to the Click-to-WhatsApp / Messenger ad
 * the conversation came from. AI cost is billed in USD and converted with USD_DZD_RATE. The
 * playground (the merchant testing the agent) is left out of sales figures but not of AI cost.
 */
export async function workspaceStats(ctx: Pick<AppContext, 'knex' | 'config'>, workspaceId: string, opts: StatsOptions) {
  const db: Knex = ctx.knex;
  const rate = ctx.config.usdDzdRate;
  const range = (q: Knex.QueryBuilder) => q.where({ workspace_id: workspaceId }).where('created_at', '>=', opts.from).where('created_at', '<', opts.to);
  // Playground orders and conversations are the merchant testing the agent, not sales; the AI cost stays in.
  const sales = () => range(db('orders')).whereNot({ source: 'playground' });

  const [byStatus, revenue, cost, perDayOrders, perDayCost, convs, ads, playground] = await Promise.all([
    sales().select('status').count<{ status: string; n: number }[]>('* as n').groupBy('status'),
    sales().where({ status: 'delivered' }).sum<{ s: string | null }[]>('total as s'),
    range(db('usage')).sum<{ s: string | null }[]>('cost_micro_usd as s'),
    sales()
      .select(db.raw(`${algiersDaySql('created_at')} as day`), 'status')
      .count('* as n')
      .sum('total as total')
      .groupBy('day', 'status') as Promise<Array<{ day: string; status: string; n: string; total: string }>>,
    range(db('usage'))
      .select(db.raw(`${algiersDaySql('created_at')} as day`))
      .sum('cost_micro_usd as cost')
      .groupBy('day') as Promise<Array<{ day: string; cost: string }>>,
    db('conversations as c')
      .join('channels as ch', 'ch.id', 'c.channel_id')
      .where('c.workspace_id', workspaceId)
      .where('c.created_at', '>=', opts.from)
      .where('c.created_at', '<', opts.to)
      .whereNot('ch.kind', 'playground')
      .groupBy('ch.kind')
      .select('ch.kind')
      .count('* as n') as Promise<Array<{ kind: string; n: string }>>,
    db('orders as o')
      .join('conversations as c', 'c.id', 'o.conversation_id')
      .where('o.workspace_id', workspaceId)
      .where('o.created_at', '>=', opts.from)
      .where('o.created_at', '<', opts.to)
      .whereNot('o.source', 'playground')
      .whereNotNull('c.referral')
      .groupByRaw("COALESCE(c.referral->>'source_id', c.referral->>'headline')")
      .select(
        db.raw("COALESCE(c.referral->>'source_id', c.referral->>'headline') AS key"),
        db.raw("max(c.referral->>'source_id') AS source_id"),
        db.raw("max(c.referral->>'headline') AS headline"),
        db.raw('count(*) AS orders'),
        db.raw("count(*) FILTER (WHERE o.status = 'delivered') AS delivered"),
        db.raw("COALESCE(sum(o.total) FILTER (WHERE o.status = 'delivered'), 0) AS revenue_delivered"),
      ) as Promise<Array<{ key: string | null; source_id: string | null; headline: string | null; orders: string; delivered: string; revenue_delivered: string }>>,
    range(db('orders')).where({ source: 'playground' }).count<{ n: string }[]>('* as n'),
  ]);

  const counts: Record<string, number> = {};
  for (const r of byStatus) counts[r.status] = Number(r.n);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const confirmedOrBeyond = CONFIRMED_OR_BEYOND.reduce((s, k) => s + (counts[k] ?? 0), 0);
  const decided = confirmedOrBeyond + (counts.cancelled ?? 0) + (counts.expired ?? 0);
  const revenueDelivered = Number(revenue[0]?.s ?? 0);
  const aiCostMicroUsd = Number(cost[0]?.s ?? 0);
  const aiCostDzd = Math.round((aiCostMicroUsd / 1e6) * rate);
  const delivered = counts.delivered ?? 0;
  const returned = counts.returned ?? 0;

  const days = new Map<string, DayStats>();
  const dayOf = (d: string) => {
    if (!days.has(d)) days.set(d, { day: d, orders: 0, confirmed: 0, delivered: 0, returned: 0, delivered_revenue: 0, ai_cost_micro_usd: 0 });
    return days.get(d)!;
  };
  for (const r of perDayOrders) {
    const d = dayOf(r.day);
    const n = Number(r.n);
    d.orders += n;
    if (CONFIRMED_OR_BEYOND.includes(r.status)) d.confirmed += n;
    if (r.status === 'delivered') {
      d.delivered += n;
      d.delivered_revenue += Number(r.total);
    }
    if (r.status === 'returned') d.returned += n;
  }
  for (const r of perDayCost) dayOf(r.day).ai_cost_micro_usd += Number(r.cost);

  const byChannel: Record<string, number> = {};
  for (const r of convs) byChannel[r.kind] = Number(r.n);
  const byAd: AdStats[] = ads
    .map((r) => ({ key: r.key, source_id: r.source_id, headline: r.headline, orders: Number(r.orders), delivered: Number(r.delivered), revenue_delivered: Number(r.revenue_delivered) }))
    .sort((a, b) => b.orders - a.orders || b.revenue_delivered - a.revenue_delivered);
  const fromAds = byAd.reduce((s, a) => s + a.orders, 0);

  return {
    from: opts.from.toISOString(),
    to: opts.to.toISOString(),
    orders: { total, by_status: counts },
    confirmation_rate: ratio(confirmedOrBeyond, decided),
    /** Totals (fee included) of the period's orders that were delivered: the cash collected. */
    revenue_delivered: revenueDelivered,
    delivered_vs_returned: { delivered, returned, return_rate: ratio(returned, delivered + returned) },
    ai_cost: { micro_usd: aiCostMicroUsd, dzd: aiCostDzd, usd_to_dzd: rate },
    /** DZD collected per DZD spent on AI. */
    roi: aiCostDzd > 0 ? Math.round((revenueDelivered / aiCostDzd) * 100) / 100 : null,
    conversations: { total: Object.values(byChannel).reduce((a, b) => a + b, 0), by_channel: byChannel },
    orders_by_ad: byAd,
    orders_from_ads: fromAds,
    orders_without_ad: total - fromAds,
    /** Orders the merchant made while testing the agent: shown apart so a test order is visible without counting as a sale. */
    playground_orders: Number(playground[0]?.n ?? 0),
    per_day: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
  };
}

export type WorkspaceStats = Awaited<ReturnType<typeof workspaceStats>>;
