import type { MessageKey } from '../i18n';
import type { Role } from '../types';

export interface NavItem {
  key: string;
  href: string;
  label: MessageKey;
  min: Role;
}

/**
 * The navigation, in display order. A page module adds its entry when it is mounted, so the menu
 * only ever lists pages that exist.
 */
const ORDER = ['dashboard', 'inbox', 'orders', 'leads', 'channels', 'agent', 'catalog', 'promo-codes', 'couriers', 'sheet', 'workspace', 'billing', 'api-keys', 'account'];
export const NAV: NavItem[] = [];

export function addNav(item: NavItem): void {
  if (NAV.some((n) => n.key === item.key)) return;
  NAV.push(item);
  NAV.sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key));
}
