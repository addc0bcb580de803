import { LEAD_STATUSES, type LeadStatus } from '../leads/status';
import { ORDER_STATUSES, type OrderStatus } from '../orders/status';
import { LEAD_STATUS_LABELS, STATUS_LABELS, type Language } from './layout';

/**
 * What merchants type in a Status column, in French, Arabic (MSA and Darija) or English, mapped
 * to an order or a lead status. Matching ignores case, accents, Arabic diacritics and hamza/ta-marbuta
 * spelling variants, so "Confirmé", "confirmee", "مؤكدة" and "مأكد" all mean confirmed.
 * Orders and leads are two vocabularies ("Nouveau" is a pending order but a new lead).
 */
const ORDER_WORDS: Record<OrderStatus, string[]> = {
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

const LEAD_WORDS: Record<LeadStatus, string[]> = {
  new: ['nouveau', 'nouvelle', 'new', 'جديد', 'جديدة'],
  contacted: [
    'contacte', 'contactee', 'appele', 'appelee', 'rappele', 'rappelee', 'contacted', 'called',
    'تم التواصل', 'تم الاتصال', 'تواصلنا', 'اتصلنا', 'عيطنا', 'عيطتلو', 'كلمناه',
  ],
  converted: [
    'converti', 'convertie', 'vendu', 'vendue', 'commande', 'commandee', 'converted', 'sold', 'ordered',
    'تحول الى طلب', 'تحول لطلب', 'تم البيع', 'تم الطلب', 'مباع', 'طلب',
  ],
  lost: [
    'perdu', 'perdue', 'abandonne', 'abandonnee', 'pas interesse', 'pas interessee', 'annule', 'annulee', 'lost', 'not interested', 'cancelled',
    'ضائع', 'ضايع', 'خاسر', 'غير مهتم', 'ماحبش', 'ملغى', 'ملغي',
  ],
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

/** Every spelling we accept plus every label Wakil writes, in every language, normalised. */
function indexWords<S extends string>(statuses: readonly S[], words: Record<S, string[]>, labels: Record<Language, Record<S, string>>): Map<string, S> {
  const index = new Map<string, S>();
  for (const status of statuses) {
    for (const w of [...words[status], ...Object.values(labels).map((l) => l[status])]) index.set(normalizeWord(w), status);
  }
  return index;
}

const ORDER_INDEX = indexWords(ORDER_STATUSES, ORDER_WORDS, STATUS_LABELS);
const LEAD_INDEX = indexWords(LEAD_STATUSES, LEAD_WORDS, LEAD_STATUS_LABELS);

function lookup<S>(index: Map<string, S>, cell: string): S | null {
  const n = normalizeWord(cell);
  return n ? (index.get(n) ?? null) : null;
}

/** The order status a merchant's cell means, or null when it is not a status word Wakil knows. */
export function parseStatusWord(cell: string): OrderStatus | null {
  return lookup(ORDER_INDEX, cell);
}

/** The lead status a merchant's cell in the Leads tab means, or null. */
export function parseLeadStatusWord(cell: string): LeadStatus | null {
  return lookup(LEAD_INDEX, cell);
}

/** Two cell values that read the same for a merchant (case, accents, spacing). */
export function sameWord(a: string | null | undefined, b: string | null | undefined): boolean {
  return normalizeWord(a ?? '') === normalizeWord(b ?? '');
}
