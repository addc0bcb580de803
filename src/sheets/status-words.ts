import { ORDER_STATUSES, type OrderStatus } from '../orders/status';
import { STATUS_LABELS } from './layout';

/**
 * What merchants type in the Status column, in French, Arabic (MSA and Darija) or English, mapped
 * to an order status. Matching ignores case, accents, Arabic diacritics and hamza/ta-marbuta
 * spelling variants, so "Confirmé", "confirmee", "مؤكدة" and "مأكد" all mean confirmed.
 */
const WORDS: Record<OrderStatus, string[]> = {
  pending: ['en attente', 'attente', 'nouveau', 'nouvelle', 'pending', 'new', 'قيد الانتظار', 'في الانتظار', 'انتظار', 'جديد'],
  confirmed: [
    'confirme', 'confirmee', 'confirmer', 'confirmation ok', 'valide', 'validee', 'ok', 'confirmed', 'confirm',
    'مؤكد', 'مؤكدة', 'تم التاكيد', 'تاكيد', 'اكد', 'مأكد', 'مكونفيرمي',
  ],
  shipped: ['expedie', 'expediee', 'envoye', 'envoyee', 'en livraison', 'shipped', 'sent', 'تم الشحن', 'مشحون', 'تم الارسال', 'في الطريق'],
  delivered: ['livre', 'livree', 'delivered', 'تم التوصيل', 'تم التسليم', 'مسلم', 'وصل', 'تم الاستلام'],
  returned: ['retour', 'retourne', 'retournee', 'retour expediteur', 'returned', 'return', 'مرتجع', 'راجع', 'مرجع', 'روتور', 'تم الارجاع'],
  cancelled: ['annule', 'annulee', 'annuler', 'annulation', 'cancelled', 'canceled', 'cancel', 'ملغى', 'ملغي', 'ملغاة', 'الغاء', 'تم الالغاء', 'ملغية'],
  expired: ['expire', 'expiree', 'expired', 'منتهي', 'منتهية'],
};

export function normalizeWord(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // Latin accents
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '') // Arabic diacritics and tatweel
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ؤ/g, 'و')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .toLowerCase()
    .replace(/[.!،,;:()\-_'"]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const INDEX = new Map<string, OrderStatus>();
for (const status of ORDER_STATUSES) {
  for (const w of [...WORDS[status], ...Object.values(STATUS_LABELS).map((l) => l[status])]) INDEX.set(normalizeWord(w), status);
}

/** The status a merchant's cell means, or null when it is not a status word Wakil knows. */
export function parseStatusWord(cell: string): OrderStatus | null {
  const n = normalizeWord(cell);
  if (!n) return null;
  return INDEX.get(n) ?? null;
}

/** Two cell values that read the same for a merchant (case, accents, spacing). */
export function sameWord(a: string | null | undefined, b: string | null | undefined): boolean {
  return normalizeWord(a ?? '') === normalizeWord(b ?? '');
}
