// Reused rows: resolving runs per tool call and compares against ~1,500 names, so no per-call arrays.
let prev2 = new Int32Array(64);
let prev = new Int32Array(64);
let cur = new Int32Array(64);

/**
 * Damerau-Levenshtein distance (optimal string alignment: a transposition counts as one edit),
 * or `max + 1` as soon as the distance is known to exceed `max`.
 */
export function osaDistance(a: string, b: string, max = Infinity): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la === 0) return lb;
  if (lb === 0) return la;
  if (lb + 1 > cur.length) {
    prev2 = new Int32Array(lb + 1);
    prev = new Int32Array(lb + 1);
    cur = new Int32Array(lb + 1);
  }
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb]!;
}

/** 1 for equal strings, 0 for nothing in common; below `floor` reported as 0 (lets OSA stop early). */
export function similarity(a: string, b: string, floor = 0): number {
  const len = Math.max(a.length, b.length);
  if (len === 0) return 1;
  const max = Math.floor((1 - floor) * len);
  const d = osaDistance(a, b, max);
  return d > max ? 0 : 1 - d / len;
}

/** Character counts folded into 32 buckets; collisions only weaken the bound, never break it. */
export function histogram(s: string): Uint8Array {
  const h = new Uint8Array(32);
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i) & 31;
    if (h[b]! < 255) h[b]! += 1;
  }
  return h;
}

/**
 * A lower bound on the edit distance from character counts alone: each edit fixes at most one
 * surplus and one deficit. Cheap enough to skip most of the ~1,500 names before running OSA.
 */
export function distanceLowerBound(ha: Uint8Array, hb: Uint8Array): number {
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < 32; i++) {
    const d = ha[i]! - hb[i]!;
    if (d > 0) pos += d;
    else neg -= d;
  }
  return pos > neg ? pos : neg;
}

/** `similarity` for pre-counted strings: 0 when it cannot reach `floor`. */
export function similarityWithin(a: string, ha: Uint8Array, b: string, hb: Uint8Array, floor: number): number {
  const len = Math.max(a.length, b.length);
  if (len === 0) return 1;
  const max = Math.floor((1 - floor) * len);
  if (Math.abs(a.length - b.length) > max || distanceLowerBound(ha, hb) > max) return 0;
  const d = osaDistance(a, b, max);
  return d > max ? 0 : 1 - d / len;
}
