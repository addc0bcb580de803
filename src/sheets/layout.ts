import type { LeadStatus } from '../leads/status';
import type { OrderStatus } from '../orders/status';

/**
 * The sheet's column layout. Stable on purpose: the order id is column A (rows are found by it, not
 * by position), Status and Note are the merchant's to edit. Adding a column means appending it at
 * the end, never inserting, or existing sheets shift under the merchant.
 */
export type Language = 'fr' | 'ar' | 'en';

export const ORDER_COLUMNS = [
  'id', 'date', 'status', 'customer', 'phone', 'wilaya', 'commune', 'address', 'items', 'total',
  'delivery', 'courier', 'tracking', 'note',
] as const;
export const LEAD_COLUMNS = ['id', 'date', 'status', 'customer', 'phone', 'wilaya', 'interest'] as const;

/** 1-based column numbers the code depends on. */
export const COL = { id: 1, status: 3, note: ORDER_COLUMNS.length } as const;

type OrderHeader = Record<(typeof ORDER_COLUMNS)[number], string>;
type LeadHeader = Record<(typeof LEAD_COLUMNS)[number], string>;

const ORDER_HEADERS: Record<Language, OrderHeader> = {
  fr: {
    id: 'ID commande', date: 'Date', status: 'Statut', customer: 'Client', phone: 'Téléphone', wilaya: 'Wilaya',
    commune: 'Commune', address: 'Adresse', items: 'Articles', total: 'Total (DZD)', delivery: 'Livraison',
    courier: 'Transporteur', tracking: 'Suivi', note: 'Note',
  },
  ar: {
    id: 'رقم الطلب', date: 'التاريخ', status: 'الحالة', customer: 'الزبون', phone: 'الهاتف', wilaya: 'الولاية',
    commune: 'البلدية', address: 'العنوان', items: 'المنتجات', total: 'المجموع (دج)', delivery: 'نوع التوصيل',
    courier: 'شركة التوصيل', tracking: 'رقم التتبع', note: 'ملاحظة',
  },
  en: {
    id: 'Order ID', date: 'Date', status: 'Status', customer: 'Customer', phone: 'Phone', wilaya: 'Wilaya',
    commune: 'Commune', address: 'Address', items: 'Items', total: 'Total (DZD)', delivery: 'Delivery',
    courier: 'Courier', tracking: 'Tracking', note: 'Note',
  },
};

const LEAD_HEADERS: Record<Language, LeadHeader> = {
  fr: { id: 'ID prospect', date: 'Date', status: 'Statut', customer: 'Client', phone: 'Téléphone', wilaya: 'Wilaya', interest: 'Intérêt' },
  ar: { id: 'رقم العميل المحتمل', date: 'التاريخ', status: 'الحالة', customer: 'الزبون', phone: 'الهاتف', wilaya: 'الولاية', interest: 'الاهتمام' },
  en: { id: 'Lead ID', date: 'Date', status: 'Status', customer: 'Customer', phone: 'Phone', wilaya: 'Wilaya', interest: 'Interest' },
};

export function asLanguage(value: unknown): Language {
  return value === 'ar' || value === 'en' ? value : 'fr';
}

export function orderHeader(lang: Language): string[] {
  return ORDER_COLUMNS.map((c) => ORDER_HEADERS[lang][c]);
}

export function leadHeader(lang: Language): string[] {
  return LEAD_COLUMNS.map((c) => LEAD_HEADERS[lang][c]);
}

/** What Wakil writes in the Status column. The parser (status-words.ts) reads all of these back. */
export const STATUS_LABELS: Record<Language, Record<OrderStatus, string>> = {
  fr: { pending: 'En attente', confirmed: 'Confirmée', shipped: 'Expédiée', delivered: 'Livrée', returned: 'Retournée', cancelled: 'Annulée', expired: 'Expirée' },
  ar: { pending: 'قيد الانتظار', confirmed: 'مؤكد', shipped: 'تم الشحن', delivered: 'تم التوصيل', returned: 'مرتجع', cancelled: 'ملغى', expired: 'منتهي' },
  en: { pending: 'Pending', confirmed: 'Confirmed', shipped: 'Shipped', delivered: 'Delivered', returned: 'Returned', cancelled: 'Cancelled', expired: 'Expired' },
};

export function statusLabel(lang: Language, status: string): string {
  return (STATUS_LABELS[lang] as Record<string, string>)[status] ?? status;
}

/** What Wakil writes in the Leads tab's Status column; status-words.ts reads these back too. */
export const LEAD_STATUS_LABELS: Record<Language, Record<LeadStatus, string>> = {
  fr: { new: 'Nouveau', contacted: 'Contacté', converted: 'Converti', lost: 'Perdu' },
  ar: { new: 'جديد', contacted: 'تم التواصل', converted: 'تحول إلى طلب', lost: 'ضائع' },
  en: { new: 'New', contacted: 'Contacted', converted: 'Converted', lost: 'Lost' },
};

export function leadStatusLabel(lang: Language, status: string): string {
  return (LEAD_STATUS_LABELS[lang] as Record<string, string>)[status] ?? status;
}

const DELIVERY_LABELS: Record<Language, Record<string, string>> = {
  fr: { home: 'À domicile', stopdesk: 'Stop desk' },
  ar: { home: 'إلى المنزل', stopdesk: 'نقطة استلام' },
  en: { home: 'Home', stopdesk: 'Stop desk' },
};

export function deliveryLabel(lang: Language, type: string): string {
  return DELIVERY_LABELS[lang][type] ?? type;
}

const PROMO_LABELS: Record<Language, string> = { fr: 'code promo', ar: 'كود التخفيض', en: 'promo code' };

/**
 * A promo code rides in the Items cell ("…, code promo SOLDE10 −350 DA"), not a column of its
 * own: a new column would have to go after Note, where merchants' own columns often already are.
 */
export function promoLabel(lang: Language, code: string, discount: number): string {
  return `${PROMO_LABELS[lang]} ${code} −${discount} DA`;
}

/** Dates in Algeria's time zone, as a merchant reads them: 2026-11-23 14:05. */
export function sheetDate(d: Date | string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Africa/Algiers', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(d));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A tab title inside an A1 range: always quoted, inner quotes doubled. */
export function a1Tab(title: string): string {
  return `'${title.replace(/'/g, "''")}'`;
}

export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

/** First row number of an A1 range such as `'Orders'!A5:N7` (append's updates.updatedRange). */
export function firstRowOf(range: string | null | undefined): number | null {
  const m = /!\$?[A-Z]+\$?(\d+)/.exec(range ?? '');
  return m ? Number(m[1]) : null;
}
