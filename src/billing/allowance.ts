import type { AppContext } from '../context';
import { currentPeriod, effectivePlan, PLANS, WARN_AT } from './plans';

export type Allowance = { allowed: true } | { allowed: false; reason: string };

/**
 * Called before the AI answers a conversation. A conversation already counted this month, or one
 * with an order in progress, always goes on; a new one is counted, or refused once the plan's
 * limit is reached (the merchant gets one notice per month; the customer is left to a human).
 */
export async function checkAiAllowance(ctx: AppContext, workspaceId: string, conversationId: string, now = new Date()): Promise<Allowance> {
  const period = currentPeriod(now);
  const counted = await ctx.knex('billing_usage').where({ workspace_id: workspaceId, period, conversation_id: conversationId }).first('conversation_id');
  if (counted) return { allowed: true };
  const ws = await ctx.knex('workspaces').where({ id: workspaceId }).first('plan', 'plan_until');
  if (!ws) return { allowed: false, reason: 'workspace not found' };
  const plan = effectivePlan(ws, now);
  const limit = PLANS[plan].conversationsPerMonth;
  const used = Number((await ctx.knex('billing_usage').where({ workspace_id: workspaceId, period }).count({ n: '*' }).first())?.n ?? 0);
  const midOrder = await ctx.knex('orders').where({ workspace_id: workspaceId, conversation_id: conversationId }).whereIn('status', ['pending', 'confirmed']).first('id');
  if (used >= limit && !midOrder) {
    await notify(ctx, workspaceId, 'plan_limit_reached', period, `Your ${PLANS[plan].name} plan's ${limit} AI conversations for ${period} are used up: new conversations wait for a human until you upgrade or the month ends.`);
    return { allowed: false, reason: 'plan_limit_reached' };
  }
  await ctx.knex('billing_usage').insert({ workspace_id: workspaceId, period, conversation_id: conversationId }).onConflict(['workspace_id', 'period', 'conversation_id']).ignore();
  if (used + 1 >= Math.ceil(limit * WARN_AT)) {
    await notify(ctx, workspaceId, 'plan_near_limit', period, `You have used ${used + 1} of the ${limit} AI conversations of your ${PLANS[plan].name} plan for ${period}.`);
  }
  return { allowed: true };
}

async function notify(ctx: AppContext, workspaceId: string, kind: string, key: string, message: string): Promise<void> {
  await ctx.knex('workspace_notices').insert({ workspace_id: workspaceId, kind, key, message }).onConflict(['workspace_id', 'kind', 'key']).ignore();
}

export async function billingSummary(ctx: AppContext, workspaceId: string, now = new Date()) {
  const ws = await ctx.knex('workspaces').where({ id: workspaceId }).first('plan', 'plan_until');
  const plan = effectivePlan(ws, now);
  const period = currentPeriod(now);
  const used = Number((await ctx.knex('billing_usage').where({ workspace_id: workspaceId, period }).count({ n: '*' }).first())?.n ?? 0);
  const notices = await ctx.knex('workspace_notices').where({ workspace_id: workspaceId }).whereNull('read_at').orderBy('created_at', 'desc').select('id', 'kind', 'message', 'created_at');
  return { plan, plan_until: plan === 'free' ? null : ws.plan_until, period, conversations_used: used, conversations_limit: PLANS[plan].conversationsPerMonth, notices };
}
