import type { Router } from 'express';
import { z } from 'zod';
import { billingSummary } from '../../billing/allowance';
import { markNoticesRead } from '../../billing/notices';
import { PAID_PLANS, PLANS } from '../../billing/plans';
import { startCheckout } from '../../billing/subscriptions';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { CheckoutInput } from '../routes/billing';
import { addDashboardSection } from './home-page';
import { html, type Raw } from './html';
import { actionButton, page, redirect, send, type MemberPage } from './kit';
import { addNav } from './nav';

type Summary = Awaited<ReturnType<typeof billingSummary>>;

const KNOWN_NOTICES = ['plan_near_limit', 'plan_limit_reached'] as const;

/** Usage against the plan's limit as a native <meter> (announced by screen readers) plus the figures. */
function usage(p: MemberPage, b: Summary): Raw {
  const { i } = p;
  return html`<p><label for="usage-meter">${i.t('billing.usage', { used: i.number(b.conversations_used), limit: i.number(b.conversations_limit), period: b.period })}</label><br>
    <meter id="usage-meter" min="0" max="${b.conversations_limit}" low="${Math.ceil(b.conversations_limit * 0.8)}" high="${b.conversations_limit}" optimum="0" value="${b.conversations_used}" data-used="${b.conversations_used}" data-limit="${b.conversations_limit}">${b.conversations_used}/${b.conversations_limit}</meter></p>`;
}

/** Where a dismiss button returns to: the page it was on. */
const BACK = ['/billing', '/'] as const;
const backOf = (v: unknown) => (BACK as readonly unknown[]).includes(v) ? (v as string) : '/billing';

function notices(p: MemberPage, b: Summary, back: (typeof BACK)[number]): Raw {
  const { i } = p;
  if (!b.notices.length) return html``;
  return html`<ul class="list notices">${b.notices.map(
    (n: { id: string; kind: string; message: string; created_at: Date }) => html`<li data-notice="${n.kind}"><span>${
      (KNOWN_NOTICES as readonly string[]).includes(n.kind) ? html`<strong>${i.t(`billing.notice_${n.kind as (typeof KNOWN_NOTICES)[number]}`)}</strong><br>` : ''
    }${n.message}<br><small class="muted">${i.date(n.created_at)}</small></span>
    ${actionButton(p, `/billing/notices/${n.id}/read`, i.t('billing.notice_dismiss'), { hidden: { back } })}</li>`,
  )}</ul>${b.notices.length > 1 ? actionButton(p, '/billing/notices/read', i.t('billing.notices_dismiss_all'), { hidden: { back } }) : ''}`;
}

/** Plan, usage, notices and upgrades (owner only): the same billingSummary and startCheckout as /api/v1/billing. */
export function billingPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'billing', href: '/billing', label: 'nav.billing', min: 'owner' });

  addDashboardSection('billing', async (p) => {
    if (p.role !== 'owner') return html``;
    const b = await billingSummary(p.ctx, p.workspaceId);
    const { i } = p;
    return html`<section aria-labelledby="bill-h"><h2 id="bill-h">${i.t('billing.title')}</h2>
      <p>${i.t('billing.plan')}: <strong data-plan="${b.plan}">${PLANS[b.plan].name}</strong></p>
      ${usage(p, b)}${notices(p, b, '/')}
      <p><a href="/billing">${i.t('billing.manage')}</a></p></section>`;
  });

  const body = async (p: MemberPage, o: { error?: string } = {}): Promise<Raw> => {
    const { i } = p;
    const b = await billingSummary(ctx, p.workspaceId);
    const result = z.enum(['ok', 'failed']).optional().catch(undefined).parse(p.req.query.result);
    return html`${o.error ? html`<p class="alert" role="alert">${o.error}</p>` : ''}
      ${result ? html`<p class="${result === 'ok' ? 'ok' : 'alert'}" role="status">${i.t(result === 'ok' ? 'billing.result_ok' : 'billing.result_failed')}</p>` : ''}
      <section aria-labelledby="plan-h"><h2 id="plan-h">${i.t('billing.plan')}: <span data-plan="${b.plan}">${PLANS[b.plan].name}</span></h2>
        ${b.plan_until ? html`<p>${i.t('billing.until', { date: i.date(b.plan_until) })}</p>` : ''}
        ${usage(p, b)}</section>
      ${b.notices.length ? html`<section aria-labelledby="not-h"><h2 id="not-h">${i.t('billing.notices')}</h2>${notices(p, b, '/billing')}</section>` : ''}
      <section aria-labelledby="up-h"><h2 id="up-h">${i.t('billing.upgrade')}</h2>
        <p class="hint">${i.t('billing.upgrade_help')}</p>
        <ul class="list">${PAID_PLANS.map(
          (id) => html`<li data-upgrade="${id}"><span><strong>${PLANS[id].name}</strong><br>${i.t('billing.plan_line', { price: i.dzd(PLANS[id].priceDzd), n: i.number(PLANS[id].conversationsPerMonth) })}</span>
            ${actionButton(p, '/billing/checkout', b.plan === id ? i.t('billing.renew', { plan: PLANS[id].name }) : i.t('billing.choose', { plan: PLANS[id].name }), { hidden: { plan: id } })}</li>`,
        )}</ul></section>`;
  };

  page(router, ctx, 'get', '/billing', 'owner', async (p) => {
    await send(p, { title: p.i.t('billing.title'), active: 'billing', body: await body(p) });
  });

  page(router, ctx, 'post', '/billing/notices/:id/read', 'owner', async (p) => {
    await markNoticesRead(ctx.knex, p.workspaceId, String(p.req.params.id));
    redirect(p, backOf(p.req.body.back));
  });
  page(router, ctx, 'post', '/billing/notices/read', 'owner', async (p) => {
    await markNoticesRead(ctx.knex, p.workspaceId);
    redirect(p, backOf(p.req.body.back));
  });

  page(router, ctx, 'post', '/billing/checkout', 'owner', async (p) => {
    const input = CheckoutInput.parse({ plan: p.req.body.plan, locale: p.i.locale });
    try {
      const co = await startCheckout(ctx, p.workspaceId, input.plan, input.locale);
      if (!co.checkout_url || !/^https?:\/\//i.test(co.checkout_url)) throw new AppError('provider_error', 'Chargily did not return a checkout page; try again');
      p.res.redirect(303, co.checkout_url);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await send(p, { title: p.i.t('billing.title'), active: 'billing', status: err.status, body: await body(p, { error: err.message }) });
    }
  });
}
