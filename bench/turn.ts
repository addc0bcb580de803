import { DEFAULT_TURN_CONCURRENCY } from '../src/config';
import { Client } from 'pg';
import { epochMs } from './arrivals';
import { conversationOfModelRequest, isSendTo, startTurnFakes, type TurnFakes } from './fakes';
import { median, percentile, type Figure, type Section } from './lib';
import { freePort, startProcess, stopProcess } from './processes';
import { customerPhone, openShop, postText, type BenchShop } from './shop';
import { appEnv, benchDatabase } from './support';

/** One turn's timestamps (epoch ms; the job's come from Postgres's clock on the same host). */
interface Sample {
  ack: number;
  created: number;
  started: number;
  model: number;
  graph: number;
}

const WARMUP = 3;
/** Pause before each message (uniform, ms): longer than the poll interval, so pickup is not a lucky re-fetch. */
const IDLE_GAP_MS = [600, 1100] as const;
const TURNS = 30;
/** The turn queue's workers per process (AGENT_TURN_CONCURRENCY, left at its default). */
const TURN_WORKERS = DEFAULT_TURN_CONCURRENCY;

/**
 * Sequential turns, each from a new customer (same history size every time): post the webhook,
 * wait for the reply at the fake Graph server, then read the turn job's timestamps.
 */
async function measureTurns(appUrl: string, shop: BenchShop, fakes: TurnFakes, pg: Client, phonePrefix: number): Promise<Sample[]> {
  const runs: Array<{ wamid: string; ack: number; graph: number }> = [];
  for (let i = 0; i < WARMUP + TURNS; i++) {
    // Customers do not write the instant the previous reply lands: an idle gap, so the workers
    // are asleep (or polling) when the message comes, as in real traffic.
    await new Promise((r) => setTimeout(r, IDLE_GAP_MS[0] + Math.random() * (IDLE_GAP_MS[1] - IDLE_GAP_MS[0])));
    const phone = customerPhone(i, phonePrefix);
    const wamid = `wamid.turn.${phonePrefix}.${i}.${Date.now()}`;
    const reply = fakes.graphArrivals.next(isSendTo(phone), 30_000);
    const ack = await postText(appUrl, shop.phoneNumberId, phone, 'salam, 3andkom la robe noire?', wamid);
    const graph = fakes.graphArrivals.at(
      await reply.catch((e: Error) => {
        throw new Error(`turn ${i}: ${e.message} (model requests so far ${fakes.ai.requests.length}, Graph requests ${fakes.graph.requests.length})`);
      }),
    );
    if (i >= WARMUP) runs.push({ wamid, ack, graph });
  }
  const { rows } = await pg.query<{ wamid: string; conversation_id: string; created: string; started: string }>(
    // The first turn job of each conversation answered it (ingest may queue a second, a no-op).
    `SELECT DISTINCT ON (m.conversation_id) m.provider_message_id AS wamid, m.conversation_id,
            extract(epoch FROM j.created_on) * 1000 AS created, extract(epoch FROM j.started_on) * 1000 AS started
       FROM messages m JOIN pgboss.job j ON j.name = 'conversation.turn' AND j.data->>'conversationId' = m.conversation_id::text
      WHERE m.provider_message_id = ANY($1)
      ORDER BY m.conversation_id, j.created_on`,
    [runs.map((r) => r.wamid)],
  );
  const byWamid = new Map(rows.map((r) => [r.wamid, r]));
  return runs.map((r) => {
    const job = byWamid.get(r.wamid);
    if (!job) throw new Error(`no turn job for ${r.wamid}`);
    const modelReq = fakes.ai.requests.find((q) => conversationOfModelRequest(q) === job.conversation_id);
    if (!modelReq) throw new Error(`no model request for conversation ${job.conversation_id}`);
    return { ack: r.ack, created: Number(job.created), started: Number(job.started), model: fakes.modelArrivals.at(modelReq), graph: r.graph };
  });
}

/** The fake model's round trip alone: the floor of the "model" segment with a zero-latency model. */
async function rawModelRoundTrip(url: string): Promise<number> {
  const body = JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'salam' }] });
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = epochMs();
    const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'bench', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    times.push(epochMs() - t);
  }
  return median(times.slice(5));
}

interface Summary {
  p50: number;
  p99: number;
  pickup: number;
  build: number;
  modelToGraph: number;
}

function summarise(label: string, samples: Sample[]): Summary {
  if (process.env.BENCH_VERBOSE) {
    for (const s of samples) console.error(`${label}: total ${Math.round(s.graph - s.ack)} pickup ${Math.round(s.started - s.created)} build ${Math.round(s.model - s.started)} model→graph ${Math.round(s.graph - s.model)}`);
  }
  const total = samples.map((s) => s.graph - s.ack);
  return {
    p50: median(total),
    p99: percentile(total, 99),
    pickup: median(samples.map((s) => s.started - s.created)),
    build: median(samples.map((s) => s.model - s.started)),
    modelToGraph: median(samples.map((s) => s.graph - s.model)),
  };
}

function figuresFor(wake: Summary, poll: Summary, modelRtt: number): Figure[] {
  const base = 'polling only (JOBS_LISTEN=false, 500 ms)';
  return [
    {
      name: 'turn latency p50',
      value: Math.round(wake.p50),
      unit: 'ms',
      baseline: { name: base, value: Math.round(poll.p50) },
      ratio: wake.p50 / poll.p50,
      goal: '≤ 30 ms',
      met: wake.p50 <= 30,
      note: `queue pickup is ${Math.round((100 * wake.pickup) / wake.p50)} % of it`,
    },
    { name: 'turn latency p99', value: Math.round(wake.p99), unit: 'ms', baseline: { name: base, value: Math.round(poll.p99) }, ratio: wake.p99 / poll.p99, goal: '≤ 150 ms', met: wake.p99 <= 150 },
    { name: '· queue pickup (job created → started; includes the ingest commit)', value: Math.round(wake.pickup), unit: 'ms', baseline: { name: base, value: Math.round(poll.pickup) } },
    { name: '· DB reads + prompt build (job start → model request)', value: Math.round(wake.build), unit: 'ms', baseline: { name: base, value: Math.round(poll.build) } },
    {
      name: '· model round trip + checks + send (model request → Graph request)',
      value: Math.round(wake.modelToGraph),
      unit: 'ms',
      baseline: { name: 'raw round trip to the fake model', value: Number(modelRtt.toFixed(2)) },
    },
  ];
}

/**
 * Turn latency: webhook 200 → reply request at the fake Graph server, with a zero-latency fake
 * model and no debounce, in one WAKIL_ROLE=all process (what `npm start` runs). Measured as
 * shipped (workers woken by LISTEN/NOTIFY) and, as the baseline, with polling alone.
 */
export async function benchTurn(): Promise<Section> {
  const db = await benchDatabase();
  const fakes = await startTurnFakes();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const results: Summary[] = [];
  let modelRtt: number;
  let shop: BenchShop | undefined;
  try {
    modelRtt = await rawModelRoundTrip(fakes.ai.url);
    for (const [i, listen] of ['true', 'false'].entries()) {
      const port = await freePort();
      const app = await startProcess('src/main.ts', appEnv(db.url, { ...fakes.env, PORT: String(port), JOBS_LISTEN: listen }), `http://127.0.0.1:${port}/readyz`);
      try {
        const url = `http://127.0.0.1:${port}`;
        shop ??= await openShop(db.url, url);
        results.push(summarise(`JOBS_LISTEN=${listen}`, await measureTurns(url, shop, fakes, pg, 60 + i)));
      } finally {
        await stopProcess(app);
      }
    }
  } finally {
    await pg.end();
    await fakes.close();
    await db.drop();
  }
  return {
    title: 'Turn: inbound → reply handed to Graph (zero-latency fake model, debounce off)',
    method: `${TURNS} sequential turns per setting (after ${WARMUP} warm-up), each from a new customer after an idle gap of ${IDLE_GAP_MS[0]}–${IDLE_GAP_MS[1]} ms, one WAKIL_ROLE=all process on Postgres; fakes in the bench process. Latency = webhook 200 → Graph request arrival. Breakdown from the turn job's created_on/started_on (pgboss.job) and arrival times at the fakes (medians). As shipped (LISTEN/NOTIFY wake-ups, ${TURN_WORKERS} turn workers), beside the same process with JOBS_LISTEN=false (pg-boss polling every 500 ms), measured in the same run.`,
    figures: figuresFor(results[0]!, results[1]!, modelRtt),
  };
}
