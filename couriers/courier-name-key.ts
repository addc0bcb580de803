import { foldText } from './contract';

/**
 * Key for matching a commune/wilaya name against a courier's own list: case, accents, apostrophes,
 * hyphens and spaces ignored ("M’Sila" = "MSila", "Aït Smaïl" = "Ait Smail"). Exact on that key,
 * never fuzzy: a miss is reported to the merchant rather than guessed (reference/couriers.md §9).
 */
export function nameKey(s: string): string {
  return foldText(s).replace(/[^a-z0-9]/g, '');
}

/** Local Algerian number (0XXXXXXXXX) → +213XXXXXXXXX; anything else is passed through trimmed. */
export function toInternationalDz(phone: string): string {
  const p = phone.replace(/[\s.-]/g, '');
  if (/^0\d{8,9}$/.test(p)) return `+213${p.slice(1)}`;
  if (/^213\d{8,9}$/.test(p)) return `+${p}`;
  return p;
}
