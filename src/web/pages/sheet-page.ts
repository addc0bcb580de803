import type { Router } from 'express';
import type { AppContext } from '../../context';
import { connectSheet, ConnectSheetInput, disconnectSheet, getSheetState, testSheet } from '../../sheets/connection';
import { html } from './html';
import { actionButton, csrfField, errorSummary, field, fieldErrors, page, redirect, send, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';

const PROBLEMS = ['not_shared', 'api_disabled', 'not_found', 'invalid_key', 'rate_limited', 'unavailable', 'bad_range', 'columns_moved'] as const;
const STATES = ['ok', 'error', 'pending', 'waiting'] as const;

/** What the state means for the merchant, in their language. */
const stateWords = (p: MemberPage, state: string | undefined) =>
  (STATES as readonly string[]).includes(state ?? '') ? p.i.t(`sheet.state_${state as (typeof STATES)[number]}`) : (state ?? '');

/** What to do about the last error, in the merchant's language; the service's full sentence follows it. */
const problemWords = (p: MemberPage, code: string | null) =>
  (PROBLEMS as readonly string[]).includes(code ?? '') ? p.i.t(`sheet.problem_${code as (typeof PROBLEMS)[number]}`) : p.i.t('sheet.problem_unknown');

export function sheetPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'sheet', href: '/sheet', label: 'nav.sheet', min: 'admin' });

  const body = async (p: MemberPage, o: { errors?: FieldErrors | null; notice?: { ok: boolean; text: string }; values?: Record<string, string> } = {}) => {
    const { i } = p;
    const s = await getSheetState(ctx, p.workspaceId);
    return html`${o.notice ? html`<p class="${o.notice.ok ? 'ok' : 'alert'}" role="status">${o.notice.text}</p>` : ''}
      ${
        s.connected
          ? html`<section aria-labelledby="sh-h"><h2 id="sh-h">${i.t('sheet.connected')}</h2>
        <p><a href="${s.spreadsheet_url}" rel="noopener" target="_blank">${s.spreadsheet_id}</a></p>
        <p>${i.t('sheet.share_with')} <code class="secret" data-copy>${s.service_account_email}</code></p>
        <dl class="facts">
          <dt>${i.t('common.status')}</dt><dd><span class="badge ${s.sync?.state === 'ok' ? 'ok' : s.sync?.state === 'error' ? 'bad' : 'warn'}" data-sheet-state="${s.sync?.state}">${stateWords(p, s.sync?.state)}</span></dd>
          <dt>${i.t('sheet.last_sync')}</dt><dd data-sheet="last-success">${s.sync?.last_success_at ? i.date(s.sync.last_success_at) : i.t('sheet.never')}</dd>
          <dt>${i.t('sheet.pending_label')}</dt><dd data-sheet="pending">${i.t('sheet.pending', { n: i.number(s.sync?.pending ?? 0) })}</dd>
        </dl>
        ${
          s.sync?.last_error
            ? html`<div class="alert" data-sheet="error"><p><strong>${problemWords(p, s.sync.last_error_code)}</strong>${s.sync.last_error_at ? html` <small class="muted">(${i.date(s.sync.last_error_at)})</small>` : ''}</p><p>${s.sync.last_error}</p></div>`
            : ''
        }${s.sync?.notice ? html`<p class="hint" data-sheet="notice">${s.sync.notice}</p>` : ''}
        <p>${actionButton(p, '/sheet/test', i.t('sheet.test'))} ${actionButton(p, '/sheet/disconnect', i.t('sheet.disconnect'), { danger: true, confirm: i.t('sheet.disconnect') })}</p></section>`
          : ''
      }
      <section aria-labelledby="shc-h"><h2 id="shc-h">${s.connected ? i.t('sheet.reconnect') : i.t('sheet.connect')}</h2>
        <p class="hint">${i.t('sheet.help')}</p>
        <form method="post" action="/sheet" novalidate>${csrfField(p)}
          ${errorSummary(p, o.errors)}
          ${field(p, { name: 'spreadsheet_id', label: i.t('sheet.spreadsheet'), hint: i.t('sheet.spreadsheet_hint'), value: o.values?.spreadsheet_id, required: true, errors: o.errors })}
          ${field(p, { name: 'service_account', label: i.t('sheet.service_account'), hint: i.t('sheet.service_account_hint'), rows: 5, required: true, errors: o.errors, attrs: html`spellcheck="false" autocomplete="off"` })}
          <button type="submit">${i.t('sheet.connect')}</button></form></section>`;
  };

  page(router, ctx, 'get', '/sheet', 'admin', async (p) => {
    await send(p, { title: p.i.t('nav.sheet'), active: 'sheet', body: await body(p) });
  });

  page(router, ctx, 'post', '/sheet', 'admin', async (p) => {
    const values = { spreadsheet_id: str(p.req.body.spreadsheet_id).trim() };
    try {
      await connectSheet(ctx, p.workspaceId, ConnectSheetInput.parse({ ...values, service_account: str(p.req.body.service_account) }));
      return redirect(p, '/sheet');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      // The key is never echoed back into the form.
      if (errors._ && !errors.spreadsheet_id && /service_account/.test(errors._)) errors.service_account ??= errors._;
      await send(p, { title: p.i.t('nav.sheet'), active: 'sheet', status: 400, body: await body(p, { errors, values }) });
    }
  });

  page(router, ctx, 'post', '/sheet/test', 'admin', async (p) => {
    const r = await testSheet(ctx, p.workspaceId);
    await send(p, { title: p.i.t('nav.sheet'), active: 'sheet', body: await body(p, { notice: { ok: r.ok, text: r.message } }) });
  });

  page(router, ctx, 'post', '/sheet/disconnect', 'admin', async (p) => {
    await disconnectSheet(ctx, p.workspaceId);
    redirect(p, '/sheet');
  });
}
