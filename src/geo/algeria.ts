import fs from 'node:fs';
import path from 'node:path';
import { parseCsv } from './csv';

/** A wilaya as of the 2026 reform: codes '01'..'69'. */
export interface Wilaya {
  code: string;
  number: number;
  nameFr: string;
  nameAr: string;
  /** For 49..69: the wilaya it was carved out of. */
  parent: string | null;
  /** Commune code of the chef-lieu; null for Alger. */
  seat: string | null;
}

export interface Commune {
  /** ONS code 'WWCC'; the 108 communes moved in 2026 keep their former wilaya's digits. */
  code: string;
  /** Today's wilaya, '01'..'69'. */
  wilaya: string;
  /** Only for communes moved into 59..69 by Law 26-06: their former wilaya, which couriers still use. */
  wilayaBefore: string | null;
  nameFr: string;
  nameAr: string;
}

interface Dataset {
  wilayas: Wilaya[];
  communes: Commune[];
  wilayaByCode: Map<string, Wilaya>;
  communeByCode: Map<string, Commune>;
  communesByWilaya: Map<string, Commune[]>;
}

const DATA_DIR = path.join(__dirname, 'data');
let cached: Dataset | null = null;

function load(): Dataset {
  const read = (f: string) => parseCsv(fs.readFileSync(path.join(DATA_DIR, f), 'utf8'));
  const wilayas: Wilaya[] = read('wilayas.csv').map((r) => ({
    code: r.code!,
    number: Number(r.code),
    nameFr: r.name_fr!,
    nameAr: r.name_ar!,
    parent: r.parent || null,
    seat: r.seat || null,
  }));
  const communes: Commune[] = read('communes.csv').map((r) => ({
    code: r.code!,
    wilaya: r.wilaya!,
    wilayaBefore: r.wilaya_before || null,
    nameFr: r.name_fr!,
    nameAr: r.name_ar!,
  }));
  // A truncated or hand-edited copy would silently make communes unresolvable; fail at load instead.
  if (wilayas.length !== 69 || communes.length !== 1541) {
    throw new Error(`geo data: expected 69 wilayas and 1541 communes, got ${wilayas.length} and ${communes.length}`);
  }
  const wilayaByCode = new Map(wilayas.map((w) => [w.code, w]));
  const communeByCode = new Map(communes.map((c) => [c.code, c]));
  const communesByWilaya = new Map<string, Commune[]>(wilayas.map((w) => [w.code, []]));
  for (const c of communes) {
    if (!wilayaByCode.has(c.wilaya)) throw new Error(`geo data: commune ${c.code} has unknown wilaya ${c.wilaya}`);
    communesByWilaya.get(c.wilaya)!.push(c);
  }
  return { wilayas, communes, wilayaByCode, communeByCode, communesByWilaya };
}

function data(): Dataset {
  return (cached ??= load());
}

/** The 69 wilayas in code order. */
export function listWilayas(): readonly Wilaya[] {
  return data().wilayas;
}

/** All 1,541 communes. */
export function listCommunes(): readonly Commune[] {
  return data().communes;
}

/** Accepts '16', '6', 16 or '06'. Undefined when not a wilaya code. */
export function getWilaya(code: string | number): Wilaya | undefined {
  const s = typeof code === 'number' ? String(code) : code.trim();
  if (!/^\d{1,2}$/.test(s)) return undefined;
  return data().wilayaByCode.get(s.padStart(2, '0'));
}

/** By ONS code ('1609'). */
export function getCommune(code: string): Commune | undefined {
  return data().communeByCode.get(code.trim());
}

/**
 * Communes of a wilaya. By default those it holds today; `includeMovedOut` also lists the communes
 * Law 26-06 moved out of it (which couriers still file under it).
 */
export function communesOf(wilayaCode: string | number, opts: { includeMovedOut?: boolean } = {}): Commune[] {
  const w = getWilaya(wilayaCode);
  if (!w) return [];
  const today = data().communesByWilaya.get(w.code) ?? [];
  if (!opts.includeMovedOut) return [...today];
  return [...today, ...data().communes.filter((c) => c.wilayaBefore === w.code)];
}

/**
 * The wilaya number couriers take (1..58): the former wilaya of a commune moved in 2026, else its
 * wilaya. Couriers have not published 59..69 (reference/couriers.md §9); equals int(code[:2]).
 */
export function courierWilayaCode(commune: Commune | string): number {
  const c = typeof commune === 'string' ? getCommune(commune) : commune;
  if (!c) throw new Error(`unknown commune ${String(commune)}`);
  return Number(c.wilayaBefore ?? c.wilaya);
}

/** For a wilaya: the 1..58 number couriers use (its parent for 59..69). */
export function courierWilayaOf(wilaya: Wilaya): number {
  return wilaya.number > 58 && wilaya.parent ? Number(wilaya.parent) : wilaya.number;
}
