import type { Knex } from 'knex';
import { z } from 'zod';
import { findVariant, unitPrice, type Product } from '../catalog/products';
import type { AppContext } from '../context';
import { conflict, invalidInput, notFound } from '../errors';
import { returnRisks, type ReturnRisk } from '../shipping/return-risk';
import { runOrderHooks } from './hooks';
import { countPromoUse, normalizeCode, resolvePromo, type ResolvedPromo } from './promo-codes';
import { assertTransition, CLOSED, parcelAwaitsPickup, UNSHIPPED, type OrderStatus } from './status';

export interface ItemInput {
  product_id: string;
  variant?: string | null;
  quantity: number;
}

export interface PricedLine {
  product_id: string;
  name: string;
  variant: string | null;
  unit_price: number;
  quantity: number;
  line_total: number;
}

export interface OrderJson {
  id: string;
  status: OrderStatus;
  /** subtotal − discount + delivery_fee, DZD. */
  total: number;
  subtotal: number;
  /** DZD off the items subtotal from `promo_code` (0 without one); never off the delivery fee. */
  discount: number;
  promo_code: string | null;
  delivery_fee: number;
  delivery_type: string;
  stopdesk_id: string | null;
  items: Array<{ product_id: string | null; name: string; variant: string | null; unit_price: number; quantity: number; line_total: number }>;
  customer: { name: string | null; phone: string | null; wilaya: string | null; commune: string | null; address: string | null };
  shipment: { courier: string; tracking: string | null; status: string; error: string | null } | null;
  /** The customer's delivered vs returned parcels with this shop, by phone (null when no phone). */
  return_risk: ReturnRisk | null;
  note: string | null;
  source: string;
  conversation_id: string | null;
  confirmed_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Prices order lines from the catalog (never from the caller) and checks stock, with messages the
 * model or merchant can act on. Stock is checked here and decremented only at confirmation (see
 * transitionOrder): a pending order does not hold stock, so an abandoned chat never blocks a sale.
 */
export async function priceItems(db: Knex, workspaceId: string, items: ItemInput[]): Promise<{ lines: PricedLine[]; subtotal: number }> {
  if (!items.length) throw invalidInput('An order needs at least one item');
  const ids = [...new Set(items.map((i) => i.product_id))];
  const bad = ids.filter((id) => !z.uuid().safeParse(id).success);
  if (bad.length) throw invalidInput(`Unknown product_id ${bad.join(', ')}: use the product_id returned by search_catalog`);
  const products: Product[] = await db('products').where({ workspace_id: workspaceId, active: true }).whereIn('id', ids);
  const byId = new Map(products.map((p) => [p.id, p]));
  const lines: PricedLine[] = [];
  for (const item of items) {
    const p = byId.get(item.product_id);
    if (!p) throw invalidInput(`Unknown product_id ${item.product_id}: use the product_id returned by search_catalog`);
    let variant: string | null = null;
    if (item.variant) {
      const v = findVariant(p, item.variant);
      if (!v) {
        throw invalidInput(
          p.variants.length
            ? `"${p.name}" has no variant "${item.variant}"; available: ${p.variants.map((x) => x.name).join(', ')}`
            : `"${p.name}" has no variants; omit variant`,
        );
      }
      variant = v.name;
      if (v.stock !== undefined && v.stock < item.quantity) {
        throw invalidInput(v.stock === 0 ? `"${p.name}" (${v.name}) is out of stock` : `Only ${v.stock} left of "${p.name}" (${v.name})`);
      }
    } else if (p.variants.length) {
      throw invalidInput(`"${p.name}" needs a variant; ask the customer which one: ${p.variants.map((x) => x.name).join(', ')}`);
    }
    if (p.stock !== null && p.stock < item.quantity) {
      throw invalidInput(p.stock === 0 ? `"${p.name}" is out of stock` : `Only ${p.stock} left of "${p.name}"`);
    }
    const unit = unitPrice(p, variant);
    lines.push({ product_id: p.id, name: p.name, variant, unit_price: unit, quantity: item.quantity, line_total: unit * item.quantity });
  }
  return { lines, subtotal: lines.reduce((s, l) => s + l.line_total, 0) };
}

export interface NewOrder {
  conversationId?: string | null;
  customerId?: string | null;
  customerName: string;
  phone: string;
  wilayaCode: string;
  communeCode: string | null;
  address?: string | null;
  deliveryType: 'home' | 'stopdesk';
  stopdeskId?: string | null;
  deliveryFee: number;
  courier?: string | null;
  items: ItemInput[];
  /** A merchant-defined code the customer gave; the server computes its discount. */
  promoCode?: string | null;
  note?: string | null;
  source: 'agent' | 'api' | 'playground' | 'sheet';
}

export async function createOrder(ctx: AppContext, workspaceId: string, input: NewOrder, actor: string): Promise<OrderJson> {
  const id = await ctx.knex.transaction(async (trx) => {
    const { lines, subtotal } = await priceItems(trx, workspaceId, input.items);
    let promo: ResolvedPromo | null = null;
    if (input.promoCode?.trim()) {
      promo = await resolvePromo(trx, workspaceId, input.promoCode, subtotal);
      await countPromoUse(trx, workspaceId, promo);
    }
    const discount = promo?.discount ?? 0;
    const total = subtotal - discount + input.deliveryFee;
    const [order] = await trx('orders')
      .insert({
        workspace_id: workspaceId,
        conversation_id: input.conversationId ?? null,
        customer_id: input.customerId ?? null,
        status: 'pending',
        customer_name: input.customerName,
        phone: input.phone,
        wilaya_code: input.wilayaCode,
        commune_code: input.communeCode,
        address: input.address ?? null,
        delivery_type: input.deliveryType,
        stopdesk_id: input.stopdeskId ?? null,
        subtotal,
        discount,
        promo_code: promo?.code ?? null,
        delivery_fee: input.deliveryFee,
        total,
        note: input.note ?? null,
        source: input.source,
        courier: input.courier ?? null,
      })
      .returning('id');
    await trx('order_items').insert(lines.map((l) => ({ ...l, workspace_id: workspaceId, order_id: order.id })));
    await audit(trx, workspaceId, actor, 'order.created', order.id, { total, ...(promo ? { promo_code: promo.code, discount } : {}) });
    // Playground orders are the merchant testing their agent: no sheet row, no courier booking.
    if (input.source !== 'playground') {
      await runOrderHooks(ctx, trx, { workspaceId, orderId: order.id, previousStatus: null, status: 'pending' });
    }
    return order.id as string;
  });
  return getOrder(ctx.knex, workspaceId, id);
}

async function audit(trx: Knex, workspaceId: string, actor: string, action: string, target: string, data: unknown) {
  await trx('audit_log').insert({ workspace_id: workspaceId, actor, action, target, data: JSON.stringify(data) });
}

/** Moves stock by `sign` (-1 take, +1 give back) for each line; refuses to go below zero. */
async function moveStock(trx: Knex.Transaction, workspaceId: string, orderId: string, sign: -1 | 1): Promise<void> {
  const lines = await trx('order_items').where({ workspace_id: workspaceId, order_id: orderId }).whereNotNull('product_id');
  for (const line of lines) {
    const p = await trx('products').where({ workspace_id: workspaceId, id: line.product_id }).forUpdate().first();
    if (!p) continue;
    const patch: Record<string, unknown> = {};
    if (p.stock !== null) {
      const next = p.stock + sign * line.quantity;
      if (next < 0) throw conflict(`Not enough stock of "${p.name}" to confirm (${p.stock} left)`);
      patch.stock = next;
    }
    if (line.variant) {
      const variants = (p.variants as Array<{ name: string; stock?: number }>).map((v) => {
        if (v.name !== line.variant || v.stock === undefined) return v;
        const next = v.stock + sign * line.quantity;
        if (next < 0) throw conflict(`Not enough stock of "${p.name}" (${v.name}) to confirm (${v.stock} left)`);
        return { ...v, stock: next };
      });
      patch.variants = JSON.stringify(variants);
    }
    if (Object.keys(patch).length) await trx('products').where({ id: p.id }).update({ ...patch, updated_at: trx.fn.now() });
  }
}

/**
 * The only way an order changes status: validates the move against the status table, keeps stock
 * in step (taken at confirmation, given back when a confirmed or shipped order is cancelled or
 * returned),
 * and runs the order hooks in the same transaction.
 */
export async function transitionOrder(
  ctx: AppContext,
  workspaceId: string,
  orderId: string,
  to: OrderStatus,
  actor: string,
  opts: { confirmedMessageId?: string | null; confirmedBy?: string; only?: (order: { conversation_id: string | null; customer_id: string | null }) => boolean } = {},
): Promise<OrderJson> {
  if (!z.uuid().safeParse(orderId).success) throw notFound('Order');
  await ctx.knex.transaction(async (trx) => {
    const order = await trx('orders').where({ workspace_id: workspaceId, id: orderId }).forUpdate().first();
    if (!order || (opts.only && !opts.only(order))) throw notFound('Order');
    const from = order.status as OrderStatus;
    assertTransition(from, to);
    if (from === 'shipped' && to === 'cancelled') {
      const parcel = await trx('shipments').where({ workspace_id: workspaceId, order_id: orderId }).forUpdate().first('status', 'tracking', 'courier');
      if (!parcelAwaitsPickup(parcel)) {
        throw conflict(`The parcel is already with the courier (${parcel.status}): it can no longer be cancelled; the customer can refuse it at delivery, and it comes back as returned`, {
          from,
          to,
          shipment_status: parcel.status,
        });
      }
    }
    const patch: Record<string, unknown> = { status: to, updated_at: trx.fn.now() };
    if (to === 'confirmed') {
      await moveStock(trx, workspaceId, orderId, -1);
      patch.confirmed_at = trx.fn.now();
      patch.confirmed_by = opts.confirmedBy ?? actor;
      patch.confirmed_message_id = opts.confirmedMessageId ?? null;
    }
    if ((to === 'cancelled' && from !== 'pending') || to === 'returned') await moveStock(trx, workspaceId, orderId, 1);
    if (CLOSED.includes(to)) patch.closed_at = trx.fn.now();
    await trx('orders').where({ id: orderId }).update(patch);
    await audit(trx, workspaceId, actor, `order.${to}`, orderId, { from, to });
    if (order.source !== 'playground') await runOrderHooks(ctx, trx, { workspaceId, orderId, previousStatus: from, status: to });
  });
  return getOrder(ctx.knex, workspaceId, orderId);
}

export interface OrderChanges {
  items?: ItemInput[];
  customerName?: string;
  phone?: string;
  wilayaCode?: string;
  communeCode?: string | null;
  address?: string | null;
  deliveryType?: 'home' | 'stopdesk';
  stopdeskId?: string | null;
  deliveryFee?: number;
  note?: string | null;
  /** A code to apply (replacing the order's), or null to remove the order's code. */
  promoCode?: string | null;
}

/**
 * Changes an unshipped order, repricing it from the catalog; a confirmed order's stock follows.
 * A new or changed promo code is checked in full and counts a use; the order's own code is
 * recomputed on the new subtotal when the items change (its minimum subtotal must still hold).
 */
export async function updateOrder(
  ctx: AppContext,
  workspaceId: string,
  orderId: string,
  changes: OrderChanges,
  actor: string,
  only?: (order: { conversation_id: string | null; customer_id: string | null }) => boolean,
): Promise<OrderJson> {
  if (!z.uuid().safeParse(orderId).success) throw notFound('Order');
  await ctx.knex.transaction(async (trx) => {
    const order = await trx('orders').where({ workspace_id: workspaceId, id: orderId }).forUpdate().first();
    if (!order || (only && !only(order))) throw notFound('Order');
    if (!UNSHIPPED.includes(order.status)) throw conflict(`The order is ${order.status}; only pending or confirmed orders can be changed`);
    const patch: Record<string, unknown> = { updated_at: trx.fn.now() };
    const map: Array<[keyof OrderChanges, string]> = [
      ['customerName', 'customer_name'], ['phone', 'phone'], ['wilayaCode', 'wilaya_code'], ['communeCode', 'commune_code'],
      ['address', 'address'], ['deliveryType', 'delivery_type'], ['stopdeskId', 'stopdesk_id'], ['deliveryFee', 'delivery_fee'], ['note', 'note'],
    ];
    for (const [k, col] of map) if (changes[k] !== undefined) patch[col] = changes[k];
    let subtotal = order.subtotal as number;
    if (changes.items) {
      if (order.status === 'confirmed') await moveStock(trx, workspaceId, orderId, 1);
      const priced = await priceItems(trx, workspaceId, changes.items);
      subtotal = priced.subtotal;
      await trx('order_items').where({ order_id: orderId }).delete();
      await trx('order_items').insert(priced.lines.map((l) => ({ ...l, workspace_id: workspaceId, order_id: orderId })));
      if (order.status === 'confirmed') await moveStock(trx, workspaceId, orderId, -1);
    }
    const { discount, code } = await promoForUpdate(trx, workspaceId, order, changes, subtotal);
    const fee = (changes.deliveryFee ?? order.delivery_fee) as number;
    Object.assign(patch, { subtotal, discount, promo_code: code, total: subtotal - discount + fee });
    await trx('orders').where({ id: orderId }).update(patch);
    const promoNote = code !== order.promo_code ? { promo_code: code, previous_promo_code: order.promo_code } : code ? { promo_code: code } : {};
    await audit(trx, workspaceId, actor, 'order.updated', orderId, { fields: Object.keys(patch), ...promoNote, discount });
    if (order.source !== 'playground') {
      await runOrderHooks(ctx, trx, { workspaceId, orderId, previousStatus: order.status, status: order.status });
    }
  });
  return getOrder(ctx.knex, workspaceId, orderId);
}

/** The discount and code an updated order carries (see updateOrder). */
async function promoForUpdate(
  trx: Knex.Transaction,
  workspaceId: string,
  order: { promo_code: string | null; discount: number; subtotal: number },
  changes: OrderChanges,
  subtotal: number,
): Promise<{ discount: number; code: string | null }> {
  const wanted = changes.promoCode === undefined ? order.promo_code : changes.promoCode?.trim() ? normalizeCode(changes.promoCode) : null;
  if (!wanted) return { discount: 0, code: null };
  if (wanted !== order.promo_code) {
    const promo = await resolvePromo(trx, workspaceId, wanted, subtotal);
    await countPromoUse(trx, workspaceId, promo);
    return { discount: promo.discount, code: promo.code };
  }
  // The same code and the same items: the discount stands as computed (the code may since have
  // expired or been deleted, which does not take it away from this order).
  if (subtotal === order.subtotal) return { discount: order.discount, code: wanted };
  const promo = await resolvePromo(trx, workspaceId, wanted, subtotal, { alreadyCounted: true });
  return { discount: promo.discount, code: promo.code };
}

/** A row as knex returns it (untyped columns); `shape` picks the fixed JSON out of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- knex rows are untyped
type Row = Record<string, any>;

function shape(o: Row, items: Row[], shipment?: Row, risk?: ReturnRisk): OrderJson {
  return {
    id: o.id,
    status: o.status,
    total: o.total,
    subtotal: o.subtotal,
    discount: o.discount,
    promo_code: o.promo_code,
    delivery_fee: o.delivery_fee,
    delivery_type: o.delivery_type,
    stopdesk_id: o.stopdesk_id,
    items: items.map((i) => ({
      product_id: i.product_id,
      name: i.name,
      variant: i.variant,
      unit_price: i.unit_price,
      quantity: i.quantity,
      line_total: i.line_total,
    })),
    customer: { name: o.customer_name, phone: o.phone, wilaya: o.wilaya_code, commune: o.commune_code, address: o.address },
    shipment: shipment ? { courier: shipment.courier, tracking: shipment.tracking, status: shipment.status, error: shipment.error } : null,
    return_risk: risk ?? null,
    note: o.note,
    source: o.source,
    conversation_id: o.conversation_id,
    confirmed_at: o.confirmed_at,
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

export async function getOrder(db: Knex, workspaceId: string, id: string): Promise<OrderJson> {
  if (!z.uuid().safeParse(id).success) throw notFound('Order');
  const o = await db('orders').where({ workspace_id: workspaceId, id }).first();
  if (!o) throw notFound('Order');
  const [items, shipment, risks] = await Promise.all([
    db('order_items').where({ workspace_id: workspaceId, order_id: id }).orderBy('name'),
    db('shipments').where({ workspace_id: workspaceId, order_id: id }).first(),
    returnRisks(db, workspaceId, [o.phone]),
  ]);
  return shape(o, items, shipment, risks.get(o.phone));
}

export interface OrderFilter {
  status?: OrderStatus[];
  from?: Date;
  to?: Date;
  wilaya?: string;
  /** The courier the order is booked with (its shipment), or assigned to before booking. */
  courier?: string;
  conversationId?: string;
  limit?: number;
  before?: string; // created_at cursor (ISO)
}

export async function listOrders(db: Knex, workspaceId: string, f: OrderFilter = {}): Promise<OrderJson[]> {
  const q = db('orders').where({ workspace_id: workspaceId }).orderBy('created_at', 'desc').limit(Math.min(f.limit ?? 50, 200));
  if (f.status?.length) q.whereIn('status', f.status);
  if (f.from) q.where('created_at', '>=', f.from);
  if (f.to) q.where('created_at', '<', f.to);
  if (f.wilaya) q.where('wilaya_code', f.wilaya);
  if (f.courier) {
    const c = f.courier;
    q.where((w) => w.whereIn('id', db('shipments').select('order_id').where({ workspace_id: workspaceId, courier: c })).orWhere((o) => o.where('courier', c).whereNotExists(db('shipments').select(db.raw('1')).whereRaw('shipments.order_id = orders.id'))));
  }
  if (f.conversationId) q.where('conversation_id', f.conversationId);
  if (f.before) q.where('created_at', '<', new Date(f.before));
  const orders = await q;
  if (!orders.length) return [];
  const ids = orders.map((o: { id: string }) => o.id);
  const [items, shipments, risks] = await Promise.all([
    db('order_items').where({ workspace_id: workspaceId }).whereIn('order_id', ids).orderBy('name'),
    db('shipments').where({ workspace_id: workspaceId }).whereIn('order_id', ids),
    returnRisks(db, workspaceId, orders.map((o: Row) => o.phone)),
  ]);
  return orders.map((o: Row) =>
    shape(o, items.filter((i: { order_id: string }) => i.order_id === o.id), shipments.find((s: { order_id: string }) => s.order_id === o.id), risks.get(o.phone)),
  );
}
