import { COMMUNE_ALIASES, WILAYA_ALIASES } from './aliases';
import { courierWilayaCode, courierWilayaOf, getWilaya, listCommunes, listWilayas, type Commune, type Wilaya } from './algeria';
import { GramIndex } from './gram-index';
import { arabicKeys, asciiDigits, hasArabic, latinKeys, skeleton, transliterate, type NameKeys } from './normalize';
import { histogram, similarityWithin } from './similarity';

/**
 * Free text → wilaya / commune. Every name is normalised once into keys (French, Arabic, a Latin
 * reading of the Arabic, aliases); a query is normalised the same way and scored against all keys
 * with Damerau-Levenshtein similarity plus prefix and containment rules. The decision is
 * conservative: a "match" needs a high score and a clear gap to the next place, because a wrong
 * commune means a parcel sent to the wrong town.
 */

export interface WilayaMatch {
  code: string;
  nameFr: string;
  nameAr: string;
  /** 1..58: the number couriers take (the parent for 59..69). */
  courierWilaya: number;
  score: number;
}

export interface CommuneMatch {
  code: string;
  nameFr: string;
  nameAr: string;
  /** Today's wilaya ('01'..'69'). */
  wilaya: string;
  wilayaNameFr: string;
  /** Former wilaya for the 108 communes moved in 2026, else null. */
  wilayaBefore: string | null;
  /** 1..58: the wilaya number couriers take for this commune. */
  courierWilaya: number;
  score: number;
}

export type WilayaResolution =
  | { kind: 'match'; wilaya: WilayaMatch; message: string; ranked: WilayaMatch[] }
  | { kind: 'ambiguous'; candidates: WilayaMatch[]; message: string; ranked: WilayaMatch[] }
  | { kind: 'not_found'; suggestions: WilayaMatch[]; message: string; ranked: WilayaMatch[] };

export type CommuneResolution = (
  | { kind: 'match'; commune: CommuneMatch }
  | { kind: 'ambiguous'; candidates: CommuneMatch[] }
  | { kind: 'not_found'; suggestions: CommuneMatch[] }
) & {
  message: string;
  /** The wilaya the search was restricted to, when one was given and understood. */
  wilaya: WilayaMatch | null;
  /** Best-first scored communes (up to 10), whatever the decision. */
  ranked: CommuneMatch[];
};

/** Below this nothing is proposed; from here to MATCH the best places are offered, never chosen. */
const FLOOR = 0.6;
const MATCH = 0.8;
/** A match must beat the next different place by this much. */
const GAP = 0.06;
const MAX_QUERY = 120;
/** How many names, picked by shared bigrams, get a full comparison when no wilaya narrows the search. */
const CANDIDATES = 200;

interface Key {
  full: string;
  core: string;
  coreTokens: string[];
  skel: string;
  weight: number;
  hFull: Uint8Array;
  hCore: Uint8Array;
  hSkel: Uint8Array;
}

interface Entry<T> {
  item: T;
  latin: Key[];
  arabic: Key[];
}

interface Query {
  latin: Key | null;
  arabic: Key | null;
}

function toKey(k: NameKeys, weight: number): Key | null {
  const full = k.full.join('');
  const core = k.core.join('');
  if (!full && !core) return null;
  const skel = skeleton(core);
  return { full, core, coreTokens: k.core, skel, weight, hFull: histogram(full), hCore: histogram(core), hSkel: histogram(skel) };
}

function latinKey(name: string, weight: number): Key | null {
  return toKey(latinKeys(name), weight);
}

function buildEntry<T>(item: T, names: { fr: string[]; ar: string[]; aliases: string[] }): Entry<T> {
  const latin: Key[] = [];
  const arabic: Key[] = [];
  const push = (list: Key[], k: Key | null) => {
    if (k && !list.some((o) => o.full === k.full && o.core === k.core && o.weight >= k.weight)) list.push(k);
  };
  for (const n of names.fr) push(latin, latinKey(n, 1));
  for (const n of names.ar) {
    push(arabic, toKey(arabicKeys(n), 1));
    // The Latin reading of the Arabic is a guess: it must not outrank an official spelling.
    push(latin, latinKey(transliterate(n), 0.95));
  }
  for (const n of names.aliases) {
    if (hasArabic(n)) push(arabic, toKey(arabicKeys(n), 0.98));
    else push(latin, latinKey(n, 0.98));
  }
  return { item, latin, arabic };
}

function parseQuery(text: string): Query {
  const latin = latinKey(text, 1);
  const ar = hasArabic(text) ? toKey(arabicKeys(text), 1) : null;
  return { latin: latin && latin.full ? latin : null, arabic: ar };
}

function tokensContain(hay: string[], needle: string[]): boolean {
  if (needle.length === 0 || needle.length >= hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Scores below 0.5 are never shown, so OSA may stop early. */
const SCORE_FLOOR = 0.5;

function scoreKey(q: Key, e: Key, atLeast: number): number {
  // Scores are scaled by the key's weight: only a raw similarity above this can raise the entry's best.
  const need = Math.max(SCORE_FLOOR, atLeast / e.weight);
  let s = similarityWithin(q.core, q.hCore, e.core, e.hCore, need);
  if (q.full !== q.core || e.full !== e.core) s = Math.max(s, similarityWithin(q.full, q.hFull, e.full, e.hFull, need));
  if (s === 1) return e.weight;
  // "bir mourad" → Bir Mourad Raïs; "tizi" → Tizi Ouzou. Below an exact hit, above a typo.
  if (q.core.length >= 4 && e.core.length > q.core.length && e.core.startsWith(q.core)) {
    s = Math.max(s, 0.78 + (0.17 * q.core.length) / e.core.length);
  }
  // "bab ezzouar alger", "cité 5 juillet bab ezzouar": the name inside a longer text.
  if (e.core.length >= 4 && tokensContain(q.coreTokens, e.coreTokens)) {
    s = Math.max(s, 0.7 + (0.25 * e.core.length) / q.core.length);
  }
  // Vowels are where Darija and French spellings differ (setif / stif): a consonant match is a hint.
  if (q.skel.length >= 3 && e.skel.length >= 3 && s < 0.88) {
    s = Math.max(s, 0.88 * similarityWithin(q.skel, q.hSkel, e.skel, e.hSkel, Math.max(0.8, s / 0.88)));
  }
  return s * e.weight;
}

function scoreEntry<T>(q: Query, e: Entry<T>): number {
  let best = 0;
  if (q.latin) for (const k of e.latin) best = Math.max(best, scoreKey(q.latin, k, best));
  if (q.arabic) for (const k of e.arabic) best = Math.max(best, scoreKey(q.arabic, k, best));
  return best;
}

// ---- indexes (built on first use) ----

let wilayaIndex: Entry<Wilaya>[] | null = null;
let communeIndex: { entries: Entry<Commune>[]; grams: GramIndex } | null = null;

function wilayaEntries(): Entry<Wilaya>[] {
  return (wilayaIndex ??= listWilayas().map((w) =>
    buildEntry(w, { fr: [w.nameFr], ar: [w.nameAr], aliases: WILAYA_ALIASES[w.code] ?? [] }),
  ));
}

function keyStrings(keys: (Key | null)[]): string[] {
  return keys.flatMap((k) => (k ? [k.full, k.core, k.skel] : []));
}

function communeEntries() {
  if (communeIndex) return communeIndex;
  const seatAliases = new Map<string, string[]>();
  for (const w of listWilayas()) {
    if (w.seat) seatAliases.set(w.seat, WILAYA_ALIASES[w.code] ?? []);
  }
  const entries = listCommunes().map((c) =>
    buildEntry(c, {
      fr: [c.nameFr],
      ar: [c.nameAr],
      aliases: [...(COMMUNE_ALIASES[c.code] ?? []), ...(seatAliases.get(c.code) ?? [])],
    }),
  );
  communeIndex = { entries, grams: new GramIndex(entries.map((e) => keyStrings([...e.latin, ...e.arabic]))) };
  return communeIndex;
}

/** Builds the indexes now rather than on the first customer message (optional). */
export function warmGeoIndex(): void {
  wilayaEntries();
  communeEntries();
}

// ---- shaping ----

function wilayaMatch(w: Wilaya, score: number): WilayaMatch {
  return { code: w.code, nameFr: w.nameFr, nameAr: w.nameAr, courierWilaya: courierWilayaOf(w), score: round(score) };
}

function communeMatch(c: Commune, score: number): CommuneMatch {
  return {
    code: c.code,
    nameFr: c.nameFr,
    nameAr: c.nameAr,
    wilaya: c.wilaya,
    wilayaNameFr: getWilaya(c.wilaya)!.nameFr,
    wilayaBefore: c.wilayaBefore,
    courierWilaya: courierWilayaCode(c),
    score: round(score),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function rank<T>(entries: Entry<T>[], q: Query): { item: T; score: number }[] {
  const out: { item: T; score: number }[] = [];
  for (const e of entries) {
    const score = scoreEntry(q, e);
    if (score >= 0.5) out.push({ item: e.item, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

type Decision = 'match' | 'ambiguous' | 'not_found';

function decide(ranked: { score: number }[]): Decision {
  const top = ranked[0];
  if (!top || top.score < FLOOR) return 'not_found';
  const second = ranked[1]?.score ?? 0;
  if (top.score >= MATCH && top.score - second >= GAP) return 'match';
  // An exact (normalised) name beats near spellings, but not another exact one (homonyms).
  if (top.score >= 0.98 && second < top.score - 0.001 && second < 0.98) return 'match';
  return 'ambiguous';
}

function closeOnes<T extends { score: number }>(ranked: T[]): T[] {
  const top = ranked[0]?.score ?? 0;
  return ranked.filter((r) => r.score >= Math.max(FLOOR, top - 0.15)).slice(0, 6);
}

function quote(s: string): string {
  return `'${s.replace(/\s+/g, ' ').trim().slice(0, 60)}'`;
}

const wilayaLabel = (w: { code: string; nameFr: string }) => `${w.code} ${w.nameFr}`;

function communeLabel(c: CommuneMatch, withWilaya: boolean): string {
  return withWilaya ? `${c.nameFr} (${c.code}, wilaya ${wilayaLabel({ code: c.wilaya, nameFr: c.wilayaNameFr })})` : `${c.nameFr} (${c.code})`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function reformNote(c: CommuneMatch): string {
  if (!c.wilayaBefore) return '';
  const before = getWilaya(c.wilayaBefore)!;
  return `; since the 2026 reform it is in wilaya ${wilayaLabel({ code: c.wilaya, nameFr: c.wilayaNameFr })}, couriers still file it under wilaya ${wilayaLabel(before)}`;
}

// ---- wilayas ----

// "16", "w16", "W 16", "wilaya 16", "16 - Alger", "ولاية ١٦"; a digit glued to letters is Arabizi (3in).
const WILAYA_NUMBER = /(?<![\p{L}\d])(?:w|wil|wilaya|wilayat|ولاية)?\s*[#°:.-]?\s*(\d{1,2})(?![\p{L}\d])/giu;

/** Resolves "16", "w16", "Alger", "dzayer", "الجزائر", "16 - Alger" to one of the 69 wilayas. */
export function resolveWilaya(text: string): WilayaResolution {
  const input = asciiDigits(String(text ?? '')).slice(0, MAX_QUERY);
  let byNumber: Wilaya | undefined;
  let badNumber: string | undefined;
  const rest = input.replace(WILAYA_NUMBER, (m, n: string) => {
    const w = getWilaya(n);
    if (w && !byNumber) byNumber = w;
    else if (!w) badNumber = n;
    return ' ';
  });
  const q = parseQuery(rest);
  const hasName = !!(q.latin || q.arabic);
  const scored = hasName ? rank(wilayaEntries(), q) : [];
  const ranked = scored.slice(0, 10).map((r) => wilayaMatch(r.item, r.score));
  const decision = decide(scored);

  if (byNumber) {
    const num = wilayaMatch(byNumber, 1);
    const named = ranked[0];
    if (!hasName || decision === 'not_found' || named?.code === num.code) {
      return { kind: 'match', wilaya: num, message: `wilaya ${wilayaLabel(num)}`, ranked: [num, ...ranked.filter((r) => r.code !== num.code)] };
    }
    if (decision === 'match' && named) {
      const candidates = [num, named];
      return {
        kind: 'ambiguous',
        candidates,
        message: `wilaya number ${num.code} is ${num.nameFr} but ${quote(rest)} is wilaya ${wilayaLabel(named)}: ask the customer which one`,
        ranked: candidates,
      };
    }
    return { kind: 'match', wilaya: num, message: `wilaya ${wilayaLabel(num)}`, ranked: [num, ...ranked.filter((r) => r.code !== num.code)] };
  }

  if (decision === 'match') return { kind: 'match', wilaya: ranked[0]!, message: `wilaya ${wilayaLabel(ranked[0]!)}`, ranked };
  if (decision === 'ambiguous') {
    const candidates = closeOnes(ranked);
    return {
      kind: 'ambiguous',
      candidates,
      message: `wilaya ${quote(input)} is ambiguous: ${orList(candidates.map(wilayaLabel))}. Ask the customer which one`,
      ranked,
    };
  }
  const suggestions = ranked.slice(0, 3);
  let message = badNumber
    ? `there is no wilaya number ${badNumber}: wilayas are numbered 01 to 69`
    : `no wilaya matches ${quote(input)}`;
  // Customers often name their town instead of the wilaya.
  if (hasName) {
    const asCommune = resolveCommune(rest);
    if (asCommune.kind === 'match' && asCommune.commune.score >= 0.9) {
      const c = asCommune.commune;
      const w = wilayaMatch(getWilaya(c.wilaya)!, c.score);
      suggestions.unshift(w);
      message += `; ${c.nameFr} is a commune of wilaya ${wilayaLabel(w)}`;
    }
  }
  if (suggestions.length && !message.includes('is a commune')) message += `. Closest: ${orList(suggestions.map(wilayaLabel))}`;
  return { kind: 'not_found', suggestions: dedupe(suggestions), message, ranked };
}

function dedupe<T extends { code: string }>(list: T[]): T[] {
  return list.filter((x, i) => list.findIndex((y) => y.code === x.code) === i);
}

// ---- communes ----

/**
 * Ranked communes for a text, best first. With `wilaya` (code or free text that resolves to one
 * wilaya), only that wilaya's communes, counting both today's and the pre-2026 wilaya.
 */
export function searchCommunes(text: string, opts: { wilaya?: string | number; limit?: number } = {}): CommuneMatch[] {
  const w = opts.wilaya === undefined || opts.wilaya === '' ? null : filterWilaya(opts.wilaya);
  return scoreCommunes(String(text ?? ''), w)
    .slice(0, opts.limit ?? 10)
    .map((r) => communeMatch(r.item, r.score));
}

function filterWilaya(wilaya: string | number): Wilaya | null {
  const direct = getWilaya(wilaya);
  if (direct) return direct;
  const r = resolveWilaya(String(wilaya));
  return r.kind === 'match' ? getWilaya(r.wilaya.code)! : null;
}

function inWilaya(c: Commune, w: Wilaya): boolean {
  return c.wilaya === w.code || c.wilayaBefore === w.code;
}

function scoreCommunes(text: string, w: Wilaya | null) {
  const q = parseQuery(text.slice(0, MAX_QUERY));
  if (!q.latin && !q.arabic) return [];
  const { entries, grams } = communeEntries();
  if (w) return rank(entries.filter((e) => inWilaya(e.item, w)), q);
  return rank(grams.candidates(keyStrings([q.latin, q.arabic]), CANDIDATES).map((i) => entries[i]!), q);
}

/**
 * Resolves a commune the customer typed. With `wilaya` given (a code, or text such as "Alger" or
 * "w16"), the search stays in that wilaya (today's or the pre-2026 one), and when the commune is
 * plainly in another wilaya the message says so. Homonyms without a wilaya are ambiguous.
 */
export function resolveCommune(text: string, opts: { wilaya?: string | number } = {}): CommuneResolution {
  const raw = String(text ?? '');
  let restrict: Wilaya | null = null;
  let wilayaNote = '';
  if (opts.wilaya !== undefined && String(opts.wilaya).trim() !== '') {
    restrict = filterWilaya(opts.wilaya);
    if (!restrict) wilayaNote = `wilaya ${quote(String(opts.wilaya))} was not understood, so all wilayas were searched. `;
  }
  const wilaya = restrict ? wilayaMatch(restrict, 1) : null;
  const scored = scoreCommunes(raw, restrict);
  const ranked = scored.slice(0, 10).map((r) => communeMatch(r.item, r.score));
  const decision = decide(scored);
  const where = restrict ? ` in wilaya ${wilayaLabel(restrict)}` : '';

  if (decision === 'match') {
    const c = ranked[0]!;
    return {
      kind: 'match',
      commune: c,
      message: `${wilayaNote}commune ${communeLabel(c, true)}${reformNote(c)}`,
      wilaya,
      ranked,
    };
  }

  // Restricted and not clearly found: is it plainly a commune of another wilaya?
  if (restrict && (decision === 'not_found' || (ranked[0]?.score ?? 0) < MATCH)) {
    const global = scoreCommunes(raw, null);
    const g = global[0];
    if (g && decide(global) === 'match' && g.score >= 0.9 && !inWilaya(g.item, restrict)) {
      const other = communeMatch(g.item, g.score);
      const suggestions = [other, ...ranked.slice(0, 3)];
      return {
        kind: 'not_found',
        suggestions,
        message: `${quote(raw)} is not a commune of wilaya ${wilayaLabel(restrict)}: ${communeLabel(other, true)} is in another wilaya. Check the wilaya with the customer`,
        wilaya,
        ranked,
      };
    }
  }

  if (decision === 'ambiguous') {
    const candidates = closeOnes(ranked);
    if (candidates.length === 1) {
      const only = candidates[0]!;
      return {
        kind: 'ambiguous',
        candidates,
        message: `${wilayaNote}commune ${quote(raw)} is not certain${where}: did you mean ${communeLabel(only, !restrict)}? Confirm with the customer`,
        wilaya,
        ranked,
      };
    }
    const spansWilayas = new Set(candidates.map((c) => c.wilaya)).size > 1;
    const tail = spansWilayas && !restrict ? 'Ask the customer for the wilaya' : 'Ask the customer which one';
    return {
      kind: 'ambiguous',
      candidates,
      message: `${wilayaNote}commune ${quote(raw)} is ambiguous${where}: ${orList(candidates.map((c) => communeLabel(c, !restrict)))}. ${tail}`,
      wilaya,
      ranked,
    };
  }

  const suggestions = ranked.slice(0, 5);
  const empty = !parseQuery(raw.slice(0, MAX_QUERY)).latin && !parseQuery(raw.slice(0, MAX_QUERY)).arabic;
  const message = empty
    ? `${wilayaNote}no commune name given`
    : `${wilayaNote}no commune matches ${quote(raw)}${where}` +
      (suggestions.length ? `. Closest: ${orList(suggestions.map((c) => communeLabel(c, !restrict)))}` : '') +
      '. Ask the customer to spell it or name a nearby commune';
  return { kind: 'not_found', suggestions, message, wilaya, ranked };
}
