/**
 * Plans, priced in DZD per 30 days. The limit is on conversations the AI takes on per calendar
 * month (Africa/Algiers): a conversation already started this month is never cut off, so a
 * customer in the middle of an order is always answered.
 */
export const PLANS = {
  free: { name: 'Free', priceDzd: 0, conversationsPerMonth: 50 },
  starter: { name: 'Starter', priceDzd: 2900, conversationsPerMonth: 500 },
  pro: { name: 'Pro', priceDzd: 7900, conversationsPerMonth: 3000 },
} as const;

export type PlanId = keyof typeof PLANS;
export const PAID_PLANS = ['starter', 'pro'] as const;
export const PLAN_DAYS = 30;
/** Share of the limit at which the merchant is warned. */
export const WARN_AT = 0.8;

export function currentPeriod(now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Algiers', year: 'numeric', month: '2-digit' }).formatToParts(now);
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}

/** The plan in force: a paid plan whose period has lapsed falls back to free. */
export function effectivePlan(ws: { plan: string; plan_until: Date | string | null }, now = new Date()): PlanId {
  if (ws.plan in PLANS && ws.plan !== 'free' && ws.plan_until && new Date(ws.plan_until) > now) return ws.plan as PlanId;
  return 'free';
}
