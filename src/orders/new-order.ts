import { z } from 'zod';
import type { AppContext } from '../context';
import { AppError, invalidInput } from '../errors';
import { checkedPhone, checkedPlace, type CheckedPlace } from '../geo/checked-input';
import { activeCourier } from '../shipping/courier-accounts';
import { quoteDelivery } from '../shipping/tariffs';
import type { NewOrder, OrderChanges, OrderJson } from './service';
import { ORDER_STATUSES } from './status';

/**
 * Turns what a merchant typed (API body or the Orders page form) into the service's NewOrder /
 * OrderChanges, with the same phone, place and tariff modules the agent's create_order uses.
 * Every refusal is invalid_input naming its field in `details: [{ path, message }]`, so the API
 * reports it and the page shows it next to the field.
 */

export const DELIVERY_TYPES = ['home', 'stopdesk'] as const;
type DeliveryType = (typeof DELIVERY_TYPES)[number];

const OrderItemInput = z.object({
  product_id: z.string().min(1).max(64).describe('a product id from GET /products'),
  variant: z.string().min(1).max(80).optional().describe('the variant name, when the product has variants'),
  quantity: z.number().int().min(1).max(50),
});
const Wilaya = z
  .union([z.string().trim().min(1).max(80), z.number().int().min(1).max(69)])
  .transform(String)
  .describe('wilaya number (16) or name (Alger, الجزائر)');
const DeliveryFee = z.number().int().min(0).max(100_000).describe('DZD; overrides the fee from your courier tariffs (a fee agreed on the phone)');

export const OrderCreateInput = z.object({
  customer_name: z.string().trim().min(2).max(120),
  phone: z.string().trim().min(1).max(30).describe('Algerian phone as typed; stored as +213…'),
  wilaya: Wilaya,
  commune: z.string().trim().min(1).max(80).describe('commune name as typed, resolved within the wilaya'),
  address: z.string().trim().max(300).optional().describe('street / quarter; required for home delivery'),
  delivery_type: z.enum(DELIVERY_TYPES),
  stopdesk_id: z.string().trim().max(40).optional(),
  items: z.array(OrderItemInput).min(1).max(20),
  promo_code: z.string().trim().max(40).optional(),
  note: z.string().trim().max(500).optional(),
  delivery_fee: DeliveryFee.optional(),
});
export type OrderCreateInput = z.infer<typeof OrderCreateInput>;

/** The editable fields of PATCH /orders/:id (all optional); `status` is applied after them. */
export const OrderFieldsPatch = z.object({
  customer_name: z.string().trim().min(2).max(120).optional(),
  phone: z.string().trim().min(1).max(30).optional(),
  wilaya: Wilaya.optional(),
  commune: z.string().trim().min(1).max(80).optional(),
  address: z.string().trim().max(300).nullable().optional(),
  delivery_type: z.enum(DELIVERY_TYPES).optional(),
  stopdesk_id: z.string().trim().max(40).nullable().optional(),
  items: z.array(OrderItemInput).min(1).max(20).optional().describe('the full new list of items; the order is repriced'),
  promo_code: z.string().trim().max(40).nullable().optional().describe('a code to apply; null removes the order\'s code'),
  note: z.string().trim().max(500).nullable().optional(),
  delivery_fee: DeliveryFee.optional(),
});
export type OrderFieldsPatch = z.infer<typeof OrderFieldsPatch>;

export const OrderPatch = OrderFieldsPatch.extend({ status: z.enum(ORDER_STATUSES).optional().describe('applied after the other fields (the status machine applies)') }).refine(
  (b) => Object.values(b).some((v) => v !== undefined),
  'send status and/or the fields to change',
);

const fieldError = (path: string, message: string) => invalidInput(message, [{ path, message }]);

type Place = Pick<CheckedPlace, 'wilayaCode' | 'communeCode'>;

/** The fee from the workspace's courier tariffs, as the agent quotes it; a missing tariff says how to fix it. */
async function tariffFee(ctx: AppContext, workspaceId: string, place: Place, deliveryType: DeliveryType): Promise<{ fee: number; courier: string }> {
  try {
    const q = await quoteDelivery(ctx, workspaceId, { wilayaCode: place.wilayaCode, communeCode: place.communeCode ?? undefined, deliveryType });
    return { fee: q.fee, courier: q.courier };
  } catch (e) {
    if (e instanceof AppError && e.type !== 'unexpected_state' && e.type !== 'provider_error') {
      throw fieldError('delivery_fee', `${e.message.replace(/[.:]\s*$/, '')}. Set a delivery tariff for this wilaya (Settings → Couriers → Tariffs) or give delivery_fee`);
    }
    throw e;
  }
}

function requireAddress(deliveryType: DeliveryType, address: string | null | undefined): void {
  if (deliveryType === 'home' && !address?.trim()) throw fieldError('address', 'address: required for home delivery (street or quarter)');
}

/** A merchant's new order, ready for createOrder (source 'api'). */
export async function resolveNewOrder(ctx: AppContext, workspaceId: string, input: OrderCreateInput): Promise<NewOrder> {
  const phone = checkedPhone(input.phone);
  const place = checkedPlace(input.wilaya, input.commune);
  requireAddress(input.delivery_type, input.address);
  const { fee, courier } =
    input.delivery_fee !== undefined
      ? { fee: input.delivery_fee, courier: await activeCourier(ctx.knex, workspaceId) }
      : await tariffFee(ctx, workspaceId, place, input.delivery_type);
  return {
    customerName: input.customer_name,
    phone,
    wilayaCode: place.wilayaCode,
    communeCode: place.communeCode,
    address: input.address || null,
    deliveryType: input.delivery_type,
    stopdeskId: input.stopdesk_id || null,
    deliveryFee: fee,
    courier,
    items: input.items,
    promoCode: input.promo_code || null,
    note: input.note || null,
    source: 'api',
  };
}

/**
 * The changes for updateOrder. The fee is re-quoted when the wilaya, commune or delivery type
 * actually changes (not on every edit, so a fee agreed on the phone survives an address fix),
 * unless delivery_fee is given.
 */
export async function resolveOrderChanges(ctx: AppContext, workspaceId: string, current: OrderJson, patch: OrderFieldsPatch): Promise<OrderChanges> {
  const changes: OrderChanges = {};
  if (patch.customer_name !== undefined) changes.customerName = patch.customer_name;
  if (patch.phone !== undefined) changes.phone = checkedPhone(patch.phone);
  if (patch.address !== undefined) changes.address = patch.address || null;
  if (patch.stopdesk_id !== undefined) changes.stopdeskId = patch.stopdesk_id || null;
  if (patch.note !== undefined) changes.note = patch.note || null;
  if (patch.promo_code !== undefined) changes.promoCode = patch.promo_code || null;
  if (patch.items) changes.items = patch.items;

  const deliveryType = patch.delivery_type ?? (current.delivery_type as DeliveryType);
  if (patch.wilaya !== undefined || patch.commune !== undefined || patch.delivery_type !== undefined) {
    // A new wilaya needs its commune: the old one is elsewhere.
    if (patch.wilaya !== undefined && patch.commune === undefined) throw fieldError('commune', 'commune: give the commune in the new wilaya');
    const place =
      patch.commune !== undefined
        ? checkedPlace(patch.wilaya ?? current.customer.wilaya ?? '', patch.commune)
        : { wilayaCode: current.customer.wilaya ?? '', communeCode: current.customer.commune };
    const moved = place.wilayaCode !== current.customer.wilaya || place.communeCode !== current.customer.commune || deliveryType !== current.delivery_type;
    if (moved) {
      Object.assign(changes, { wilayaCode: place.wilayaCode, communeCode: place.communeCode, deliveryType });
      if (patch.delivery_fee === undefined) changes.deliveryFee = (await tariffFee(ctx, workspaceId, place, deliveryType)).fee;
    }
  }
  if (patch.delivery_fee !== undefined) changes.deliveryFee = patch.delivery_fee;
  requireAddress(deliveryType, changes.address !== undefined ? changes.address : current.customer.address);
  return changes;
}
