import type { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { listLeads, updateLeadStatus } from '../../leads/leads';
import { LEAD_STATUSES, nextLeadStatuses, type LeadStatus } from '../../leads/status';
import { notFound } from '../../errors';
import { listWilayas } from '../../geo/algeria';
import { listOrders, transitionOrder, type OrderJson } from '../../orders/service';
import { shipmentLabel, shipOrderByHand } from '../../shipping/booking';
import { couriersOf } from '../../shipping/courier-accounts';
import { canTransition, ORDER_STATUSES, parcelAwaitsPickup, UNSHIPPED, type OrderStatus } from '../../orders/status';
import { toCsv } from './csv';
import { html } from './html';
import { actionButton, page, redirect, select, send, str, type MemberPage } from './kit';
import { addNav } from './nav';
import { orderFormPages } from './order-form-page';

const Filters = z.object({
  status: z.enum(ORDER_STATUSES).optional().catch(undefined),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  wilaya: z.string().regex(/^\d{2}$/).optional().catch(undefined),
  courier: z.string().regex(/^[a-z0-9-]{1,40}$/).optional().catch(undefined),
});
type Filters = z.infer<typeof Filters>;

function orderFilter(q: unknown) {
  const f = Filters.parse(q ?? {});
  return {
    f,
    filter: {
      status: f.status ? [f.status] : undefined,
      from: f.from ? new Date(`${f.from}T00:00:00+01:00`) : undefined,
      // Inclusive end date, in Algiers time.
      to: f.to ? new Date(new Date(`${f.to}T00:00:00+01:00`).getTime() + 86_400_000) : undefined,
      wilaya: f.wilaya,
      courier: f.courier,
      limit: 200,
    },
  };
}

/** The filters as a query string (only validated values, so it is safe to put back in a URL). */
const filterQs = (f: Filters) => new URLSearchParams(Object.entries(f).filter(([, v]) => v) as Array<[string, string]>).toString();

const SHIP_NOTICES = ['booked', 'refused', 'retrying'] as const;

const statusLabel = (p: MemberPage, s: string) => p.i.t(`orders.status_${s}` as 'orders.status_pending');

const LeadFilters = z.object({ status: z.enum(LEAD_STATUSES).optional().catch(undefined) });
type LeadFilters = z.infer<typeof LeadFilters>;
const leadFilterQs = (f: LeadFilters) => (f.status ? new URLSearchParams({ status: f.status }).toString() : '');

interface LeadRow {
  id: string;
  customer_name: string | null;
  phone: string | null;
  interest: string;
  wilaya: string | null;
  status: string;
  created_at: Date;
}

const leadStatusLabel = (p: MemberPage, s: string) =>
  (LEAD_STATUSES as readonly string[]).includes(s) ? p.i.t(`leads.status_${s as LeadStatus}`) : s;

export function salesPages(router: Router, ctx: AppContext): void {
  addNav({ key: 'orders', href: '/orders', label: 'nav.orders', min: 'agent' });
  addNav({ key: 'leads', href: '/leads', label: 'nav.leads', min: 'agent' });
  orderFormPages(router, ctx);

  page(router, ctx, 'get', '/orders', 'agent', async (p) => {
    const { i } = p;
    const { f, filter } = orderFilter(p.req.query);
    const orders = await listOrders(ctx.knex, p.workspaceId, filter);
    const qs = filterQs(f);
    const shipped = z.enum(SHIP_NOTICES).optional().catch(undefined).parse(p.req.query.shipped);
    const couriers = Object.values(couriersOf(ctx)).filter((d) => d.id !== 'fake' || ctx.config.env !== 'production');
    const wilayaName = (w: { nameFr: string; nameAr: string }) => (i.locale === 'ar' ? w.nameAr : w.nameFr);
    await send(p, {
      title: i.t('nav.orders'),
      active: 'orders',
      body: html`${shipped ? html`<p class="${shipped === 'refused' ? 'alert' : 'ok'}" role="status">${i.t(`orders.ship_${shipped}`)}</p>` : ''}
      <p><a class="button" href="/orders/new">${i.t('orders.new')}</a></p>
      <form method="get" action="/orders" class="filters">
        ${select({ name: 'status', label: i.t('common.status'), options: [['', i.t('common.all')], ...ORDER_STATUSES.map((s) => [s, statusLabel(p, s)] as [string, string])], value: f.status ?? '' })}
        <div class="field"><label for="f-from">${i.t('orders.from')}</label><input type="date" id="f-from" name="from" value="${f.from ?? ''}"></div>
        <div class="field"><label for="f-to">${i.t('orders.to')}</label><input type="date" id="f-to" name="to" value="${f.to ?? ''}"></div>
        ${select({ name: 'wilaya', label: i.t('orders.wilaya'), options: [['', i.t('common.all')], ...listWilayas().map((w) => [w.code, `${w.code} ${wilayaName(w)}`] as [string, string])], value: f.wilaya ?? '' })}
        ${select({ name: 'courier', label: i.t('orders.courier'), options: [['', i.t('common.all')], ...couriers.map((d) => [d.id, d.displayName] as [string, string])], value: f.courier ?? '' })}
        <button type="submit" class="secondary">${i.t('common.filter')}</button>
        <a class="button secondary" href="/orders.csv${qs ? `?${qs}` : ''}" download>${i.t('common.export_csv')}</a>
      </form>
      ${orders.length ? html`<ul class="list">${orders.map((o) => orderRow(p, o, qs))}</ul>` : html`<p class="muted">${i.t('common.none')}</p>`}`,
    });
  });

  page(router, ctx, 'post', '/orders/:id/status', 'agent', async (p) => {
    const status = z.enum(ORDER_STATUSES).parse(p.req.body.status);
    await transitionOrder(ctx, p.workspaceId, String(p.req.params.id), status, p.actor, { confirmedBy: 'merchant' });
    const qs = filterQs(orderFilter(Object.fromEntries(new URLSearchParams(str(p.req.body.back)))).f);
    redirect(p, `/orders${qs ? `?${qs}` : ''}`);
  });

  // "Ship now" / "Retry": the same shipOrderByHand as POST /api/v1/orders/:id/ship.
  page(router, ctx, 'post', '/orders/:id/ship', 'agent', async (p) => {
    const id = String(p.req.params.id);
    const r = await shipOrderByHand(ctx, p.workspaceId, id);
    const qs = filterQs(orderFilter(Object.fromEntries(new URLSearchParams(str(p.req.body.back)))).f);
    redirect(p, `/orders?${qs ? `${qs}&` : ''}shipped=${r.outcome}#order-${encodeURIComponent(id)}`);
  });

  // The label through the same shipmentLabel as GET /api/v1/orders/:id/label: a PDF, or the courier's page.
  page(router, ctx, 'get', '/orders/:id/label', 'agent', async (p) => {
    const label = await shipmentLabel(ctx, p.workspaceId, String(p.req.params.id));
    if (label.kind === 'pdf') {
      p.res.type('application/pdf').set('content-disposition', 'inline; filename="label.pdf"').send(label.bytes);
      return;
    }
    if (!/^https?:\/\//i.test(label.url)) throw notFound('Label');
    p.res.redirect(303, label.url);
  });

  page(router, ctx, 'get', '/orders.csv', 'agent', async (p) => {
    const orders = await listOrders(ctx.knex, p.workspaceId, orderFilter(p.req.query).filter);
    const rows = [
      ['id', 'created_at', 'status', 'customer', 'phone', 'wilaya', 'commune', 'address', 'items', 'delivery_fee', 'total', 'courier', 'tracking', 'discount', 'promo_code'],
      ...orders.map((o) => [
        o.id, o.created_at, o.status, o.customer.name, o.customer.phone, o.customer.wilaya, o.customer.commune, o.customer.address,
        o.items.map((x) => `${x.quantity} x ${x.name}${x.variant ? ` (${x.variant})` : ''}`).join('; '),
        o.delivery_fee, o.total, o.shipment?.courier, o.shipment?.tracking, o.discount, o.promo_code,
      ]),
    ];
    p.res.setHeader('content-type', 'text/csv; charset=utf-8');
    p.res.setHeader('content-disposition', 'attachment; filename="orders.csv"');
    p.res.send(toCsv(rows));
  });

  page(router, ctx, 'get', '/leads', 'agent', async (p) => {
    const { i } = p;
    const f = LeadFilters.parse(p.req.query ?? {});
    const leads = await listLeads(ctx.knex, p.workspaceId, { status: f.status, limit: 200 });
    const back = leadFilterQs(f);
    await send(p, {
      title: i.t('nav.leads'),
      active: 'leads',
      body: html`<form method="get" action="/leads" class="filters">
        ${select({ name: 'status', label: i.t('common.status'), options: [['', i.t('common.all')], ...LEAD_STATUSES.map((s) => [s, leadStatusLabel(p, s)] as [string, string])], value: f.status ?? '' })}
        <button type="submit" class="secondary">${i.t('common.filter')}</button>
        <a class="button secondary" href="/leads.csv${back ? `?${back}` : ''}" download>${i.t('common.export_csv')}</a>
      </form>
      ${leads.length ? html`<ul class="list">${leads.map((l: LeadRow) => leadRow(p, l, back))}</ul>` : html`<p class="muted">${i.t('common.none')}</p>`}`,
    });
  });

  // The same updateLeadStatus as PATCH /api/v1/leads/:id; back to the list with its filter kept.
  page(router, ctx, 'post', '/leads/:id/status', 'agent', async (p) => {
    const status = z.enum(LEAD_STATUSES).parse(p.req.body.status);
    const id = String(p.req.params.id);
    await updateLeadStatus(ctx, p.workspaceId, id, status, p.actor);
    const qs = leadFilterQs(LeadFilters.parse(Object.fromEntries(new URLSearchParams(str(p.req.body.back)))));
    redirect(p, `/leads${qs ? `?${qs}` : ''}#lead-${encodeURIComponent(id)}`);
  });

  page(router, ctx, 'get', '/leads.csv', 'agent', async (p) => {
    const leads = await listLeads(ctx.knex, p.workspaceId, { status: LeadFilters.parse(p.req.query ?? {}).status, limit: 200 });
    p.res.setHeader('content-type', 'text/csv; charset=utf-8');
    p.res.setHeader('content-disposition', 'attachment; filename="leads.csv"');
    p.res.send(toCsv([['id', 'created_at', 'status', 'customer', 'phone', 'wilaya', 'interest'], ...leads.map((l: Record<string, unknown>) => [l.id, l.created_at, l.status, l.customer_name, l.phone, l.wilaya, l.interest])]));
  });
}

function leadRow(p: MemberPage, l: LeadRow, back: string) {
  const { i } = p;
  const next = nextLeadStatuses(l.status as LeadStatus);
  return html`<li data-lead="${l.id}" id="lead-${l.id}"><span><strong>${l.customer_name ?? '—'}</strong> <span dir="ltr">${l.phone ?? ''}</span> <span class="badge" data-status="${l.status}">${leadStatusLabel(p, l.status)}</span><br>${l.interest}<br><small class="muted">${l.wilaya ?? ''} · ${i.date(l.created_at)}</small></span>
    <span>${next.map((s) => actionButton(p, `/leads/${l.id}/status`, i.t(`leads.mark_${s}`), { hidden: { status: s, back }, danger: s === 'lost' }))}</span></li>`;
}

const RISK_CLASS = { low: 'ok', medium: 'warn', high: 'bad' } as const;

function orderRow(p: MemberPage, o: OrderJson, back: string) {
  const { i } = p;
  const sh = o.shipment;
  const next = ORDER_STATUSES.filter(
    (s) => canTransition(o.status, s as OrderStatus) && s !== 'expired' && !(o.status === 'shipped' && s === 'cancelled' && !parcelAwaitsPickup(sh)),
  );
  const risk = o.return_risk;
  // Booking by hand: a confirmed order not yet booked, or one whose booking was refused or failed.
  const canShip = o.status === 'confirmed' || (o.status === 'shipped' && !!sh?.error && !sh.tracking);
  return html`<li data-order="${o.id}" id="order-${o.id}"><span><strong>${o.customer.name ?? '—'}</strong> <span dir="ltr">${o.customer.phone ?? ''}</span> <span class="badge">${statusLabel(p, o.status)}</span>${o.source === 'playground' ? html` <span class="badge" data-source="playground">${i.t('orders.playground_badge')}</span>` : ''}
    ${
      risk && risk.delivered + risk.returned > 0
        ? html` <span class="badge ${RISK_CLASS[risk.risk]}" data-risk="${risk.risk}" title="${i.t('orders.risk_detail', { delivered: i.number(risk.delivered), returned: i.number(risk.returned) })}">${i.t(`orders.risk_${risk.risk}`)} · ${i.t('orders.risk_detail', { delivered: i.number(risk.delivered), returned: i.number(risk.returned) })}</span>`
        : ''
    }<br>
    ${o.items.map((x) => html`${i.number(x.quantity)} × ${x.name}${x.variant ? ` (${x.variant})` : ''}<br>`)}
    ${o.promo_code ? html`<small data-discount="${o.discount}">${i.t('orders.discount')} (${i.t('orders.promo_code', { code: o.promo_code })}): −${i.dzd(o.discount)}</small><br>` : ''}
    <small class="muted">${i.date(o.created_at)} · ${o.customer.wilaya ?? ''} ${o.customer.commune ?? ''}</small>
    ${
      sh
        ? html`<br><small class="shipment" data-shipment="${sh.status}">${i.t('orders.shipment')}: ${sh.courier}${sh.tracking ? html` · <span dir="ltr">${sh.tracking}</span>` : ''} · ${sh.status}
          ${sh.tracking ? html` · <a href="/orders/${o.id}/label" target="_blank" rel="noopener">${i.t('orders.label')}</a>` : ''}</small>
          ${sh.error ? html`<br><span class="error" role="note">${sh.error}</span>` : ''}`
        : ''
    }</span>
    <span><strong class="num">${i.dzd(o.total)}</strong><br>
      ${UNSHIPPED.includes(o.status) ? html`<a class="button secondary" href="/orders/${o.id}/edit" data-edit="${o.id}">${i.t('orders.edit')}</a>` : ''}
      ${canShip ? actionButton(p, `/orders/${o.id}/ship`, sh?.error ? i.t('orders.retry_ship') : i.t('orders.ship_now'), { hidden: { back } }) : ''}
      ${next.map((s) => actionButton(p, `/orders/${o.id}/status`, statusLabel(p, s), { hidden: { status: s, back }, danger: s === 'cancelled' }))}</span></li>`;
}
