import type { AppContext } from '../context';
import { AppError, invalidInput } from '../errors';
import { ChargilyClient, type ChargilyEvent } from './chargily';
import { PAID_PLANS, PLAN_DAYS, PLANS, type PlanId } from './plans';

function client(ctx: AppContext): ChargilyClient {
  if (!ctx.config.chargily.secretKey) throw new AppError('unexpected_state', 'Billing is not configured on this server (CHARGILY_SECRET_KEY)');
  return new ChargilyClient(ctx.config.chargily.baseUrl, ctx.config.chargily.secretKey);
}

/** Opens a Chargily checkout for a paid plan; the plan starts only when a verified `paid` event arrives. */
export async function startCheckout(ctx: AppContext, workspaceId: string, plan: string, locale: 'ar' | 'fr' | 'en' = 'fr') {
  if (!(PAID_PLANS as readonly string[]).includes(plan)) throw invalidInput(`Unknown plan '${plan}': choose ${PAID_PLANS.join(' or ')}`);
  const p = PLANS[plan as PlanId];
  const base = ctx.config.publicBaseUrl;
  const checkout = await client(ctx).createCheckout({
    amount: p.priceDzd,
    success_url: `${base}/billing?result=ok`,
    failure_url: `${base}/billing?result=failed`,
    webhook_endpoint: `${base}/webhooks/chargily`,
    locale,
    description: `Wakil ${p.name} — ${PLAN_DAYS} days`,
    metadata: { workspace_id: workspaceId, plan },
  });
  const url = checkout.checkout_url ?? checkout.url ?? null;
  await ctx.knex('billing_checkouts').insert({ id: checkout.id, workspace_id: workspaceId, plan, amount: p.priceDzd, status: checkout.status, checkout_url: url });
  return { checkout_id: checkout.id, checkout_url: url, amount: p.priceDzd, plan };
}

/**
 * Applies a verified Chargily event once: replays (same event id) and second events for an already
 * paid checkout change nothing. Only `paid` with the expected amount and currency extends the plan.
 */
export async function applyChargilyEvent(ctx: AppContext, event: ChargilyEvent): Promise<'applied' | 'duplicate' | 'ignored'> {
  return ctx.knex.transaction(async (trx) => {
    const checkout = await trx('billing_checkouts').where({ id: event.data.id }).forUpdate().first();
    const inserted = await trx('billing_events')
      .insert({ id: event.id, workspace_id: checkout?.workspace_id ?? null, type: event.type, checkout_id: event.data.id })
      .onConflict('id')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return 'duplicate';
    if (!checkout) return 'ignored';
    const status = event.data.status;
    if (checkout.status === 'paid') return 'duplicate';
    if (status !== 'paid') {
      await trx('billing_checkouts').where({ id: checkout.id }).update({ status });
      return 'ignored';
    }
    if (event.data.amount !== checkout.amount || event.data.currency.toLowerCase() !== 'dzd') {
      ctx.logger.warn({ checkoutId: checkout.id }, 'chargily paid event amount does not match the checkout; not applied');
      await trx('billing_checkouts').where({ id: checkout.id }).update({ status: 'amount_mismatch' });
      return 'ignored';
    }
    await trx('billing_checkouts').where({ id: checkout.id }).update({ status: 'paid', paid_at: trx.fn.now() });
    // A renewal before the end of the period adds to it; a lapsed one starts from now.
    await trx.raw(
      `UPDATE workspaces SET plan = ?, plan_until = GREATEST(COALESCE(plan_until, now()), now()) + make_interval(days => ?), updated_at = now() WHERE id = ?`,
      [checkout.plan, PLAN_DAYS, checkout.workspace_id],
    );
    await trx('audit_log').insert({ workspace_id: checkout.workspace_id, actor: 'chargily', action: 'plan.paid', target: checkout.id, data: JSON.stringify({ plan: checkout.plan, amount: checkout.amount }) });
    return 'applied';
  });
}
