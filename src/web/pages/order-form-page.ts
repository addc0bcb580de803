import type { Router } from 'express';
import type { AppContext } from '../../context';
import { listProducts, type Product } from '../../catalog/products';
import { getCommune, listWilayas } from '../../geo/algeria';
import { DELIVERY_TYPES, OrderCreateInput, OrderFieldsPatch, resolveNewOrder, resolveOrderChanges } from '../../orders/new-order';
import { createOrder, getOrder, updateOrder, type OrderJson } from '../../orders/service';
import { UNSHIPPED } from '../../orders/status';
import { conflict } from '../../errors';
import { html } from './html';
import { csrfField, errorSummary, field, fieldErrors, page, redirect, select, send, formInt, str, type FieldErrors, type MemberPage } from './kit';

/**
 * The Orders page's "New order" (a phone order) and "Edit" forms. They parse into the API's
 * schemas and call the same resolveNewOrder / resolveOrderChanges and order services as
 * POST and PATCH /api/v1/orders; refusals come back next to their field with the typed values.
 */

type Values = Record<string, unknown>;

/** Blank rows offered under the lines an order already has. */
const SPARE_ROWS = 3;
const MAX_ROWS = 20;
/** A product line's select value: the product id, then `|variant` when it has one (ids hold no `|`). */
const lineValue = (productId: string, variant: string | null | undefined) => (variant ? `${productId}|${variant}` : productId);

function formItems(b: Values) {
  const items: Array<{ product_id: string; variant?: string; quantity: number }> = [];
  for (let n = 0; n < MAX_ROWS; n++) {
    const line = str(b[`item${n}_product`]);
    if (!line) continue; // blank rows are ignored
    const cut = line.indexOf('|');
    const quantity = formInt(b[`item${n}_quantity`]) ?? 1;
    items.push({ product_id: cut < 0 ? line : line.slice(0, cut), ...(cut < 0 ? {} : { variant: line.slice(cut + 1) }), quantity: quantity as number });
  }
  return items;
}

/** Field errors keyed by form field: every items.N.x issue shows on the items block. */
function formErrors(err: unknown): FieldErrors | null {
  const errors = fieldErrors(err);
  if (!errors) return null;
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(errors)) out[k.startsWith('items') ? 'items' : k] ??= v;
  return out;
}

/** The form as the merchant filled it, in the API's create shape (zod reports what does not fit). */
function createBody(b: Values) {
  return {
    customer_name: str(b.customer_name),
    phone: str(b.phone),
    wilaya: str(b.wilaya),
    commune: str(b.commune),
    address: str(b.address) || undefined,
    delivery_type: str(b.delivery_type),
    stopdesk_id: str(b.stopdesk_id) || undefined,
    items: formItems(b),
    promo_code: str(b.promo_code) || undefined,
    note: str(b.note) || undefined,
    delivery_fee: formInt(b.delivery_fee) ?? undefined,
  };
}

/** The edit form's values for an order as it stands. */
function orderValues(o: OrderJson): Values {
  const v: Values = {
    customer_name: o.customer.name ?? '',
    phone: o.customer.phone ?? '',
    wilaya: o.customer.wilaya ?? '',
    commune: (o.customer.commune && getCommune(o.customer.commune)?.nameFr) ?? '',
    address: o.customer.address ?? '',
    delivery_type: o.delivery_type,
    stopdesk_id: o.stopdesk_id ?? '',
    promo_code: o.promo_code ?? '',
    delivery_fee: String(o.delivery_fee),
    note: o.note ?? '',
  };
  o.items.forEach((x, n) => {
    if (!x.product_id) return;
    v[`item${n}_product`] = lineValue(x.product_id, x.variant);
    v[`item${n}_quantity`] = String(x.quantity);
  });
  return v;
}

/** Only what the merchant changed on the edit form, so an untouched fee or item list stays as it is. */
function changedFields(b: Values, o: OrderJson) {
  const was = orderValues(o);
  const differs = (k: string) => str(b[k]).trim() !== str(was[k]).trim();
  const all = createBody(b);
  const items = formItems(b);
  const sameItems = items.length === o.items.length && items.every((x, n) => lineValue(x.product_id, x.variant) === was[`item${n}_product`] && String(x.quantity) === was[`item${n}_quantity`]);
  const placeChanged = differs('wilaya') || differs('commune');
  return {
    ...(differs('customer_name') ? { customer_name: all.customer_name } : {}),
    ...(differs('phone') ? { phone: all.phone } : {}),
    ...(placeChanged ? { wilaya: all.wilaya, commune: all.commune } : {}),
    ...(differs('delivery_type') ? { delivery_type: all.delivery_type } : {}),
    ...(differs('address') ? { address: all.address ?? null } : {}),
    ...(differs('stopdesk_id') ? { stopdesk_id: all.stopdesk_id ?? null } : {}),
    ...(differs('promo_code') ? { promo_code: all.promo_code ?? null } : {}),
    ...(differs('note') ? { note: all.note ?? null } : {}),
    ...(differs('delivery_fee') ? { delivery_fee: all.delivery_fee } : {}),
    ...(sameItems ? {} : { items }),
  };
}

function productOptions(products: Product[], p: MemberPage): Array<[string, string]> {
  const opts: Array<[string, string]> = [['', p.i.t('orders.choose_product')]];
  for (const x of products) {
    if (!x.variants.length) opts.push([x.id, `${x.name} · ${p.i.dzd(x.price)}`]);
    for (const v of x.variants) opts.push([lineValue(x.id, v.name), `${x.name} (${v.name}) · ${p.i.dzd(v.price ?? x.price)}`]);
  }
  return opts;
}

export function orderFormPages(router: Router, ctx: AppContext): void {
  const form = async (p: MemberPage, opts: { action: string; values: Values; errors?: FieldErrors | null; edit: boolean }) => {
    const { i } = p;
    const { values: v, errors } = opts;
    const products = await listProducts(ctx.knex, p.workspaceId, { activeOnly: true });
    const options = productOptions(products, p);
    const filled = Object.keys(v).filter((k) => /^item\d+_product$/.test(k) && str(v[k])).length;
    const rows = Math.min(MAX_ROWS, Math.max(SPARE_ROWS, filled + (opts.edit ? 1 : 0)));
    const wilayaName = (w: { nameFr: string; nameAr: string }) => (i.locale === 'ar' ? w.nameAr : w.nameFr);
    return html`<form method="post" action="${opts.action}" novalidate class="order-form">${csrfField(p)}
      ${errorSummary(p, errors)}
      ${field(p, { name: 'customer_name', label: i.t('orders.customer_name'), value: v.customer_name, required: true, errors, autocomplete: 'off' })}
      ${field(p, { name: 'phone', type: 'tel', label: i.t('orders.phone'), value: v.phone, required: true, errors, attrs: html`dir="ltr" inputmode="tel"` })}
      ${select({ name: 'wilaya', label: i.t('orders.wilaya'), options: [['', '—'], ...listWilayas().map((w) => [w.code, `${w.code} ${wilayaName(w)}`] as [string, string])], value: str(v.wilaya), errors })}
      ${field(p, { name: 'commune', label: i.t('orders.commune'), value: v.commune, required: true, errors })}
      ${select({ name: 'delivery_type', label: i.t('orders.delivery_type'), options: DELIVERY_TYPES.map((d) => [d, i.t(`orders.delivery_${d}`)] as [string, string]), value: str(v.delivery_type) || 'home', errors })}
      ${field(p, { name: 'address', label: i.t('orders.address'), hint: i.t('orders.address_hint'), value: v.address, errors })}
      ${field(p, { name: 'stopdesk_id', label: i.t('orders.stopdesk_id'), value: v.stopdesk_id, errors })}
      <fieldset class="field${errors?.items ? ' has-error' : ''}" id="f-items"><legend>${i.t('orders.items')}</legend>
        <p class="hint">${i.t('orders.items_hint')}</p>
        ${Array.from({ length: rows }, (_, n) => html`<div class="row" data-item-row="${n}">
          ${select({ name: `item${n}_product`, label: `${i.t('orders.product')} ${n + 1}`, options, value: str(v[`item${n}_product`]) })}
          ${field(p, { name: `item${n}_quantity`, type: 'number', label: i.t('orders.quantity'), value: v[`item${n}_quantity`] ?? '1', required: true, attrs: html`min="1" max="50" inputmode="numeric"` })}
        </div>`)}
        ${errors?.items ? html`<p class="error" id="f-items-err">${errors.items}</p>` : ''}
      </fieldset>
      ${field(p, { name: 'promo_code', label: i.t('orders.promo_code_field'), value: v.promo_code, errors, attrs: html`dir="ltr" autocapitalize="characters"` })}
      ${field(p, { name: 'delivery_fee', label: i.t('orders.delivery_fee'), hint: i.t(opts.edit ? 'orders.delivery_fee_hint_edit' : 'orders.delivery_fee_hint_new'), value: v.delivery_fee, errors, attrs: html`inputmode="numeric"` })}
      ${field(p, { name: 'note', label: i.t('orders.note'), value: v.note, errors, rows: 2 })}
      <button type="submit">${opts.edit ? i.t('common.save') : i.t('orders.create')}</button>
      <a class="button secondary" href="/orders">${i.t('common.cancel')}</a></form>`;
  };

  const show = async (p: MemberPage, o: { title: string; help: string; action: string; values: Values; errors?: FieldErrors | null; edit: boolean }) => {
    await send(p, {
      title: o.title,
      active: 'orders',
      status: o.errors ? 400 : 200,
      body: html`<p><a href="/orders">${p.i.backArrow} ${p.i.t('nav.orders')}</a></p><p class="muted">${o.help}</p>${await form(p, o)}`,
    });
  };

  const newPage = (p: MemberPage, values: Values, errors?: FieldErrors | null) =>
    show(p, { title: p.i.t('orders.new'), help: p.i.t('orders.new_help'), action: '/orders/new', values, errors, edit: false });

  page(router, ctx, 'get', '/orders/new', 'agent', async (p) => newPage(p, { delivery_type: 'home' }));

  // The same resolveNewOrder + createOrder as POST /api/v1/orders.
  page(router, ctx, 'post', '/orders/new', 'agent', async (p) => {
    const b = p.req.body as Values;
    try {
      const input = await resolveNewOrder(ctx, p.workspaceId, OrderCreateInput.parse(createBody(b)));
      const order = await createOrder(ctx, p.workspaceId, input, p.actor);
      return redirect(p, `/orders#order-${encodeURIComponent(order.id)}`);
    } catch (err) {
      const errors = formErrors(err);
      if (!errors) throw err;
      await newPage(p, b, errors);
    }
  });

  const editable = async (p: MemberPage) => {
    const order = await getOrder(ctx.knex, p.workspaceId, String(p.req.params.id));
    if (!UNSHIPPED.includes(order.status)) throw conflict(`The order is ${order.status}; only pending or confirmed orders can be changed`);
    return order;
  };
  const editPage = (p: MemberPage, order: OrderJson, values: Values, errors?: FieldErrors | null) =>
    show(p, { title: p.i.t('orders.edit_title'), help: p.i.t('orders.edit_help'), action: `/orders/${order.id}/edit`, values, errors, edit: true });

  page(router, ctx, 'get', '/orders/:id/edit', 'agent', async (p) => {
    const order = await editable(p);
    await editPage(p, order, orderValues(order));
  });

  // The same resolveOrderChanges + updateOrder as PATCH /api/v1/orders/:id, with only the changed fields.
  page(router, ctx, 'post', '/orders/:id/edit', 'agent', async (p) => {
    const order = await editable(p);
    const b = p.req.body as Values;
    try {
      const patch = OrderFieldsPatch.parse(changedFields(b, order));
      if (Object.keys(patch).length) await updateOrder(ctx, p.workspaceId, order.id, await resolveOrderChanges(ctx, p.workspaceId, order, patch), p.actor);
      return redirect(p, `/orders#order-${encodeURIComponent(order.id)}`);
    } catch (err) {
      const errors = formErrors(err);
      if (!errors) throw err;
      await editPage(p, order, b, errors);
    }
  });
}
