/**
 * Accuracy and speed of the geo resolver (src/geo/resolve.ts) on the test set of bench/geo-cases.ts.
 * Run: npx tsx bench/geo-accuracy.ts [--failures]
 */
import { resolveCommune, warmGeoIndex } from '../src/geo/resolve';
import { generatedCases, handCases, score, total, type CategoryStats } from './geo-cases';

const pct = (a: number, n: number) => (n ? `${((100 * a) / n).toFixed(1)}%` : '-');

function row(s: CategoryStats): string {
  return `| ${s.category} | ${s.n} | ${pct(s.top1, s.n)} | ${pct(s.top3, s.n)} | ${pct(s.decided, s.n)} | ${s.wrongMatch} (${pct(s.wrongMatch, s.n)}) |`;
}

function main() {
  const t0 = performance.now();
  warmGeoIndex();
  const warm = performance.now() - t0;
  const hand = handCases();
  const gen = generatedCases();
  const h = score(hand);
  const g = score(gen);
  console.log('| category | cases | top-1 | top-3 | decided right | wrong "match" |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const s of h.categories) console.log(row(s));
  console.log(row({ ...total(h.categories), category: '**hand-written total**' }));
  for (const s of g.categories) console.log(row(s));
  console.log(row({ ...total(g.categories), category: '**generated total**' }));
  console.log(row({ ...total([...h.categories, ...g.categories]), category: '**all**' }));

  // Speed: unrestricted lookups (the slow path) over the hand-written commune queries.
  const queries = hand.filter((c) => c.kind === 'commune').map((c) => c.q);
  for (const q of queries) resolveCommune(q);
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const q of queries) {
      const t = performance.now();
      resolveCommune(q);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(3);
  console.log(`\nresolveCommune without wilaya: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms over ${times.length} calls; index build ${warm.toFixed(0)} ms (once)`);

  if (process.argv.includes('--failures')) {
    for (const { c, o } of [...h.failures, ...g.failures.slice(0, 200)]) {
      console.log(`${c.category} | ${JSON.stringify(c.q)}${c.wilaya ? ` w=${c.wilaya}` : ''} expect ${c.expect.join('/')} → ${o.decision} ${o.got.join(',')}`);
    }
  }
}

main();
