/**
 * The geo resolver's accuracy test set: the hand-written cases plus variants generated
 * systematically from the official data (fixed seed, so every run measures the same set), and the
 * scoring used by bench/geo-accuracy.ts and test/unit/geo-accuracy.test.ts.
 */
import { listCommunes, listWilayas, type Commune } from '../src/geo/algeria';
import { resolveCommune, resolveWilaya } from '../src/geo/resolve';
import { HAND_COMMUNES, HAND_HOMONYMS, HAND_WILAYAS } from './geo-hand-cases';

export interface GeoCase {
  category: string;
  kind: 'commune' | 'wilaya';
  q: string;
  /** Wilaya given with a commune query. */
  wilaya?: string;
  /** Acceptable codes; more than one means homonyms, where the right decision is "ambiguous". */
  expect: string[];
}

// Deliberately simpler than the resolver's normaliser, so that truth does not depend on it.
const plain = (s: string) =>
  s.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(/[’']/g, '').replace(/[^a-z]+/g, ' ').trim();
// Names that sound the same (Sidi Amar / Sidi Ammar, Mansoura / Mansourah) are homonyms too.
const sound = (s: string) => plain(s).replace(/(.)\1/g, '$1').replace(/h\b/g, '');
const plainAr = (s: string) => s.replace(/[\u064b-\u0652]/g, '').replace(/[أإآ]/g, 'ا').replace(/ى/g, 'ي').replace(/\s+/g, ' ').trim();

function homonyms(c: Commune, by: 'fr' | 'ar'): string[] {
  const key = by === 'fr' ? sound(c.nameFr) : plainAr(c.nameAr);
  return listCommunes()
    .filter((o) => (by === 'fr' ? sound(o.nameFr) : plainAr(o.nameAr)) === key)
    .map((o) => o.code);
}

function findCommune(name: string, wilaya: string): Commune {
  const c = listCommunes().find((x) => x.nameFr === name && (x.wilaya === wilaya || x.wilayaBefore === wilaya));
  if (!c) throw new Error(`hand case: no commune '${name}' in wilaya ${wilaya}`);
  return c;
}

/** mulberry32: a fixed seed makes the typo set identical on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function typo(s: string, r: () => number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const i = 1 + Math.floor(r() * (s.length - 2));
  const op = Math.floor(r() * 4);
  const ch = letters[Math.floor(r() * 26)]!;
  if (op === 0) return s.slice(0, i) + s.slice(i + 1); // deletion
  if (op === 1) return s.slice(0, i) + ch + s.slice(i); // insertion
  if (op === 2) return s.slice(0, i) + ch + s.slice(i + 1); // substitution
  return s.slice(0, i) + (s[i + 1] ?? '') + s[i] + s.slice(i + 2); // transposition
}

/** Darija-style respelling: the way names are typed on a phone keyboard without French habits. */
function darija(s: string): string {
  return plain(s)
    .replace(/\bouled\b/g, 'wled')
    .replace(/\bain\b/g, '3in')
    .replace(/\bbordj\b/g, 'borj')
    .replace(/\bsidi\b/g, 'si')
    .replace(/dj/g, 'j')
    .replace(/ou/g, 'w')
    .replace(/ch/g, 'sh');
}

export function handCases(): GeoCase[] {
  const out: GeoCase[] = [];
  for (const [q, name, w, given] of HAND_COMMUNES) {
    out.push({ category: given ? 'hand: commune + wilaya' : 'hand: commune', kind: 'commune', q, wilaya: given || undefined, expect: [findCommune(name, w).code] });
  }
  for (const q of HAND_HOMONYMS) {
    const set = listCommunes().filter((c) => resolveTruth(q, c));
    if (set.length < 2) throw new Error(`hand homonym '${q}' matches ${set.length} communes`);
    out.push({ category: 'hand: homonym (no wilaya)', kind: 'commune', q, expect: set.map((c) => c.code) });
  }
  for (const [q, code] of HAND_WILAYAS) out.push({ category: 'hand: wilaya', kind: 'wilaya', q, expect: [code] });
  return out;
}

// Homonym truth: same plain French name, or same Arabic name, or the query's 3→ain spelling.
function resolveTruth(q: string, c: Commune): boolean {
  if (/[\u0600-\u06ff]/.test(q)) return plainAr(c.nameAr) === plainAr(q);
  return sound(c.nameFr) === sound(q.replace(/^3in\b/, 'ain'));
}

export function generatedCases(): GeoCase[] {
  const r = rng(20261123);
  const out: GeoCase[] = [];
  for (const c of listCommunes()) {
    const fr = homonyms(c, 'fr');
    const ar = homonyms(c, 'ar');
    const w = c.wilaya;
    out.push({ category: 'gen: official name', kind: 'commune', q: c.nameFr, expect: fr });
    out.push({ category: 'gen: official name + wilaya', kind: 'commune', q: c.nameFr, wilaya: w, expect: [c.code] });
    const noAccent = plain(c.nameFr);
    if (noAccent !== c.nameFr.toLowerCase()) out.push({ category: 'gen: no accents/apostrophes', kind: 'commune', q: noAccent, expect: fr });
    out.push({ category: 'gen: arabic', kind: 'commune', q: c.nameAr, expect: ar });
    out.push({ category: 'gen: arabic + wilaya', kind: 'commune', q: c.nameAr, wilaya: w, expect: [c.code] });
    const words = noAccent.split(' ');
    if (words.length > 1 && /^(el|al|ain)$/.test(words[0]!)) {
      const swapped = words[0] === 'ain' ? ['3in', ...words.slice(1)] : words.slice(1);
      out.push({ category: 'gen: ain→3in / article dropped', kind: 'commune', q: swapped.join(' '), wilaya: w, expect: [c.code] });
    }
    const d = darija(c.nameFr);
    if (d !== noAccent) out.push({ category: 'gen: darija respelling + wilaya', kind: 'commune', q: d, wilaya: w, expect: [c.code] });
    if (noAccent.length >= 5) {
      const t = typo(noAccent, r);
      out.push({ category: 'gen: one typo', kind: 'commune', q: t, expect: fr });
      out.push({ category: 'gen: one typo + wilaya', kind: 'commune', q: typo(noAccent, r), wilaya: w, expect: [c.code] });
    }
    if (c.wilayaBefore) {
      out.push({ category: 'gen: reform, former wilaya', kind: 'commune', q: c.nameFr, wilaya: c.wilayaBefore, expect: [c.code] });
    }
  }
  for (const w of listWilayas()) {
    for (const q of [w.code, `w${Number(w.code)}`, `wilaya ${w.code}`, `${w.code} - ${w.nameFr}`]) {
      out.push({ category: 'gen: wilaya number forms', kind: 'wilaya', q, expect: [w.code] });
    }
    out.push({ category: 'gen: wilaya name', kind: 'wilaya', q: w.nameFr, expect: [w.code] });
    out.push({ category: 'gen: wilaya name', kind: 'wilaya', q: plain(w.nameFr), expect: [w.code] });
    out.push({ category: 'gen: wilaya arabic', kind: 'wilaya', q: w.nameAr, expect: [w.code] });
    if (plain(w.nameFr).length >= 5) out.push({ category: 'gen: wilaya one typo', kind: 'wilaya', q: typo(plain(w.nameFr), r), expect: [w.code] });
  }
  return out;
}

export interface Outcome {
  top1: boolean;
  top3: boolean;
  /** match on the right place, or "ambiguous" listing every homonym when several are right. */
  decidedRight: boolean;
  /** A confident "match" on a wrong place: the costly error (parcel to the wrong town). */
  wrongMatch: boolean;
  decision: string;
  got: string[];
}

export function evaluate(c: GeoCase): Outcome {
  let got: string[];
  let kind: string;
  let matched: string | undefined;
  let candidates: string[] = [];
  if (c.kind === 'wilaya') {
    const r = resolveWilaya(c.q);
    got = r.ranked.map((x) => x.code);
    kind = r.kind;
    if (r.kind === 'match') matched = r.wilaya.code;
    if (r.kind === 'ambiguous') candidates = r.candidates.map((x) => x.code);
  } else {
    const r = resolveCommune(c.q, { wilaya: c.wilaya });
    got = r.ranked.map((x) => x.code);
    kind = r.kind;
    if (r.kind === 'match') matched = r.commune.code;
    if (r.kind === 'ambiguous') candidates = r.candidates.map((x) => x.code);
  }
  const ok = (code: string | undefined) => code !== undefined && c.expect.includes(code);
  const homonym = c.expect.length > 1;
  const decidedRight = homonym ? kind === 'ambiguous' && c.expect.every((e) => candidates.includes(e)) : kind === 'match' && ok(matched);
  return {
    top1: ok(got[0]),
    top3: got.slice(0, 3).some(ok),
    decidedRight,
    wrongMatch: kind === 'match' && !ok(matched),
    decision: kind,
    got: got.slice(0, 3),
  };
}

export interface CategoryStats {
  category: string;
  n: number;
  top1: number;
  top3: number;
  decided: number;
  wrongMatch: number;
}

export function score(cases: GeoCase[]): { categories: CategoryStats[]; failures: { c: GeoCase; o: Outcome }[] } {
  const by = new Map<string, CategoryStats>();
  const failures: { c: GeoCase; o: Outcome }[] = [];
  for (const c of cases) {
    const o = evaluate(c);
    const s = by.get(c.category) ?? { category: c.category, n: 0, top1: 0, top3: 0, decided: 0, wrongMatch: 0 };
    s.n += 1;
    s.top1 += o.top1 ? 1 : 0;
    s.top3 += o.top3 ? 1 : 0;
    s.decided += o.decidedRight ? 1 : 0;
    s.wrongMatch += o.wrongMatch ? 1 : 0;
    by.set(c.category, s);
    if (!o.top1 || !o.decidedRight) failures.push({ c, o });
  }
  return { categories: [...by.values()], failures };
}

export function total(stats: CategoryStats[], filter: (s: CategoryStats) => boolean = () => true): CategoryStats {
  const t = { category: 'total', n: 0, top1: 0, top3: 0, decided: 0, wrongMatch: 0 };
  for (const s of stats.filter(filter)) {
    t.n += s.n;
    t.top1 += s.top1;
    t.top3 += s.top3;
    t.decided += s.decided;
    t.wrongMatch += s.wrongMatch;
  }
  return t;
}
