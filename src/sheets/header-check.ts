import { columnLetter, leadHeader, orderHeader, type Language } from './layout';
import { normalizeWord } from './status-words';

export type TabKind = 'orders' | 'leads';

/**
 * - ok: every header Wakil recognises is in its own column (renamed or blank header cells are fine:
 *   they move nothing).
 * - empty: the header row is blank (cleared by hand): Wakil writes it again.
 * - moved: a recognised header sits in another column (columns dragged, inserted or deleted):
 *   writing by position would put values under the wrong headers.
 */
export type HeaderState = 'ok' | 'empty' | 'moved';

const LANGUAGES: Language[] = ['fr', 'ar', 'en'];
const headerOf = (kind: TabKind, lang: Language) => (kind === 'orders' ? orderHeader(lang) : leadHeader(lang));

/**
 * Normalised header text → its column (0-based), over every language: a merchant who switches
 * the workspace language keeps a sheet whose header is in the old one, which is not a move.
 */
function knownColumns(kind: TabKind): Map<string, number> {
  const known = new Map<string, number>();
  for (const lang of LANGUAGES) headerOf(kind, lang).forEach((h, i) => known.set(normalizeWord(h), i));
  return known;
}

const KNOWN: Record<TabKind, Map<string, number>> = { orders: knownColumns('orders'), leads: knownColumns('leads') };

export function checkHeader(kind: TabKind, row: readonly unknown[]): HeaderState {
  const cells = row.map((c) => normalizeWord(String(c ?? '')));
  if (cells.every((c) => c === '')) return 'empty';
  const known = KNOWN[kind];
  return cells.some((c, i) => known.has(c) && known.get(c) !== i) ? 'moved' : 'ok';
}

const MOVED: Record<Language, (tab: string, order: string) => string> = {
  fr: (tab, order) =>
    `Les colonnes de l'onglet « ${tab} » ont été déplacées : Wakil n'y écrit plus, pour ne rien mettre dans la mauvaise colonne. ` +
    `Remettez les colonnes dans cet ordre : ${order}. La synchronisation reprend dès que l'ordre est rétabli.`,
  ar: (tab, order) =>
    `تم تغيير ترتيب أعمدة الورقة «${tab}»: توقف وكيل عن الكتابة فيها حتى لا يضع أي قيمة في العمود الخطأ. ` +
    `أعد الأعمدة بهذا الترتيب: ${order}. تستأنف المزامنة بمجرد إعادة الترتيب.`,
  en: (tab, order) =>
    `The columns of the tab "${tab}" were moved: Wakil stopped writing to it so that nothing lands in the wrong column. ` +
    `Put the columns back in this order: ${order}. Syncing resumes as soon as the order is restored.`,
};

/** What the settings page shows: which tab, and the expected columns from A on, in the merchant's language. */
export function columnsMovedMessage(kind: TabKind, tab: string, lang: Language): string {
  const order = headerOf(kind, lang).map((h, i) => `${columnLetter(i + 1)} ${h}`).join(', ');
  return MOVED[lang](tab, order);
}
