import type { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { getCommune, listWilayas } from '../../geo/algeria';
import { courierDefinition } from '../../shipping/courier-accounts';
import { overrideSchema } from '../../shipping/routes';
import { listTariffs, setTariffOverride } from '../../shipping/tariffs';
import { html, type Raw } from './html';
import { actionButton, csrfField, errorSummary, field, fieldErrors, page, redirect, select, send, formInt, str, type FieldErrors, type MemberPage } from './kit';

type Tariff = Awaited<ReturnType<typeof listTariffs>>[number];
interface Cell {
  synced?: number;
  override?: number;
}
interface Line {
  wilaya: number;
  commune: string | null;
  home: Cell;
  stopdesk: Cell;
}

const MAX_LINES = 400;
const Wilaya = z.coerce.number().int().min(1).max(58).optional().catch(undefined);

/** One line per wilaya (or commune) with the courier's fee and the merchant's override side by side. */
function pivot(rows: Tariff[]): Line[] {
  const lines = new Map<string, Line>();
  for (const r of rows) {
    const key = `${r.wilaya_code}|${r.commune_code ?? ''}`;
    let l = lines.get(key);
    if (!l) lines.set(key, (l = { wilaya: Number(r.wilaya_code), commune: r.commune_code, home: {}, stopdesk: {} }));
    const cell = r.delivery_type === 'stopdesk' ? l.stopdesk : l.home;
    cell[r.source === 'override' ? 'override' : 'synced'] = r.fee;
  }
  return [...lines.values()];
}


/**
 * The courier's delivery fees and the merchant's own prices. Reads with listTariffs and writes with
 * setTariffOverride, parsing the form with the API's overrideSchema (PUT /api/v1/couriers/:c/tariffs).
 */
export function courierTariffsPage(router: Router, ctx: AppContext): void {
  const body = async (p: MemberPage, courier: string, wilaya: number | undefined, o: { errors?: FieldErrors | null; values?: Record<string, string> } = {}): Promise<Raw> => {
    const { i } = p;
    const all = await listTariffs(ctx, p.workspaceId, courier);
    // Without a wilaya chosen: the wilaya-wide fees and every override; with one: all of its communes.
    const shown = pivot(all.filter((r) => (wilaya ? Number(r.wilaya_code) === wilaya : r.commune_code === null || r.source === 'override')));
    const fee = (c: Cell) =>
      c.override !== undefined
        ? html`<strong data-override="${c.override}">${i.dzd(c.override)}</strong>${c.synced !== undefined ? html`<br><small class="muted"><s>${i.dzd(c.synced)}</s></small>` : ''}`
        : c.synced !== undefined
          ? i.dzd(c.synced)
          : '—';
    const place = (l: Line) => {
      const w = listWilayas().find((x) => x.number === l.wilaya);
      const c = l.commune ? getCommune(l.commune) : undefined;
      const wName = w ? (i.locale === 'ar' ? w.nameAr : w.nameFr) : '';
      return html`${String(l.wilaya).padStart(2, '0')} ${wName}${c ? html` · ${i.locale === 'ar' ? c.nameAr : c.nameFr} <small class="muted">(${c.code})</small>` : ''}`;
    };
    const removeButtons = (l: Line) =>
      (['home', 'stopdesk'] as const)
        .filter((t) => l[t].override !== undefined)
        .map((t) =>
          actionButton(p, `/couriers/${courier}/tariffs`, i.t('tariffs.remove', { type: i.t(`tariffs.${t}`) }), {
            hidden: { wilaya_code: String(l.wilaya), commune_code: l.commune ?? '', delivery_type: t, fee: '', back_wilaya: wilaya ? String(wilaya) : '' },
          }),
        );
    const v = o.values ?? {};
    return html`<p><a href="/couriers">${i.t('common.back')}</a></p>
      <p class="hint">${i.t('tariffs.help')}</p>
      <section aria-labelledby="ov-h"><h2 id="ov-h">${i.t('tariffs.override_title')}</h2>
        <form method="post" action="/couriers/${courier}/tariffs" novalidate>${csrfField(p)}
          ${errorSummary(p, o.errors)}
          ${select({ name: 'wilaya_code', label: i.t('orders.wilaya'), options: listWilayas().map((w) => [w.code, `${w.code} ${i.locale === 'ar' ? w.nameAr : w.nameFr}`] as [string, string]), value: v.wilaya_code ?? (wilaya ? String(wilaya).padStart(2, '0') : '16'), errors: o.errors })}
          ${field(p, { name: 'commune_code', label: i.t('tariffs.commune'), hint: i.t('tariffs.commune_hint'), value: v.commune_code, errors: o.errors, attrs: html`inputmode="numeric" maxlength="4"` })}
          ${select({ name: 'delivery_type', label: i.t('tariffs.type'), options: [['home', i.t('tariffs.home')], ['stopdesk', i.t('tariffs.stopdesk')]], value: v.delivery_type ?? 'home', errors: o.errors })}
          ${field(p, { name: 'fee', label: i.t('tariffs.fee'), hint: i.t('tariffs.fee_hint'), value: v.fee, errors: o.errors, attrs: html`inputmode="numeric"` })}
          <input type="hidden" name="back_wilaya" value="${wilaya ?? ''}">
          <button type="submit">${i.t('common.save')}</button></form></section>
      <section aria-labelledby="tt-h"><h2 id="tt-h">${i.t('tariffs.table_title')}</h2>
        <form method="get" action="/couriers/${courier}/tariffs" class="filters">
          ${select({ name: 'wilaya', label: i.t('orders.wilaya'), options: [['', i.t('tariffs.all_wilayas')], ...listWilayas().filter((w) => w.number <= 58).map((w) => [String(w.number), `${w.code} ${i.locale === 'ar' ? w.nameAr : w.nameFr}`] as [string, string])], value: wilaya ? String(wilaya) : '' })}
          <button type="submit" class="secondary">${i.t('common.filter')}</button></form>
        ${
          shown.length
            ? html`<div class="scroll"><table id="tariffs"><thead><tr><th scope="col">${i.t('tariffs.place')}</th><th scope="col" class="num">${i.t('tariffs.home')}</th><th scope="col" class="num">${i.t('tariffs.stopdesk')}</th><th scope="col"><span class="visually-hidden">${i.t('common.actions')}</span></th></tr></thead>
            <tbody>${shown.slice(0, MAX_LINES).map(
              (l) => html`<tr data-tariff="${l.wilaya}|${l.commune ?? ''}"><th scope="row">${place(l)}</th><td class="num">${fee(l.home)}</td><td class="num">${fee(l.stopdesk)}</td><td>${removeButtons(l)}</td></tr>`,
            )}</tbody></table></div>
            ${shown.length > MAX_LINES ? html`<p class="hint">${i.t('tariffs.truncated', { n: i.number(MAX_LINES) })}</p>` : ''}`
            : html`<p class="muted">${i.t('tariffs.none')}</p>`
        }</section>`;
  };

  page(router, ctx, 'get', '/couriers/:courier/tariffs', 'admin', async (p) => {
    const def = courierDefinition(ctx, String(p.req.params.courier));
    await send(p, { title: p.i.t('tariffs.title', { courier: def.displayName }), active: 'couriers', body: await body(p, def.id, Wilaya.parse(p.req.query.wilaya)) });
  });

  page(router, ctx, 'post', '/couriers/:courier/tariffs', 'admin', async (p) => {
    const def = courierDefinition(ctx, String(p.req.params.courier));
    const b = p.req.body as Record<string, unknown>;
    const back = Wilaya.parse(b.back_wilaya);
    const values = { wilaya_code: str(b.wilaya_code), commune_code: str(b.commune_code).trim(), delivery_type: str(b.delivery_type), fee: str(b.fee).trim() };
    try {
      const o = overrideSchema.parse({ wilaya_code: values.wilaya_code, commune_code: values.commune_code || null, delivery_type: values.delivery_type, fee: formInt(values.fee) });
      await setTariffOverride(ctx, p.workspaceId, def.id, { wilayaCode: o.wilaya_code, communeCode: o.commune_code, deliveryType: o.delivery_type, fee: o.fee });
      return redirect(p, `/couriers/${def.id}/tariffs${back ? `?wilaya=${back}` : ''}`);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('tariffs.title', { courier: def.displayName }), active: 'couriers', status: 400, body: await body(p, def.id, back, { errors, values }) });
    }
  });
}
