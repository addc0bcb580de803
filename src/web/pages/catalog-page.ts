import type { Router } from 'express';
import { createProduct, getProduct, listProducts, ProductInput, updateProduct, type Product } from '../../catalog/products';
import type { AppContext } from '../../context';
import { html } from './html';
import { checkbox, csrfField, errorSummary, field, fieldErrors, page, redirect, send, formInt, str, type FieldErrors, type MemberPage } from './kit';
import { addNav } from './nav';

/** "XL: 3800, L" → variants; one per line or comma-separated, price optional (absolute DZD). */
function parseVariants(text: string) {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(.*?)(?:\s*[:=]\s*(\d+))?$/.exec(s)!;
      return m[2] ? { name: m[1]!.trim(), price: Number(m[2]) } : { name: m[1]!.trim() };
    });
}

const variantsText = (p?: Product) => (p?.variants ?? []).map((v) => (v.price !== undefined ? `${v.name}: ${v.price}` : v.name)).join('\n');


export function catalogPage(router: Router, ctx: AppContext): void {
  addNav({ key: 'catalog', href: '/catalog', label: 'nav.catalog', min: 'admin' });

  const form = (p: MemberPage, action: string, prod: Partial<Record<string, unknown>> | undefined, errors?: FieldErrors | null) => {
    const { i } = p;
    return html`<form method="post" action="${action}" novalidate>${csrfField(p)}
      ${errorSummary(p, errors)}
      ${field(p, { name: 'name', label: i.t('catalog.name'), value: prod?.name, required: true, errors })}
      ${field(p, { name: 'price', label: i.t('catalog.price'), value: prod?.price, required: true, errors, attrs: html`inputmode="numeric"` })}
      ${field(p, { name: 'stock', label: i.t('catalog.stock'), hint: i.t('catalog.stock_hint'), value: prod?.stock ?? '', errors, attrs: html`inputmode="numeric"` })}
      ${field(p, { name: 'sku', label: 'SKU', value: prod?.sku ?? '', errors })}
      ${field(p, { name: 'variants', label: i.t('catalog.variants'), hint: i.t('catalog.variants_hint'), value: prod?.variants_text ?? '', rows: 3, errors })}
      ${field(p, { name: 'description', label: i.t('catalog.description'), value: prod?.description ?? '', rows: 3, errors })}
      ${checkbox({ name: 'active', label: i.t('catalog.active'), checked: prod?.active !== false })}
      <button type="submit">${i.t('common.save')}</button></form>`;
  };

  const parse = (b: Record<string, unknown>) =>
    ProductInput.parse({
      name: str(b.name),
      price: formInt(b.price) ?? undefined,
      stock: formInt(b.stock),
      sku: str(b.sku).trim() || null,
      description: str(b.description).trim() || null,
      variants: parseVariants(str(b.variants)),
      active: b.active === 'on',
    });
  const echo = (b: Record<string, unknown>) => ({ ...b, variants_text: str(b.variants), active: b.active === 'on' });

  page(router, ctx, 'get', '/catalog', 'admin', async (p) => {
    const { i } = p;
    const products = await listProducts(ctx.knex, p.workspaceId);
    await send(p, {
      title: i.t('nav.catalog'),
      active: 'catalog',
      body: html`<p><a class="button" href="/catalog/new">${i.t('catalog.add')}</a> <a class="button secondary" href="/catalog/import">${i.t('import.title')}</a></p>
      ${
        products.length
          ? html`<div class="scroll"><table><thead><tr><th>${i.t('catalog.name')}</th><th class="num">${i.t('catalog.price')}</th><th class="num">${i.t('catalog.stock')}</th><th></th></tr></thead><tbody>
          ${products.map(
            (x) => html`<tr data-product="${x.id}"><td>${x.name}${x.active ? '' : html` <span class="badge">${i.t('catalog.inactive')}</span>`}${x.variants.length ? html`<br><small class="muted">${x.variants.map((v) => v.name).join(', ')}</small>` : ''}</td>
            <td class="num">${i.dzd(x.price)}</td><td class="num">${x.stock === null ? '—' : i.number(x.stock)}</td><td><a href="/catalog/${x.id}">${i.t('catalog.edit')}</a></td></tr>`,
          )}</tbody></table></div>`
          : html`<p class="muted">${i.t('common.none')}</p>`
      }`,
    });
  });

  page(router, ctx, 'get', '/catalog/new', 'admin', async (p) => {
    await send(p, { title: p.i.t('catalog.add'), active: 'catalog', body: form(p, '/catalog', { active: true }) });
  });

  page(router, ctx, 'post', '/catalog', 'admin', async (p) => {
    try {
      await createProduct(ctx, p.workspaceId, parse(p.req.body));
      return redirect(p, '/catalog');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('catalog.add'), active: 'catalog', status: 400, body: form(p, '/catalog', echo(p.req.body), errors) });
    }
  });

  page(router, ctx, 'get', '/catalog/:id', 'admin', async (p) => {
    const prod = await getProduct(ctx.knex, p.workspaceId, String(p.req.params.id));
    await send(p, { title: prod.name, active: 'catalog', body: form(p, `/catalog/${prod.id}`, { ...prod, variants_text: variantsText(prod) }) });
  });

  page(router, ctx, 'post', '/catalog/:id', 'admin', async (p) => {
    const id = String(p.req.params.id);
    await getProduct(ctx.knex, p.workspaceId, id);
    try {
      await updateProduct(ctx, p.workspaceId, id, parse(p.req.body));
      return redirect(p, '/catalog');
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      await send(p, { title: p.i.t('catalog.edit'), active: 'catalog', status: 400, body: form(p, `/catalog/${id}`, echo(p.req.body), errors) });
    }
  });
}
