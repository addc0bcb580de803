/**
 * Bigram inverted index: picks the few hundred names worth an edit-distance comparison out of
 * ~1,500, so one lookup stays well under a millisecond. Names sharing no bigram with the query
 * cannot score high enough to matter; among the rest, the most overlapping ones are kept.
 */
export class GramIndex {
  private readonly postings = new Map<string, Int32Array>();
  private readonly counts: Uint16Array;

  constructor(docs: string[][]) {
    const lists = new Map<string, number[]>();
    docs.forEach((strings, doc) => {
      const seen = new Set<string>();
      for (const s of strings) for (const g of grams(s)) seen.add(g);
      for (const g of seen) {
        let list = lists.get(g);
        if (!list) lists.set(g, (list = []));
        list.push(doc);
      }
    });
    for (const [g, list] of lists) this.postings.set(g, Int32Array.from(list));
    this.counts = new Uint16Array(docs.length);
  }

  /** Document numbers sharing bigrams with the query, most shared first, at most `limit`. */
  candidates(queries: string[], limit: number): number[] {
    const counts = this.counts;
    counts.fill(0);
    const qgrams = new Set<string>();
    for (const q of queries) for (const g of grams(q)) qgrams.add(g);
    const hit: number[] = [];
    for (const g of qgrams) {
      const list = this.postings.get(g);
      if (!list) continue;
      for (let i = 0; i < list.length; i++) {
        const d = list[i]!;
        if (counts[d] === 0) hit.push(d);
        counts[d]! += 1;
      }
    }
    if (hit.length <= limit) return hit;
    return hit.sort((a, b) => counts[b]! - counts[a]!).slice(0, limit);
  }
}

function grams(s: string): string[] {
  if (!s) return [];
  const padded = `^${s}$`;
  const out: string[] = [];
  for (let i = 0; i + 2 <= padded.length; i++) out.push(padded.slice(i, i + 2));
  return out;
}
