import type { Router } from 'express';
import { importProductsCsv, type ImportReport } from '../../catalog/import';
import type { AppContext } from '../../context';
import { AppError } from '../../errors';
import { html, type Raw } from './html';
import { csrfField, page, send, str, type MemberPage } from './kit';

const SAMPLE = 'name,price,stock,sku,description,variants\nRobe kabyle,4500,7,RK-01,Robe brodée,M:4500|L:4800|XL:5000\n';

/**
 * Catalog import from CSV. No multipart parser is installed, so the CSV travels as text: pasted in
 * the textarea, or read from a chosen file by app.js (the file picker is hidden without script).
 * Preview and import both call importProductsCsv, as POST /api/v1/products/import does.
 */
export function catalogImportPage(router: Router, ctx: AppContext): void {
  const form = (p: MemberPage, csv: string, o: { error?: string; report?: ImportReport } = {}): Raw => {
    const { i } = p;
    const valid = o.report?.summary.valid ?? 0;
    return html`<form method="post" action="/catalog/import/preview" novalidate>${csrfField(p)}
      ${o.error ? html`<div class="alert" role="alert" tabindex="-1" data-autofocus><p>${o.error}</p></div>` : ''}
      <div class="field" data-js-only hidden>
        <label for="f-csv-file">${i.t('import.file')}</label>
        <input type="file" id="f-csv-file" accept=".csv,text/csv,text/plain" data-csv-into="f-csv" aria-describedby="f-csv-file-hint">
        <p class="hint" id="f-csv-file-hint">${i.t('import.file_hint')}</p>
      </div>
      <div class="field${o.error ? ' has-error' : ''}">
        <label for="f-csv">${i.t('import.paste')}</label>
        <textarea id="f-csv" name="csv" rows="10" spellcheck="false" dir="auto" aria-describedby="f-csv-hint" ${o.error ? html`aria-invalid="true"` : ''}>${csv}</textarea>
        <p class="hint" id="f-csv-hint">${i.t('import.columns')} <code>name, price, stock, sku, description, variants</code> · ${i.t('import.variants_hint')}</p>
      </div>
      <button type="submit" class="${o.report ? 'secondary' : ''}">${i.t(o.report ? 'import.check_again' : 'import.preview')}</button>
      ${o.report && valid > 0 ? html` <button type="submit" formaction="/catalog/import" data-import-count="${valid}">${i.t('import.do', { n: i.number(valid) })}</button>` : ''}
    </form>`;
  };

  const preview = (p: MemberPage, r: ImportReport): Raw => {
    const { i } = p;
    const action = (a: string) => (a === 'create' ? i.t('import.action_create') : a === 'update' ? i.t('import.action_update') : i.t('import.action_invalid'));
    return html`<section aria-labelledby="pv-h"><h2 id="pv-h">${i.t('import.preview_title')}</h2>
      <p role="status" id="import-summary">${i.t('import.summary', { valid: i.number(r.summary.valid), invalid: i.number(r.summary.invalid), created: i.number(r.summary.created), updated: i.number(r.summary.updated) })}</p>
      ${r.ignored_columns.length ? html`<p class="hint">${i.t('import.ignored', { columns: r.ignored_columns.join(', ') })}</p>` : ''}
      <div class="scroll"><table id="import-preview"><thead><tr><th scope="col">${i.t('import.row')}</th><th scope="col">${i.t('catalog.name')} · SKU</th><th scope="col" class="num">${i.t('catalog.price')}</th><th scope="col">${i.t('common.status')}</th></tr></thead>
        <tbody>${r.rows.map(
          (row) => html`<tr data-row="${row.row}" data-action="${row.action}" class="${row.action === 'invalid' ? 'invalid' : ''}">
            <th scope="row">${i.number(row.row)}</th><td>${row.name || '—'}${row.sku ? html`<br><small class="muted" dir="ltr">${row.sku}</small>` : ''}</td><td class="num">${row.price === null ? '—' : i.dzd(row.price)}</td>
            <td><span class="badge ${row.action === 'invalid' ? 'bad' : 'ok'}">${action(row.action)}</span>
              ${row.errors.length ? html`<ul class="errors">${row.errors.map((e) => html`<li class="error"><span dir="ltr">${e.field}</span>: ${e.message}</li>`)}</ul>` : ''}
              ${row.action === 'create' && !row.sku ? html`<br><small class="muted">${i.t('import.no_sku')}</small>` : ''}</td></tr>`,
        )}</tbody></table></div></section>`;
  };

  const render = async (p: MemberPage, csv: string, o: { error?: string; report?: ImportReport; status?: number } = {}) => {
    const { i } = p;
    await send(p, {
      title: i.t('import.title'),
      active: 'catalog',
      status: o.status,
      body: html`<p><a href="/catalog">${i.t('common.back')}</a></p>
        <p class="hint">${i.t('import.help')}</p>
        ${o.report ? preview(p, o.report) : ''}
        ${form(p, csv, o)}`,
    });
  };

  /** Runs the import service; a file-level problem (no header, unclosed quote) is shown above the form. */
  const run = async (p: MemberPage, dryRun: boolean) => {
    const csv = str(p.req.body.csv);
    if (!csv.trim()) return { csv, error: p.i.t('import.empty') };
    try {
      return { csv, report: await importProductsCsv(ctx, p.workspaceId, csv, { dryRun }) };
    } catch (err) {
      if (err instanceof AppError && (err.type === 'invalid_input' || err.type === 'conflict')) return { csv, error: err.message };
      throw err;
    }
  };

  page(router, ctx, 'get', '/catalog/import', 'admin', async (p) => {
    await render(p, SAMPLE);
  });

  page(router, ctx, 'post', '/catalog/import/preview', 'admin', async (p) => {
    const r = await run(p, true);
    await render(p, r.csv, { ...r, status: r.error ? 400 : 200 });
  });

  page(router, ctx, 'post', '/catalog/import', 'admin', async (p) => {
    const r = await run(p, false);
    if (!r.report) return render(p, r.csv, { ...r, status: 400 });
    const { i } = p;
    const s = r.report.summary;
    await send(p, {
      title: i.t('import.title'),
      active: 'catalog',
      body: html`<p class="ok" role="status" id="import-done">${i.t('import.done', { created: i.number(s.created), updated: i.number(s.updated), invalid: i.number(s.invalid) })}</p>
        ${s.invalid ? preview(p, r.report) : ''}
        <p><a class="button" href="/catalog">${i.t('nav.catalog')}</a> <a class="button secondary" href="/catalog/import">${i.t('import.title')}</a></p>`,
    });
  });
}
