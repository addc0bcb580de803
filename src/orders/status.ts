import { conflict } from '../errors';

export const ORDER_STATUSES = ['pending', 'confirmed', 'shipped', 'delivered', 'returned', 'cancelled', 'expired'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The one table of allowed order transitions. Cash on delivery: an order is `pending` until the
 * customer confirms; only unshipped orders can be cancelled; `expired` is a pending order nobody
 * confirmed. Terminal: delivered, returned, cancelled, expired.
 */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled', 'expired'],
  confirmed: ['shipped', 'cancelled'],
  shipped: ['delivered', 'returned'],
  delivered: [],
  returned: [],
  cancelled: [],
  expired: [],
};

export const CLOSED: readonly OrderStatus[] = ['delivered', 'returned', 'cancelled', 'expired'];
export const UNSHIPPED: readonly OrderStatus[] = ['pending', 'confirmed'];

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
