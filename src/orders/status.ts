import { conflict } from '../errors';

export const ORDER_STATUSES = ['pending', 'confirmed', 'shipped', 'delivered', 'returned', 'cancelled', 'expired'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The one table of allowed order transitions. Cash on delivery: an order is `pending` until the
 * customer confirms; `expired` is a pending order nobody confirmed. A shipped order can still be
 * cancelled while its parcel waits at the merchant for pickup (transitionOrder checks the parcel
 * with `parcelAwaitsPickup`; the courier parcel is then cancelled by a job). Terminal: delivered,
 * returned, cancelled, expired.
 */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled', 'expired'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['delivered', 'returned', 'cancelled'],
  delivered: [],
  returned: [],
  cancelled: [],
  expired: [],
};

export const CLOSED: readonly OrderStatus[] = ['delivered', 'returned', 'cancelled', 'expired'];
export const UNSHIPPED: readonly OrderStatus[] = ['pending', 'confirmed'];

/**
 * Shipment statuses of a parcel still at the merchant's: booked or validated but not collected
 * ('created', 'pending_pickup'), or a booking still in progress or stopped on an error.
 */
const AT_MERCHANT: ReadonlySet<string> = new Set(['created', 'pending_pickup', 'booking', 'error']);

/**
 * Whether a booked order's parcel is still at the merchant's (or was never created). Only then can
 * a shipped order be cancelled; after pickup it is refused at the door and comes back `returned`.
 */
export function parcelAwaitsPickup(shipment: { status: string; tracking: string | null } | null | undefined): boolean {
  return !shipment || !shipment.tracking || AT_MERCHANT.has(shipment.status);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    const allowed = NEXT[from];
    throw conflict(
      `An order that is ${from} cannot become ${to}` + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it is final)'),
      { from, to, allowed },
    );
  }
}
