import type { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { listLeads } from '../../leads/leads';
import { listOrders, transitionOrder, type OrderJson } from '../../orders/service';
import { workspaceStats } from '../../orders/stats';
import { canTransition, ORDER_STATUSES, type OrderStatus } from '../../orders/status';
import { toCsv } from './csv';
import { addDashboardSection } from './home-page';
import { html } from './html';
import { actionButton, page, redirect, select, send, type MemberPage } from './kit';
import { addNav } from './nav';

const Filters = z.object({
  status: z.enum(ORDER_STATUSES).optional().catch(undefined),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
});

function orderFilter(q: unknown) {
  const f = Filters.parse(q ?? {});
  return {
    f,
    filter: {
      status: f.status ? [f.status] : undefined,
      from: f.from ? new Date(`${f.from}T00:00:00+01:00`) : undefined,
      // Inclusive end date, in Algiers time.
      to: f.to ? new Date(new Date(`${f.to}T00:00:00+01:00`).getTime() + 86_400_000) : undefined,
      limit: 200,
    },
  };
}

const statusLabel = (p: MemberPage, s: string) => p.i.t(`orders.status_${s}` as 'orders.status_pending');

export function salesPages(router: Router, ctx: AppContext): void {
  addNav({ key: 'orders', href: '/orders', label: 'nav.orders', min: 'agent' });
  addNav({ key: 'leads', href: '/leads', label: 'nav.leads', min: 'agent' });

  addDashboardSection('stats', async (p) => {
    const { i } = p;
    const to = new Date(Date.now() + 60_000);
    const s = await workspaceStats(p.ctx.knex, p.workspaceId, { from: new Date(to.getTime() - 30 * 86_400_000), to });
    return html`<section aria-labelledby="st-h"><h2 id="st-h">${i.t('home.stats')}</h2><ul class="stats">
      <li><span>${i.t('stats.orders')}</span><strong data-stat="orders">${i.number(s.orders.total)}</strong></li>
      <li><span>${i.t('stats.confirmation_rate')}</span><strong>${s.confirmation_rate === null ? '—' : `${i.number(Math.round(s.confirmation_rate * 100))} %`}</strong></li>
      <li><span>${i.t('stats.revenue')}</span><strong>${i.dzd(s.revenue_delivered)}</strong></li>
      <li><span>${i.t('stats.ai_cost')}</span><strong>${i.dzd(s.ai_cost.dzd)}</strong></li>
      ${Object.entries(s.orders.by_status).map(([k, n]) => html`<li><span>${statusLabel(p, k)}</span><strong>${i.number(n)}</strong></li>`)}
    </ul></section>`;
  });

  page(router, ctx, 'get', '/orders', 'agent', async (p) => {
    const { i } = p;
    const { f, filter } = orderFilter(p.req.query);
    const orders = await listOrders(ctx.knex, p.workspaceId, filter);
    const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as Array<[string, string]>).toString();
    await send(p, {
      title: i.t('nav.orders'),
      active: 'orders',
      body: html`<form method="get" action="/orders" class="filters">
        ${select({ name: 'status', label: i.t('common.status'), options: [['', i.t('common.all')], ...ORDER_STATUSES.map((s) => [s, statusLabel(p, s)] as [string, string])], value: f.status ?? '' })}
        <div class="field"><label for="f-from">${i.t('orders.from')}</label><input type="date" id="f-from" name="from" value="${f.from ?? ''}"></div>
        <div class="field"><label for="f-to">${i.t('orders.to')}</label><input type="date" id="f-to" name="to" value="${f.to ?? ''}"></div>
        <button type="submit" class="secondary">${i.t('common.filter')}</button>
        <a class="button secondary" href="/orders.csv${qs ? `?${qs}` : ''}" download>${i.t('common.export_csv')}</a>
      </form>
      ${orders.length ? html`<ul class="list">${orders.map((o) => orderRow(p, o))}</ul>` : html`<p class="muted">${i.t('common.none')}</p>`}`,
    });
  });

  page(router, ctx, 'post', '/orders/:id/status', 'agent', async (p) => {
    const status = z.enum(ORDER_STATUSES).parse(p.req.body.status);
    await transitionOrder(ctx, p.workspaceId, String(p.req.params.id), status, p.actor, { confirmedBy: 'merchant' });
    redirect(p, '/orders');
  });

  page(router, ctx, 'get', '/orders.csv', 'agent', async (p) => {
    const orders = await listOrders(ctx.knex, p.workspaceId, orderFilter(p.req.query).filter);
    const rows = [
      ['id', 'created_at', 'status', 'customer', 'phone', 'wilaya', 'commune', 'address', 'items', 'delivery_fee', 'total', 'courier', 'tracking'],
      ...orders.map((o) => [
        o.id, o.created_at, o.status, o.customer.name, o.customer.phone, o.customer.wilaya, o.customer.commune, o.customer.address,
        o.items.map((x) => `${x.quantity} x ${x.name}${x.variant ? ` (${x.variant})` : ''}`).join('; '),
        o.delivery_fee, o.total, o.shipment?.courier, o.shipment?.tracking,
      ]),
    ];
    p.res.setHeader('content-type', 'text/csv; charset=utf-8');
    p.res.setHeader('content-disposition', 'attachment; filename="orders.csv"');
    p.res.send(toCsv(rows));
  });

  page(router, ctx, 'get', '/leads', 'agent', async (p) => {
    const { i } = p;
    const status = z.string().max(20).optional().catch(undefined).parse(p.req.query.status) || undefined;
    const leads = await listLeads(ctx.knex, p.workspaceId, { status, limit: 200 });
    await send(p, {
      title: i.t('nav.leads'),
      active: 'leads',
      body: html`<p><a class="button secondary" href="/leads.csv" download>${i.t('common.export_csv')}</a></p>
      ${
        leads.length
          ? html`<ul class="list">${leads.map(
              (l: { customer_name: string | null; phone: string | null; interest: string; wilaya: string | null; status: string; created_at: Date }) =>
                html`<li><span><strong>${l.customer_name ?? '—'}</strong> <span dir="ltr">${l.phone ?? ''}</span><br>${l.interest}<br><small class="muted">${l.wilaya ?? ''} · ${i.date(l.created_at)}</small></span><span class="badge">${l.status}</span></li>`,
            )}</ul>`
          : html`<p class="muted">${i.t('common.none')}</p>`
      }`,
    });
  });

  page(router, ctx, 'get', '/leads.csv', 'agent', async (p) => {
    const leads = await listLeads(ctx.knex, p.workspaceId, { limit: 200 });
    p.res.setHeader('content-type', 'text/csv; charset=utf-8');
    p.res.setHeader('content-disposition', 'attachment; filename="leads.csv"');
    p.res.send(toCsv([['id', 'created_at', 'status', 'customer', 'phone', 'wilaya', 'interest'], ...leads.map((l: Record<string, unknown>) => [l.id, l.created_at, l.status, l.customer_name, l.phone, l.wilaya, l.interest])]));
  });
}

function orderRow(p: MemberPage, o: OrderJson) {
  const { i } = p;
  const next = ORDER_STATUSES.filter((s) => canTransition(o.status, s as OrderStatus) && s !== 'expired');
  return html`<li data-order="${o.id}"><span><strong>${o.customer.name ?? '—'}</strong> <span dir="ltr">${o.customer.phone ?? ''}</span> <span class="badge">${statusLabel(p, o.status)}</span><br>
    ${o.items.map((x) => html`${i.number(x.quantity)} × ${x.name}${x.variant ? ` (${x.variant})` : ''}<br>`)}
    <small class="muted">${i.date(o.created_at)} · ${o.customer.wilaya ?? ''} ${o.customer.commune ?? ''}${o.shipment ? html` · ${o.shipment.courier} ${o.shipment.tracking ?? ''}${o.shipment.error ? html` <span class="error">${o.shipment.error}</span>` : ''}` : ''}</small></span>
    <span><strong class="num">${i.dzd(o.total)}</strong><br>${next.map((s) => actionButton(p, `/orders/${o.id}/status`, statusLabel(p, s), { hidden: { status: s }, danger: s === 'cancelled' }))}</span></li>`;
}
