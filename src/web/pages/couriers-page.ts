import type { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { AgentSettingsPut, getAgentSettings, putAgentSettings } from '../../agent/settings';
import { AppError } from '../../errors';
import { courierDefinition, couriersOf, listCourierAccounts, saveCourierAccount, testCourierAccount, type CourierAccountView } from '../../shipping/courier-accounts';
import { syncCourierReference } from '../../shipping/reference-sync';
import { syncTariffs } from '../../shipping/tariffs';
import { html, type Raw } from './html';
import { checkbox, csrfField, errorSummary, field, fieldErrors, page, redirect, send, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';

const keysOf = (schema: unknown): string[] => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);

/** Reference data and tariffs of a connected courier: when they were synced, and the way to the tariffs. */
function syncBlock(p: MemberPage, acc: CourierAccountView): Raw {
  const { i } = p;
  return html`<div class="sync" data-sync="${acc.courier}">
    <p class="hint">${i.t('couriers.reference_synced')}: ${acc.reference_synced_at ? i.date(acc.reference_synced_at) : i.t('couriers.never')}
      · ${i.t('couriers.tariffs_synced')}: ${acc.tariffs_synced_at ? i.date(acc.tariffs_synced_at) : i.t('couriers.never')}</p>
    ${acc.last_sync_error ? html`<p class="error">${acc.last_sync_error}</p>` : ''}
    <form method="post" action="/couriers/${acc.courier}/sync" class="inline">${csrfField(p)}<button type="submit" class="secondary">${i.t('couriers.sync')}</button></form>
    <a class="button secondary" href="/couriers/${acc.courier}/tariffs">${i.t('couriers.tariffs')}</a>
  </div>`;
}

export function couriersPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'couriers', href: '/couriers', label: 'nav.couriers', min: 'admin' });

  const body = async (p: MemberPage, o: { errors?: FieldErrors | null; courier?: string; notice?: { ok: boolean; text: string } } = {}) => {
    const { i } = p;
    const reg = couriersOf(ctx);
    const accounts = new Map((await listCourierAccounts(ctx, p.workspaceId)).map((a) => [a.courier, a]));
    const defs = Object.values(reg).filter((d) => d.id !== 'fake' || ctx.config.env !== 'production');
    const agent = await getAgentSettings(ctx.knex, p.workspaceId);
    const optErr = o.courier === '_options' ? o.errors : null;
    return html`${o.notice ? html`<p class="${o.notice.ok ? 'ok' : 'alert'}" role="status">${o.notice.text}</p>` : ''}
      <p>${i.t('couriers.help')}</p>
      <section aria-labelledby="dopt-h"><h2 id="dopt-h">${i.t('couriers.delivery_options')}</h2>
        <form method="post" action="/couriers/delivery-options" novalidate>${csrfField(p)}
          <fieldset${optErr ? html` aria-describedby="dopt-err"` : ''}><legend>${i.t('couriers.delivery_options_legend')}</legend>
            ${checkbox({ name: 'offer_home', label: i.t('couriers.offer_home'), checked: agent.delivery_options.includes('home') })}
            ${checkbox({ name: 'offer_stopdesk', label: i.t('couriers.offer_stopdesk'), checked: agent.delivery_options.includes('stopdesk') })}
            ${optErr ? html`<p class="error" id="dopt-err">${i.t('couriers.delivery_options_error')}</p>` : ''}
          </fieldset>
          <button type="submit">${i.t('common.save')}</button></form></section>
      ${defs.map((d) => {
        const acc = accounts.get(d.id);
        const errors = o.courier === d.id ? o.errors : null;
        const settingKeys = keysOf(d.settingsSchema).filter((k) => k !== 'auto_ship');
        return html`<section aria-labelledby="c-${d.id}"><details ${acc || errors ? html`open` : ''}><summary><h2 id="c-${d.id}" style="display:inline">${d.displayName}</h2>
          ${acc?.active ? html` <span class="badge ok">${i.t('couriers.active')}</span>` : ''}
          ${acc?.last_test ? html` <span class="badge ${acc.last_test.status === 'ok' ? 'ok' : 'bad'}">${acc.last_test.status === 'ok' ? i.t('couriers.test_ok') : i.t('couriers.test_failed')}</span>` : ''}</summary>
          <form method="post" action="/couriers/${d.id}" novalidate>${csrfField(p)}
            ${errorSummary(p, errors)}
            ${keysOf(d.credentialsSchema).map((k) => field(p, { name: `credentials.${k}`, label: k, type: 'password', autocomplete: 'off', required: !acc?.has_credentials, hint: acc?.has_credentials ? i.t('couriers.keep_secret') : undefined, errors }))}
            ${settingKeys.map((k) => field(p, { name: `settings.${k}`, label: k === 'origin_wilaya' ? i.t('agent.origin_wilaya') : k, value: acc?.settings?.[k] ?? '', errors }))}
            ${checkbox({ name: `auto_ship_${d.id}`, label: i.t('couriers.auto_ship'), checked: acc?.settings?.auto_ship !== false })}
            ${checkbox({ name: `active_${d.id}`, label: i.t('couriers.use_this'), checked: acc ? acc.active : true })}
            <button type="submit">${i.t('common.save')}</button></form>
          ${acc?.has_credentials ? html`<form method="post" action="/couriers/${d.id}/test" class="inline">${csrfField(p)}<button type="submit" class="secondary">${i.t('couriers.test')}</button></form>` : ''}
          ${acc?.last_test?.message ? html`<p class="hint">${acc.last_test.message}</p>` : ''}
          ${acc?.has_credentials ? syncBlock(p, acc) : ''}
        </details></section>`;
      })}`;
  };

  page(router, ctx, 'get', '/couriers', 'admin', async (p) => {
    await send(p, { title: p.i.t('nav.couriers'), active: 'couriers', body: await body(p) });
  });

  // Home delivery / stop-desk pick-up offered to customers: the agent setting PUT /api/v1/agent changes.
  page(router, ctx, 'post', '/couriers/delivery-options', 'admin', async (p) => {
    const b = p.req.body as Record<string, unknown>;
    const delivery_options = [...(b.offer_home === 'on' ? ['home' as const] : []), ...(b.offer_stopdesk === 'on' ? ['stopdesk' as const] : [])];
    try {
      await putAgentSettings(ctx.knex, p.workspaceId, AgentSettingsPut.parse({ delivery_options }));
      return redirect(p, '/couriers');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('nav.couriers'), active: 'couriers', status: 400, body: await body(p, { errors, courier: '_options' }) });
    }
  });

  // The same two steps as POST /api/v1/couriers/:courier/sync.
  page(router, ctx, 'post', '/couriers/:courier/sync', 'admin', async (p) => {
    const courier = String(p.req.params.courier);
    courierDefinition(ctx, courier);
    let notice: { ok: boolean; text: string };
    try {
      const ref = await syncCourierReference(ctx, p.workspaceId, courier);
      const tariffs = await syncTariffs(ctx, p.workspaceId, courier);
      notice = { ok: true, text: p.i.t('couriers.synced', { communes: p.i.number(ref.communes), matched: p.i.number(ref.matched), desks: p.i.number(ref.stopdesks), tariffs: p.i.number(tariffs) }) };
    } catch (err) {
      // Courier refusals and outages are the merchant's to read; anything else is a bug.
      if (!(err instanceof AppError)) throw err;
      notice = { ok: false, text: err.message };
    }
    await send(p, { title: p.i.t('nav.couriers'), active: 'couriers', body: await body(p, { notice }) });
  });

  page(router, ctx, 'post', '/couriers/:courier', 'admin', async (p) => {
    const courier = String(p.req.params.courier);
    const def = couriersOf(ctx)[courier];
    if (!def) return redirect(p, '/couriers');
    const b = p.req.body as Record<string, unknown>;
    const credentials: Record<string, string> = {};
    for (const k of keysOf(def.credentialsSchema)) if (str(b[`credentials.${k}`]).trim()) credentials[k] = str(b[`credentials.${k}`]).trim();
    const settings: Record<string, unknown> = { auto_ship: b[`auto_ship_${courier}`] === 'on' };
    for (const k of keysOf(def.settingsSchema)) if (k !== 'auto_ship' && str(b[`settings.${k}`]).trim()) settings[k] = str(b[`settings.${k}`]).trim();
    try {
      // Blank secret fields keep the stored credentials (they are never shown back).
      await saveCourierAccount(ctx, p.workspaceId, courier, { credentials: Object.keys(credentials).length ? credentials : undefined, settings, active: b[`active_${courier}`] === 'on' });
      return redirect(p, '/couriers');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('nav.couriers'), active: 'couriers', status: 400, body: await body(p, { errors, courier }) });
    }
  });

  page(router, ctx, 'post', '/couriers/:courier/test', 'admin', async (p) => {
    const r = await testCourierAccount(ctx, p.workspaceId, String(p.req.params.courier));
    await send(p, { title: p.i.t('nav.couriers'), active: 'couriers', body: await body(p, { notice: { ok: r.ok, text: r.message ?? (r.ok ? p.i.t('couriers.test_ok') : p.i.t('couriers.test_failed')) } }) });
  });
}
