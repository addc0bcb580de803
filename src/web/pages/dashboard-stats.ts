import type { Router } from 'express';
import type { AppContext } from '../../context';
import { fillDays, lastDays, workspaceStats } from '../../orders/stats';
import { barChart } from './charts';
import { addDashboardSection } from './home-page';
import { html } from './html';
import type { MemberPage } from './kit';

const DAYS = 30;

const pct = (p: MemberPage, r: number | null) => (r === null ? '—' : `${p.i.number(Math.round(r * 100))} %`);

/** The dashboard's figures for the last 30 days: the same workspaceStats as GET /api/v1/stats. */
export function dashboardStats(_router: Router, _ctx: AppContext): void {
  addDashboardSection('stats', async (p) => {
    const { i } = p;
    const range = lastDays(DAYS);
    const s = await workspaceStats(p.ctx, p.workspaceId, range);
    const days = fillDays(s.per_day, range);
    const first = days[0]?.day ?? '';
    const last = days[days.length - 1]?.day ?? '';
    const span = { from: first ? i.day(first) : '', to: last ? i.day(last) : '' };
    const busiest = (key: 'orders' | 'delivered_revenue') => days.reduce((b, d) => (d[key] > (b?.[key] ?? 0) ? d : b), undefined as (typeof days)[number] | undefined);
    const bo = busiest('orders');
    const br = busiest('delivered_revenue');
    const statusLabel = (k: string) => i.t(`orders.status_${k}` as 'orders.status_pending');

    return html`<section aria-labelledby="st-h"><h2 id="st-h">${i.t('home.stats')}</h2>
      <ul class="stats">
        <li><span>${i.t('stats.orders')}</span><strong data-stat="orders">${i.number(s.orders.total)}</strong></li>
        <li><span>${i.t('stats.confirmation_rate')}</span><strong data-stat="confirmation_rate">${pct(p, s.confirmation_rate)}</strong></li>
        <li><span>${i.t('orders.status_delivered')}</span><strong data-stat="delivered">${i.number(s.delivered_vs_returned.delivered)}</strong></li>
        <li><span>${i.t('orders.status_returned')}</span><strong data-stat="returned">${i.number(s.delivered_vs_returned.returned)}</strong>
          <small class="muted">${i.t('stats.return_rate', { rate: pct(p, s.delivered_vs_returned.return_rate) })}</small></li>
        <li><span>${i.t('stats.revenue')}</span><strong data-stat="revenue">${i.dzd(s.revenue_delivered)}</strong></li>
        <li><span>${i.t('stats.ai_cost')}</span><strong data-stat="ai_cost">${i.dzd(s.ai_cost.dzd)}</strong></li>
        <li><span>${i.t('stats.roi')}</span><strong data-stat="roi">${s.roi === null ? '—' : `× ${i.number(s.roi)}`}</strong></li>
        <li><span>${i.t('stats.conversations')}</span><strong data-stat="conversations">${i.number(s.conversations.total)}</strong></li>
        <li><span>${i.t('stats.playground_orders')}</span><strong data-stat="playground_orders">${i.number(s.playground_orders)}</strong></li>
      </ul>
      <p class="hint">${i.t('stats.explain', { rate: i.number(s.ai_cost.usd_to_dzd) })}</p>
      ${
        Object.keys(s.orders.by_status).length
          ? html`<p class="hint">${Object.entries(s.orders.by_status).map(([k, n], idx) => html`${idx ? ' · ' : ''}${statusLabel(k)} ${i.number(n)}`)}</p>`
          : ''
      }
      <h3>${i.t('stats.orders_per_day')}</h3>
      ${barChart({
        id: 'chart-orders',
        title: i.t('stats.orders_per_day'),
        desc: i.t('stats.chart_desc', { from: span.from, to: span.to, total: i.number(s.orders.total), best: bo ? `${i.day(bo.day)} (${i.number(bo.orders)})` : '—' }),
        points: days.map((d) => ({ key: d.day, label: i.day(d.day), value: d.orders, display: i.number(d.orders) })),
        columns: [i.t('stats.day'), i.t('stats.orders')],
        tableSummary: i.t('stats.show_table'),
        format: (n) => i.number(n),
      })}
      <h3>${i.t('stats.revenue_per_day')}</h3>
      ${barChart({
        id: 'chart-revenue',
        title: i.t('stats.revenue_per_day'),
        desc: i.t('stats.chart_desc', { from: span.from, to: span.to, total: i.dzd(s.revenue_delivered), best: br ? `${i.day(br.day)} (${i.dzd(br.delivered_revenue)})` : '—' }),
        points: days.map((d) => ({ key: d.day, label: i.day(d.day), value: d.delivered_revenue, display: i.dzd(d.delivered_revenue) })),
        columns: [i.t('stats.day'), i.t('stats.revenue')],
        tableSummary: i.t('stats.show_table'),
        format: (n) => i.dzd(n),
      })}
      <h3>${i.t('stats.by_channel')}</h3>
      ${
        s.conversations.total
          ? html`<ul class="stats">${Object.entries(s.conversations.by_channel).map(([k, n]) => html`<li data-channel="${k}"><span>${k === 'whatsapp' ? 'WhatsApp' : k === 'messenger' ? 'Messenger' : k === 'instagram' ? 'Instagram' : k}</span><strong>${i.number(n)}</strong></li>`)}</ul>`
          : html`<p class="muted">${i.t('common.none')}</p>`
      }
      <h3>${i.t('stats.by_ad')}</h3>
      ${
        s.orders_by_ad.length
          ? html`<div class="scroll"><table id="ads-table"><thead><tr><th scope="col">${i.t('stats.ad')}</th><th scope="col" class="num">${i.t('stats.orders')}</th><th scope="col" class="num">${i.t('orders.status_delivered')}</th><th scope="col" class="num">${i.t('stats.revenue')}</th></tr></thead>
          <tbody>${s.orders_by_ad.map(
            (a) => html`<tr data-ad="${a.key ?? ''}"><th scope="row">${a.headline ?? a.source_id ?? i.t('stats.ad_unnamed')}${a.headline && a.source_id ? html`<br><small class="muted" dir="ltr">${a.source_id}</small>` : ''}</th>
              <td class="num">${i.number(a.orders)}</td><td class="num">${i.number(a.delivered)}</td><td class="num">${i.dzd(a.revenue_delivered)}</td></tr>`,
          )}</tbody></table></div>
          <p class="hint">${i.t('stats.without_ad', { n: i.number(s.orders_without_ad) })}</p>`
          : html`<p class="muted">${i.t('stats.no_ads')}</p>`
      }
    </section>`;
  });
}
