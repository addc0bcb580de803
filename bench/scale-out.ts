import { DEFAULT_TURN_CONCURRENCY } from '../src/config';
import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { epochMs } from './arrivals';
import { sendRecipient, startTurnFakes, type TurnFakes } from './fakes';
import { median, type Section } from './lib';
import { freePort, startProcess, startQuietProcess, stopProcess } from './processes';
import { customerPhone, openShop, postFromEach, type BenchShop } from './shop';
import { appEnv, benchDatabase } from './support';

const BACKLOG = 150;
/** Worker counts per round, alternating so drift in machine load hits both sides. */
const ROUNDS = [1, 2, 1, 2];

/**
 * One round: a backlog of conversations is stored (the web process delays their turn jobs by an
 * hour), then released at once; throughput is turns answered per second from the release to the
 * last reply arriving at the fake Graph server.
 */
async function round(webUrl: string, shop: BenchShop, fakes: TurnFakes, pg: Client, prefix: number): Promise<number> {
  const phones = Array.from({ length: BACKLOG }, (_, i) => customerPhone(i, prefix));
  await postFromEach(webUrl, shop.phoneNumberId, phones, 'salam, 3andkom la robe noire?');
  const wanted = new Set(phones);
  const done = new Map<string, number>();
  const stop = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scale-out: ${done.size} of ${BACKLOG} answered in time`)), 120_000);
    const watch = setInterval(() => {
      for (const r of fakes.graph.requests) {
        const to = sendRecipient(r);
        if (to && wanted.has(to) && !done.has(to)) done.set(to, fakes.graphArrivals.at(r));
      }
      if (done.size < BACKLOG) return;
      clearInterval(watch);
      clearTimeout(timer);
      resolve();
    }, 20);
  });
  // Releasing the queued jobs in one statement gives every worker the same starting line; starting
  // worker processes against a ready backlog instead would time their (uneven) start-up.
  await pg.query("UPDATE pgboss.job SET start_after = now() WHERE name = 'conversation.turn' AND state = 'created'");
  const released = epochMs();
  await stop;
  return BACKLOG / ((Math.max(...done.values()) - released) / 1000);
}

/**
 * Scale-out: one web process and one or two WAKIL_ROLE=worker processes on one Postgres, turns with
 * the zero-latency fake model. Every reply is counted per conversation at the fake Graph server:
 * more workers must never mean a customer answered twice.
 */
export async function benchScaleOut(): Promise<Section> {
  const db = await benchDatabase();
  const fakes = await startTurnFakes();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  pg.on('error', () => undefined); // dropped with the database at the end; errors surface on queries
  const port = await freePort();
  const web = await startProcess('src/main.ts', appEnv(db.url, { ...fakes.env, PORT: String(port), WAKIL_ROLE: 'web', AGENT_DEBOUNCE_MS: '3600000' }), `http://127.0.0.1:${port}/readyz`);
  // LOG_LEVEL=info: the worker's start-up line is how we know it is polling.
  const startWorker = () => startQuietProcess('src/main.ts', appEnv(db.url, { ...fakes.env, WAKIL_ROLE: 'worker', LOG_LEVEL: 'info' }), /Wakil worker started/);
  const workers: ChildProcess[] = [];
  const rates: Record<number, number[]> = { 1: [], 2: [] };
  try {
    const url = `http://127.0.0.1:${port}`;
    const shop = await openShop(db.url, url);
    workers.push(await startWorker());
    await round(url, shop, fakes, pg, 50); // warm-up: JIT, pools, the first worker's caches
    for (const [i, n] of ROUNDS.entries()) {
      while (workers.length < n) workers.push(await startWorker());
      while (workers.length > n) await stopProcess(workers.pop()!);
      rates[n]!.push(await round(url, shop, fakes, pg, 51 + i));
    }
    // Late duplicates (a retried job, a second worker's stale fetch) would arrive after the last reply.
    await new Promise((r) => setTimeout(r, 2000));
    const perCustomer = new Map<string, number>();
    for (const r of fakes.graph.requests) {
      const to = sendRecipient(r);
      if (to) perCustomer.set(to, (perCustomer.get(to) ?? 0) + 1);
    }
    const duplicates = [...perCustomer.values()].reduce((s, c) => s + c - 1, 0);
    const one = median(rates[1]!);
    const two = median(rates[2]!);
    return {
      title: 'Scale-out: worker processes on one Postgres',
      method: `One WAKIL_ROLE=web process + 1 or 2 WAKIL_ROLE=worker processes (${DEFAULT_TURN_CONCURRENCY} turn workers each, the AGENT_TURN_CONCURRENCY default), zero-latency fake model. Per round a backlog of ${BACKLOG} new conversations is stored, then its turn jobs are released at once; turns/s = ${BACKLOG} / (release → last reply at the fake Graph). Rounds ${ROUNDS.join(', ')} workers after a warm-up round (median per setting). Duplicates: Graph sends per conversation beyond one, over all ${perCustomer.size} conversations.`,
      figures: [
        { name: 'turns per second, 2 workers', value: Number(two.toFixed(1)), unit: 'turns/s', baseline: { name: '1 worker', value: Number(one.toFixed(1)) }, ratio: two / one, note: `rounds: 1 worker ${rates[1]!.map((r) => r.toFixed(1)).join(', ')}; 2 workers ${rates[2]!.map((r) => r.toFixed(1)).join(', ')}` },
        { name: 'duplicate replies', value: duplicates, unit: 'count', goal: '0', met: duplicates === 0 },
      ],
    };
  } finally {
    for (const w of workers) await stopProcess(w);
    await stopProcess(web);
    await pg.end();
    await fakes.close();
    await db.drop();
  }
}
