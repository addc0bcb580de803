import type { CourierAdapter, FoundShipment, LabelRef, ShipmentCreated, ShipmentInput } from '../../couriers/contract';
import type { AppContext } from '../context';
import { AppError, conflict, notFound, ProviderError } from '../errors';
import { courierWilayaCode, courierWilayaOf, getCommune, getWilaya } from '../geo/algeria';
import { normalizePhone } from '../geo/phone';
import { getOrder, transitionOrder, type OrderJson } from '../orders/service';
import { activeCourier, courierAdapter, courierDefinition } from './courier-accounts';
import { courierCommuneFor } from './reference-sync';
import { BOOK_JOB } from './booking-hook';
import { enqueueShipmentCancel } from './cancel-hook';
import { courierLeaseMs, isRefusal, retryingWords } from './courier-attempt';
import { updateShipmentAndEmit } from './shipment-events';
import { schedulePoll } from './tracking';

export { BOOK_JOB };

/**
 * How each courier reads the cash-on-delivery amount (reference/couriers.md §1.4). The customer
 * was quoted `order.total` (goods + delivery fee) and must pay exactly that at the door:
 * - Yalidine adds its fee on top of `price` unless `freeshipping=true`; we send price = total and
 *   freeshipping=true, so the courier collects the total and bills its fee to the merchant, who
 *   already charged it inside the total. (freeshipping=false would make the customer pay twice.)
 * - Ecotrack/Anderson `montant`, ZR `amount`, Maystro `product_price`, NOEST `montant`, Procolis
 *   `Total` are the whole amount to collect, fee included: codAmount = total, no flag.
 */
const FEE_INSIDE_COD_WITH_FLAG: ReadonlySet<string> = new Set(['yalidine']);

export type BookingOutcome =
  | { kind: 'booked'; tracking: string; order: OrderJson }
  | { kind: 'already_booked'; tracking: string; order: OrderJson }
  | { kind: 'refused'; error: string; order: OrderJson }
  | { kind: 'skipped'; reason: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- knex rows are untyped
type Row = Record<string, any>;

/**
 * Books the order's parcel with the courier, at most once.
 *
 * Idempotency: the shipments row is created first (unique per order) and claimed with a lease
 * (booking_until) so two attempts never call the courier at once. Our order id is the courier's
 * reference; from the second attempt on (a timeout may have created the parcel without us hearing
 * the answer) `findByReference` runs BEFORE any create, so a retry adopts the first parcel rather
 * than booking a second. Not on the first attempt: Ecotrack's lookup pages through recent orders.
 *
 * Outcomes: booked (tracking stored, order → shipped); refused (the courier's refusal in words on
 * shipments.error, nothing retried until the merchant asks); a retryable failure THROWS (the row
 * keeps the reason, the job queue retries with backoff).
 */
export async function bookShipment(
  ctx: AppContext,
  workspaceId: string,
  orderId: string,
  opts: { manual?: boolean; finalAttempt?: boolean } = {},
): Promise<BookingOutcome> {
  const order = await ctx.knex('orders').where({ workspace_id: workspaceId, id: orderId }).first();
  if (!order) {
    if (opts.manual) throw notFound('Order');
    return { kind: 'skipped', reason: 'order not found' };
  }
  let shipment: Row | undefined = await ctx.knex('shipments').where({ workspace_id: workspaceId, order_id: orderId }).first();
  if (shipment?.tracking && !shipment.needs_validation) {
    if (opts.manual) throw conflict(`This order is already booked with ${shipment.courier} (tracking ${shipment.tracking})`, { tracking: shipment.tracking });
    await moveToShipped(ctx, workspaceId, orderId);
    return { kind: 'already_booked', tracking: shipment.tracking, order: await getOrder(ctx.knex, workspaceId, orderId) };
  }
  if (order.status !== 'confirmed' && !(order.status === 'shipped' && shipment)) {
    if (opts.manual) throw conflict(`The order is ${order.status}: only confirmed orders can be shipped`);
    return { kind: 'skipped', reason: `order is ${order.status}` };
  }

  const courier = shipment?.courier ?? (await activeCourier(ctx.knex, workspaceId));
  if (!courier) {
    if (opts.manual) throw conflict('No active courier: connect one in the courier settings first');
    return { kind: 'skipped', reason: 'no active courier' };
  }
  if (!shipment) {
    await ctx.knex('shipments').insert({ workspace_id: workspaceId, order_id: orderId, courier, status: 'booking' }).onConflict('order_id').ignore();
  }

  // The lease: only one attempt talks to the courier about this order at a time.
  const claimed: Row[] = await ctx.knex('shipments')
    .where({ workspace_id: workspaceId, order_id: orderId })
    .where((q) => q.whereNull('tracking').orWhere('needs_validation', true))
    .where((q) => q.whereNull('booking_until').orWhere('booking_until', '<', ctx.knex.fn.now()))
    .update({
      booking_until: new Date(Date.now() + courierLeaseMs(ctx)),
      attempts: ctx.knex.raw('attempts + 1'),
      status: ctx.knex.raw("CASE WHEN tracking IS NULL THEN 'booking' ELSE status END"),
      error: null,
      updated_at: ctx.knex.fn.now(),
    })
    .returning('*');
  shipment = claimed[0];
  if (!shipment) {
    const now = await ctx.knex('shipments').where({ workspace_id: workspaceId, order_id: orderId }).first();
    if (now?.tracking && !now.needs_validation) {
      if (opts.manual) throw conflict(`This order is already booked with ${now.courier} (tracking ${now.tracking})`, { tracking: now.tracking });
      return { kind: 'already_booked', tracking: now.tracking, order: await getOrder(ctx.knex, workspaceId, orderId) };
    }
    if (opts.manual) throw conflict('A booking for this order is already in progress; try again in a minute');
    throw new ProviderError(courier, 'A booking for this order is already in progress', true);
  }
  const sid = shipment.id as string;

  try {
    const adapter = await courierAdapter(ctx, workspaceId, courier, { timeoutMs: ctx.config.shipping.courierTimeoutMs });
    let booked: { tracking: string; providerId?: string; label?: LabelRef; needsValidation: boolean; status?: string; raw?: string };

    if (shipment.tracking) {
      booked = { tracking: shipment.tracking, providerId: shipment.provider_id ?? undefined, needsValidation: true };
    } else {
      const found: FoundShipment | null = shipment.attempts > 1 ? await adapter.findByReference(orderId) : null;
      if (found) {
        booked = {
          tracking: found.tracking,
          providerId: found.providerId,
          label: found.label,
          needsValidation: adapter.capabilities.validateStep && found.needsValidation !== false,
          status: found.state?.status,
          raw: found.state?.raw,
        };
      } else {
        const input = await shipmentInput(ctx, adapter, workspaceId, order, courier);
        await ctx.knex('shipments').where({ id: sid }).update({ cod_amount: input.codAmount });
        const created: ShipmentCreated = await adapter.createShipment(input);
        booked = { tracking: created.tracking, providerId: created.providerId, label: created.label, needsValidation: adapter.capabilities.validateStep && created.needsValidation };
      }
      // Keep the tracking before anything else can fail: a later validate failure must not lose the parcel.
      await ctx.knex('shipments').where({ id: sid }).update({
        tracking: booked.tracking,
        provider_id: booked.providerId ?? null,
        label: booked.label && booked.label.kind !== 'pdf' ? JSON.stringify(booked.label) : null,
        needs_validation: booked.needsValidation,
        status: booked.status ?? 'created',
        raw_status: booked.raw ?? null,
        updated_at: ctx.knex.fn.now(),
      });
    }
    if (booked.needsValidation && adapter.validate) {
      // A draft can still be deleted, a validated parcel cannot (Ecotrack, NOEST): an order
      // cancelled while its draft was being created is not validated but cancelled.
      const latest = await ctx.knex('orders').where({ workspace_id: workspaceId, id: orderId }).first('status');
      if (latest?.status === 'cancelled') {
        await ctx.knex('shipments').where({ id: sid }).update({ booking_until: null, updated_at: ctx.knex.fn.now() });
        await enqueueShipmentCancel(ctx, workspaceId, orderId, { tracking: booked.tracking });
        return { kind: 'skipped', reason: 'order cancelled during booking; its parcel is being cancelled' };
      }
      await adapter.validate(booked.tracking);
    }

    await updateShipmentAndEmit(ctx, workspaceId, sid, {
      needs_validation: false,
      status: booked.status && booked.status !== 'created' ? booked.status : adapter.capabilities.validateStep ? 'pending_pickup' : 'created',
      error: null,
      booking_until: null,
      status_at: ctx.knex.fn.now(),
      history: ctx.knex.raw("history || ?::jsonb", [JSON.stringify([{ status: 'booked', at: new Date().toISOString(), source: opts.manual ? 'manual' : 'auto' }])]),
      updated_at: ctx.knex.fn.now(),
    });
    await moveToShipped(ctx, workspaceId, orderId);
    await schedulePoll(ctx, workspaceId, courier);
    return { kind: 'booked', tracking: booked.tracking, order: await getOrder(ctx.knex, workspaceId, orderId) };
  } catch (err) {
    if (isRefusal(err)) {
      await updateShipmentAndEmit(ctx, workspaceId, sid, { status: 'error', error: err.message.slice(0, 1000), booking_until: null, updated_at: ctx.knex.fn.now() });
      return { kind: 'refused', error: err.message, order: await getOrder(ctx.knex, workspaceId, orderId) };
    }
    const words = retryingWords(err, { doing: 'booking', giveUp: 'use "Ship" on the order to try again', finalAttempt: opts.finalAttempt });
    await ctx.knex('shipments').where({ id: sid }).update({ error: words, booking_until: null, updated_at: ctx.knex.fn.now() });
    throw err;
  }
}

/** confirmed → shipped once the courier holds the parcel; already shipped is fine (a retry). */
async function moveToShipped(ctx: AppContext, workspaceId: string, orderId: string): Promise<void> {
  const o = await ctx.knex('orders').where({ workspace_id: workspaceId, id: orderId }).first('status');
  if (o?.status === 'confirmed') await transitionOrder(ctx, workspaceId, orderId, 'shipped', 'courier');
  else if (o?.status === 'cancelled') {
    // Cancelled while the courier was booking it: the parcel exists and the cancel job stops it
    // (or, when the courier cannot cancel, tells the merchant on the shipment to call the courier).
    const s = await ctx.knex('shipments').where({ workspace_id: workspaceId, order_id: orderId }).first('tracking');
    if (s?.tracking) await enqueueShipmentCancel(ctx, workspaceId, orderId, { tracking: s.tracking });
  }
}

/** Splits a full name for couriers that want first/family names; one word fills both (both are required). */
export function splitName(full: string | null | undefined): { firstName: string; lastName: string } {
  const words = (full ?? '').trim().split(/\s+/).filter(Boolean);
  if (!words.length) return { firstName: 'Client', lastName: 'Client' };
  return { firstName: words[0]!, lastName: words.slice(1).join(' ') || words[0]! };
}

/** The parcel we ask for, from the order and the courier's own geography (never guessed at dispatch). */
export async function shipmentInput(ctx: AppContext, adapter: CourierAdapter, workspaceId: string, order: Row, courier: string): Promise<ShipmentInput> {
  const name = adapter.displayName;
  const phone = normalizePhone(order.phone);
  if (!phone.ok) throw new AppError('invalid_input', `The customer's phone number cannot be sent to ${name}: ${phone.reason}`);

  let communeCode: string | null = order.commune_code;
  if (!communeCode && order.delivery_type === 'stopdesk' && order.stopdesk_id) {
    const desk = await ctx.knex('courier_stopdesks').where({ workspace_id: workspaceId, courier, desk_id: order.stopdesk_id }).first('commune_code');
    communeCode = desk?.commune_code ?? null;
  }
  const commune = communeCode ? getCommune(communeCode) : undefined;
  if (!commune) throw new AppError('invalid_input', `The order has no commune ${name} can deliver to: set the customer's commune`);
  const mapped = await courierCommuneFor(ctx, workspaceId, courier, commune.code);
  if (!mapped) {
    throw new AppError('invalid_input', `Commune ${commune.nameFr} is not mapped for ${name}: sync the courier's communes or fix the mapping`);
  }
  if (order.delivery_type === 'stopdesk' && !order.stopdesk_id) {
    throw new AppError('invalid_input', `The order is for stop-desk delivery but names no ${name} desk: pick one`);
  }
  const wilaya = order.wilaya_code ? getWilaya(order.wilaya_code) : undefined;
  const items: Row[] = await ctx.knex('order_items').where({ workspace_id: workspaceId, order_id: order.id }).orderBy('name');
  const description = items.map((i) => `${i.quantity}x ${i.name}${i.variant ? ` (${i.variant})` : ''}`).join(', ').slice(0, 250) || 'Commande';
  const wilayaCode = Number(mapped.wilaya_code) || courierWilayaCode(commune) || (wilaya ? courierWilayaOf(wilaya) : 0);

  return {
    orderRef: order.id,
    recipient: { ...splitName(order.customer_name), phone: phone.local },
    destination: {
      wilayaCode,
      communeCode: commune.code,
      communeName: commune.nameFr,
      courierCommune: {
        name: mapped.courier_commune_name,
        id: mapped.courier_commune_id ?? undefined,
        uuid: mapped.courier_commune_uuid ?? undefined,
        wilayaKey: mapped.courier_wilaya_key ?? undefined,
      },
      address: order.address?.trim() || commune.nameFr,
    },
    deliveryType: order.delivery_type === 'stopdesk' ? 'stopdesk' : 'home',
    stopDeskId: order.delivery_type === 'stopdesk' ? order.stopdesk_id : undefined,
    codAmount: order.total,
    freeShipping: FEE_INSIDE_COD_WITH_FLAG.has(courierDefinition(ctx, courier).id),
    // What the goods sold for: a promo code's discount comes off their value, not the fee.
    declaredValue: order.subtotal - (order.discount ?? 0),
    productDescription: description,
    items: items.map((i) => ({ name: i.name, quantity: i.quantity, unitPrice: i.unit_price })),
  };
}

/**
 * POST /orders/:id/ship: books now, or retries a refused/failed booking after the merchant fixed
 * it. A courier that is down right now hands the retry to the job queue (202 for the caller).
 */
export async function shipOrderByHand(ctx: AppContext, workspaceId: string, orderId: string): Promise<{ outcome: 'booked' | 'refused' | 'retrying'; order: OrderJson }> {
  try {
    const r = await bookShipment(ctx, workspaceId, orderId, { manual: true });
    if (r.kind === 'booked' || r.kind === 'refused') return { outcome: r.kind, order: r.order };
    throw conflict(r.kind === 'already_booked' ? `This order is already booked (tracking ${r.tracking})` : r.reason);
  } catch (err) {
    if (!(err instanceof ProviderError) || !err.retryable) throw err;
    await ctx.jobs.send(BOOK_JOB, { workspaceId, orderId }, { idempotencyKey: `${orderId}:manual:${Date.now()}` });
    return { outcome: 'retrying', order: await getOrder(ctx.knex, workspaceId, orderId) };
  }
}

/** The parcel's label: PDF bytes streamed through us (the courier needs our token) or the courier's URL. */
export async function shipmentLabel(ctx: AppContext, workspaceId: string, orderId: string): Promise<LabelRef> {
  const s = await ctx.knex('shipments').where({ workspace_id: workspaceId, order_id: orderId }).first();
  if (!s?.tracking) throw notFound('Label (the order is not booked with a courier yet)');
  const stored = s.label as LabelRef | null;
  if (stored && stored.kind === 'html_url') return stored;
  if (stored && stored.kind === 'url' && (!stored.expiresAt || Date.parse(stored.expiresAt) > Date.now() + 60_000)) return stored;
  const adapter = await courierAdapter(ctx, workspaceId, s.courier, { timeoutMs: ctx.config.shipping.courierTimeoutMs });
  if (adapter.capabilities.label === 'none') throw notFound(`Label (${adapter.displayName} has no printable label)`);
  const label = await adapter.getLabel(s.tracking);
  if (label.kind !== 'pdf') await ctx.knex('shipments').where({ id: s.id }).update({ label: JSON.stringify(label) });
  return label;
}
