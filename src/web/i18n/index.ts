import { ar } from './ar';
import { en, type MessageKey, type Messages } from './en';
import { fr } from './fr';

export type Locale = 'fr' | 'ar' | 'en';
export type { MessageKey };

const MESSAGES: Record<Locale, Messages> = { fr, ar, en };
/** Algerian conventions for numbers and the dinar; English falls back to British grouping. */
const INTL_TAG: Record<Locale, string> = { fr: 'fr-DZ', ar: 'ar-DZ', en: 'en-GB' };

export interface I18n {
  locale: Locale;
  dir: 'ltr' | 'rtl';
  /** The "go back" arrow in the reading direction: ← in French and English, → in Arabic. */
  backArrow: '←' | '→';
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  number: (n: number) => string;
  dzd: (n: number) => string;
  date: (d: Date | string | null | undefined) => string;
  /** A calendar day 'YYYY-MM-DD' as "12 nov." (no time, no time-zone shift). */
  day: (isoDay: string) => string;
}

export function asLocale(v: unknown): Locale {
  return v === 'ar' || v === 'en' ? v : 'fr';
}

const cache = new Map<Locale, I18n>();

export function i18n(localeIn: unknown): I18n {
  const locale = asLocale(localeIn);
  const hit = cache.get(locale);
  if (hit) return hit;
  const messages = MESSAGES[locale];
  const num = new Intl.NumberFormat(INTL_TAG[locale]);
  const money = new Intl.NumberFormat(INTL_TAG[locale], { style: 'currency', currency: 'DZD', maximumFractionDigits: 0, minimumFractionDigits: 0 });
  const dt = new Intl.DateTimeFormat(INTL_TAG[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Africa/Algiers' });
  const dayFmt = new Intl.DateTimeFormat(INTL_TAG[locale], { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const made: I18n = {
    locale,
    dir: locale === 'ar' ? 'rtl' : 'ltr',
    backArrow: locale === 'ar' ? '→' : '←',
    t: (key, vars) => {
      const s = messages[key] ?? en[key] ?? key;
      return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
    },
    number: (n) => num.format(n),
    dzd: (n) => money.format(n),
    date: (d) => (d ? dt.format(new Date(d)) : ''),
    day: (isoDay) => dayFmt.format(new Date(`${isoDay}T00:00:00Z`)),
  };
  cache.set(locale, made);
  return made;
}
