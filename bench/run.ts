import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchIngest } from './ingest';
import { benchMemory } from './memory';
import { benchScaleOut } from './scale-out';
import { benchSheets } from './sheets';
import { benchTokens } from './tokens';
import { benchTurn } from './turn';
import type { Section } from './lib';

/**
 * `npm run bench`: every benchmark, each figure beside a baseline measured in the same run
 * (these machines are shared and noisy: ratios and medians, not absolute numbers).
 * Writes bench/results/latest.md and latest.json. `npm run bench -- ingest` runs one.
 */
const SUITES: Record<string, () => Promise<Section>> = {
  ingest: () => benchIngest(),
  turn: () => benchTurn(),
  tokens: () => benchTokens(),
  sheets: () => benchSheets(),
  memory: () => benchMemory(),
  'scale-out': () => benchScaleOut(),
};

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

async function main() {
  const only = process.argv.slice(2);
  const sections: Section[] = [];
  for (const [name, run] of Object.entries(SUITES)) {
    if (only.length && !only.includes(name)) continue;
    console.error(`running ${name}…`);
    sections.push(await run());
  }
  const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg() };
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ meta, sections }, null, 2));
  const md = [
    `# Wakil benchmarks`,
    ``,
    `Run ${meta.date} · Node ${meta.node} · ${meta.cpus} cores · load ${meta.load.map((l) => l.toFixed(2)).join(' ')}`,
    ``,
  ];
  for (const s of sections) {
    md.push(`## ${s.title}`, '', s.method, '', '| figure | value | baseline | ratio | goal | met |', '|---|---|---|---|---|---|');
    for (const f of s.figures) {
      md.push(
        `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.baseline ? `${fmt(f.baseline.value)} (${f.baseline.name})` : ''} | ${f.ratio !== undefined ? fmt(f.ratio) : ''} | ${f.goal ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : 'no'}${f.note ? ` (${f.note})` : ''} |`,
      );
    }
    md.push('');
  }
  fs.writeFileSync(path.join(dir, 'latest.md'), md.join('\n'));
  console.log(md.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
