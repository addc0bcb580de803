import { Client } from 'pg';
async function main() {
  const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  await c.query('create temp table t (x int)');
  const rtt: number[] = []; const commit: number[] = [];
  for (let i = 0; i < 200; i++) { const t = performance.now(); await c.query('select 1'); rtt.push(performance.now() - t); }
  await c.query('create table if not exists wakil_rtt_probe (x int)');
  for (let i = 0; i < 100; i++) { const t = performance.now(); await c.query('begin'); await c.query('insert into wakil_rtt_probe values (1)'); await c.query('commit'); commit.push(performance.now() - t); }
  await c.query('drop table wakil_rtt_probe');
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!.toFixed(2);
  console.log('select1 median ms', med(rtt), 'p90', rtt[Math.floor(rtt.length * 0.9)]!.toFixed(2), 'insert txn median', med(commit), 'p90', commit[90]!.toFixed(2));
  await c.end();
}
main();
