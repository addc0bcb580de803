import type { Role } from '../types';
import { html, type Raw } from './html';
import type { Page } from './kit';
import { NAV } from './nav';

const RANK: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

export interface LayoutOpts {
  title: string;
  body: Raw;
  active?: string;
  /** No navigation (login, sign-up, errors before login). */
  bare?: boolean;
  workspaces?: Array<{ id: string; name: string; role: Role }>;
}

/** The page shell: mobile first, a collapsible menu, `dir`/`lang` from the member's language. */
export function layout(p: Page, o: LayoutOpts): Raw {
  const { i, session } = p;
  const role = session?.role ?? null;
  const items = role && !o.bare ? NAV.filter((n) => RANK[role] >= RANK[n.min]) : [];
  const current = o.workspaces?.find((w) => w.id === session?.workspaceId);
  return html`<!doctype html>
<html lang="${i.locale}" dir="${i.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${p.csrf}">
<title>${o.title} · ${i.t('app.name')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${i.t('nav.skip')}</a>
<header class="top">
  <a class="brand" href="/">${i.t('app.name')}</a>
  ${current ? html`<span class="ws-name">${current.name}</span>` : ''}
  ${
    session && !o.bare
      ? html`<details class="menu">
    <summary>${i.t('nav.menu')}</summary>
    <nav aria-label="${i.t('nav.menu')}">
      <ul>
        ${items.map((n) => html`<li><a href="${n.href}" ${o.active === n.key ? html`aria-current="page"` : ''}>${i.t(n.label)}</a></li>`)}
        ${!items.some((n) => n.key === 'account') ? html`<li><a href="/account">${i.t('nav.account')}</a></li>` : ''}
      </ul>
      ${
        o.workspaces && o.workspaces.length > 1
          ? html`<form method="post" action="/switch-workspace" class="switcher">
        <input type="hidden" name="_csrf" value="${p.csrf}">
        <label for="ws-switch">${i.t('nav.switch_workspace')}</label>
        <select id="ws-switch" name="workspace_id">
          ${o.workspaces.map((w) => html`<option value="${w.id}" ${w.id === session.workspaceId ? html`selected` : ''}>${w.name}</option>`)}
        </select>
        <button type="submit" class="secondary">${i.t('nav.switch')}</button>
      </form>`
          : ''
      }
      <form method="post" action="/logout" class="logout">
        <input type="hidden" name="_csrf" value="${p.csrf}">
        <button type="submit" class="link">${i.t('nav.logout')}</button>
      </form>
    </nav>
  </details>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${o.body}
</main>
</body>
</html>`;
}
