import type { Router } from 'express';
import { setupStatus, type SetupStep } from '../../accounts/setup-status';
import type { AppContext } from '../../context';
import type { MessageKey } from '../i18n';
import { html, type Raw } from './html';
import { page, send, type MemberPage } from './kit';
import { addNav } from './nav';

const STEP: Record<SetupStep, { label: MessageKey; href: string }> = {
  channel: { label: 'home.step_channel', href: '/channels' },
  products: { label: 'home.step_products', href: '/catalog' },
  courier: { label: 'home.step_courier', href: '/couriers' },
  sheet: { label: 'home.step_sheet', href: '/sheet' },
  playground: { label: 'home.step_playground', href: '/agent#playground' },
};

/**
 * Extra dashboard sections (stats), added by the modules that provide them. Process-wide and keyed,
 * so several apps in one process (tests) neither duplicate them; a section uses the page's own ctx.
 */
const dashboardSections = new Map<string, (p: MemberPage) => Promise<Raw>>();
export function addDashboardSection(key: string, render: (p: MemberPage) => Promise<Raw>): void {
  dashboardSections.set(key, render);
}

export function homePage(router: Router, ctx: AppContext): void {
  addNav({ key: 'dashboard', href: '/', label: 'nav.dashboard', min: 'agent' });

  page(router, ctx, 'get', '/', 'agent', async (p) => {
    const { i } = p;
    const steps = p.role === 'agent' ? [] : await setupStatus(ctx.knex, p.workspaceId);
    const sections = await Promise.all([...dashboardSections.values()].map((s) => s(p)));
    const left = steps.filter((s) => !s.done).length;
    await send(p, {
      title: i.t('home.title'),
      active: 'dashboard',
      body: html`${
        steps.length
          ? html`<section aria-labelledby="chk-h" class="card"><h2 id="chk-h">${i.t('home.checklist')} <small class="muted">${steps.length - left}/${steps.length}</small></h2>
        <ol class="checklist">${steps.map(
          (s) => html`<li class="${s.done ? 'done' : 'todo'}"><a href="${STEP[s.step].href}">${i.t(STEP[s.step].label)}</a>
            <span class="badge ${s.done ? 'ok' : ''}" data-step="${s.step}" data-done="${s.done ? '1' : '0'}">${s.done ? i.t('home.done') : i.t('home.todo')}</span></li>`,
        )}</ol></section>`
          : ''
      }${sections}`,
    });
  });
}
