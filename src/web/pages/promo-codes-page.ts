import type { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { algiersDay, createPromoCode, deletePromoCode, listPromoCodes, PROMO_KINDS, PromoCodeInput, promoStatus, updatePromoCode, type PromoCode } from '../../orders/promo-codes';
import { html } from './html';
import { actionButton, csrfField, errorSummary, field, fieldErrors, page, redirect, select, send, formInt, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';


/** A last day picked on the form ends at midnight in Algiers (UTC+1 all year, no daylight saving). */
const endOfDay = (v: unknown) => {
  const s = str(v).trim();
  return s === '' ? null : /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T23:59:59+01:00` : s;
};


export function promoCodesPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'promo-codes', href: '/promo-codes', label: 'nav.promo_codes', min: 'admin' });

  const form = (p: MemberPage, values: Record<string, unknown>, errors?: FieldErrors | null) => {
    const { i } = p;
    return html`<form method="post" action="/promo-codes" novalidate>${csrfField(p)}
      ${errorSummary(p, errors)}
      ${field(p, { name: 'code', label: i.t('promo.code'), hint: i.t('promo.code_hint'), value: values.code, required: true, errors, attrs: html`autocapitalize="characters" maxlength="32" dir="ltr"` })}
      ${select({ name: 'kind', label: i.t('promo.kind'), options: PROMO_KINDS.map((k) => [k, i.t(`promo.kind_${k}`)] as [string, string]), value: str(values.kind) || 'percent', errors })}
      ${field(p, { name: 'value', label: i.t('promo.value'), hint: i.t('promo.value_hint'), value: values.value, required: true, errors, attrs: html`inputmode="numeric"` })}
      ${field(p, { name: 'min_subtotal', label: i.t('promo.min_subtotal'), hint: i.t('promo.min_subtotal_hint'), value: values.min_subtotal ?? '', errors, attrs: html`inputmode="numeric"` })}
      ${field(p, { name: 'max_uses', label: i.t('promo.max_uses'), hint: i.t('promo.max_uses_hint'), value: values.max_uses ?? '', errors, attrs: html`inputmode="numeric"` })}
      ${field(p, { name: 'ends_at', type: 'date', label: i.t('promo.ends_at'), hint: i.t('promo.ends_at_hint'), value: values.ends_at ?? '', errors })}
      <button type="submit">${i.t('promo.add')}</button></form>`;
  };

  const row = (p: MemberPage, c: PromoCode) => {
    const { i } = p;
    const status = promoStatus(c);
    return html`<tr data-promo="${c.code}" data-status="${status}">
      <td><strong dir="ltr">${c.code}</strong> <span class="badge">${i.t(`promo.status_${status}`)}</span></td>
      <td class="num">${c.kind === 'percent' ? html`<span dir="ltr">${i.number(c.value)} %</span>` : i.dzd(c.value)}</td>
      <td class="num">${c.min_subtotal ? i.dzd(c.min_subtotal) : '—'}</td>
      <td class="num" data-uses="${c.uses}">${i.number(c.uses)}${c.max_uses !== null ? html` / ${i.number(c.max_uses)}` : ''}</td>
      <td>${c.ends_at ? i.day(algiersDay(c.ends_at)) : '—'}</td>
      <td>${actionButton(p, `/promo-codes/${c.id}/active`, c.active ? i.t('promo.deactivate') : i.t('promo.activate'), { hidden: { active: c.active ? 'false' : 'true' } })}
        ${actionButton(p, `/promo-codes/${c.id}/delete`, i.t('common.delete'), { danger: true, confirm: i.t('promo.delete_confirm') })}</td></tr>`;
  };

  const body = async (p: MemberPage, values: Record<string, unknown>, errors?: FieldErrors | null) => {
    const { i } = p;
    const codes = await listPromoCodes(ctx.knex, p.workspaceId);
    return html`<p class="muted">${i.t('promo.help')}</p>
      ${
        codes.length
          ? html`<div class="scroll"><table><thead><tr><th>${i.t('promo.code')}</th><th class="num">${i.t('promo.value')}</th><th class="num">${i.t('promo.min')}</th><th class="num">${i.t('promo.uses')}</th><th>${i.t('promo.until')}</th><th>${i.t('common.actions')}</th></tr></thead>
          <tbody>${codes.map((c) => row(p, c))}</tbody></table></div>`
          : html`<p class="muted">${i.t('common.none')}</p>`
      }
      <h2>${i.t('promo.add')}</h2>
      ${form(p, values, errors)}`;
  };

  page(router, ctx, 'get', '/promo-codes', 'admin', async (p) => {
    await send(p, { title: p.i.t('nav.promo_codes'), active: 'promo-codes', body: await body(p, { kind: 'percent' }) });
  });

  // The same createPromoCode as POST /api/v1/promo-codes; field errors come back on the form.
  page(router, ctx, 'post', '/promo-codes', 'admin', async (p) => {
    const b = p.req.body as Record<string, unknown>;
    try {
      const input = PromoCodeInput.parse({
        code: str(b.code),
        kind: str(b.kind),
        value: formInt(b.value) ?? undefined,
        min_subtotal: formInt(b.min_subtotal) ?? 0,
        max_uses: formInt(b.max_uses),
        ends_at: endOfDay(b.ends_at),
      });
      await createPromoCode(ctx, p.workspaceId, input, p.actor);
      return redirect(p, '/promo-codes');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('nav.promo_codes'), active: 'promo-codes', status: 400, body: await body(p, b, errors) });
    }
  });

  page(router, ctx, 'post', '/promo-codes/:id/active', 'admin', async (p) => {
    const active = z.enum(['true', 'false']).parse(p.req.body.active) === 'true';
    await updatePromoCode(ctx, p.workspaceId, String(p.req.params.id), { active }, p.actor);
    redirect(p, '/promo-codes');
  });

  page(router, ctx, 'post', '/promo-codes/:id/delete', 'admin', async (p) => {
    await deletePromoCode(ctx, p.workspaceId, String(p.req.params.id), p.actor);
    redirect(p, '/promo-codes');
  });
}
