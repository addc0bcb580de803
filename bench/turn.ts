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
const TURNS = 30;
/** The turn queue's workers per process (concurrency in src/conversations/turn-queue.ts). */
const TURN_WORKERS = 4;

/**
 * Sequential turns, each from a new customer (same history size every time): post the webhook,
 * wait for the reply at the fake Graph server, then read the turn job's timestamps.
 */
async function measureTurns(appUrl: string, shop: BenchShop, fakes: TurnFakes, pg: Client, phonePrefix: number): Promise<Sample[]> {
  const runs: Array<{ wamid: string; ack: number; graph: number }> = [];
  for (let i = 0; i < WARMUP + TURNS; i++) {
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
    `SELECT m.provider_message_id AS wamid, m.conversation_id,
            extract(epoch FROM j.created_on) * 1000 AS created, extract(epoch FROM j.started_on) * 1000 AS started
       FROM messages m JOIN pgboss.job j ON j.name = 'conversation.turn' AND j.data->>'conversationId' = m.conversation_id::text
      WHERE m.provider_message_id = ANY($1)`,
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

function figuresFor(label: string, pollMs: number, samples: Sample[], modelRtt: number): Figure[] {
  const total = samples.map((s) => s.graph - s.ack);
  const pickup = median(samples.map((s) => s.started - s.created));
  const p50 = median(total);
  const p99 = percentile(total, 99);
  // k pollers with independent phases: the first to wake comes after interval / (k + 1) on average.
  const pollWait = pollMs / (TURN_WORKERS + 1);
  const fixed = pollWait + modelRtt;
  return [
    {
      name: `turn latency p50, ${label}`,
      value: Math.round(p50),
      unit: 'ms',
      baseline: { name: `fixed costs: mean polling wait ${pollWait} ms (${TURN_WORKERS} pollers) + raw model round trip`, value: Math.round(fixed) },
      ratio: p50 / 30,
      goal: '≤ 30 ms',
      met: p50 <= 30,
      note: `queue pickup is ${Math.round((100 * pickup) / p50)} % of it`,
    },
    { name: `turn latency p99, ${label}`, value: Math.round(p99), unit: 'ms', ratio: p99 / 150, goal: '≤ 150 ms', met: p99 <= 150 },
    {
      name: `· queue pickup (job created → started), ${label}`,
      value: Math.round(pickup),
      unit: 'ms',
      baseline: { name: 'polling interval', value: pollMs },
    },
    { name: `· DB reads + prompt build (job start → model request), ${label}`, value: Math.round(median(samples.map((s) => s.model - s.started))), unit: 'ms' },
    {
      name: `· model round trip + checks + send (model request → Graph request), ${label}`,
      value: Math.round(median(samples.map((s) => s.graph - s.model))),
      unit: 'ms',
      baseline: { name: 'raw round trip to the fake model', value: Number(modelRtt.toFixed(2)) },
    },
  ];
}

/**
 * Turn latency: webhook 200 → reply request at the fake Graph server, with a zero-latency fake
 * model and no debounce, in one WAKIL_ROLE=all process (what `npm start` runs). Measured with the
 * default 500 ms job polling and with JOBS_POLL_INTERVAL_MS=50, to show what polling costs.
 */
export async function benchTurn(): Promise<Section> {
  const db = await benchDatabase();
  const fakes = await startTurnFakes();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const figures: Figure[] = [];
  let shop: BenchShop | undefined;
  try {
    const modelRtt = await rawModelRoundTrip(fakes.ai.url);
    for (const [i, pollMs] of [500, 50].entries()) {
      const port = await freePort();
      const app = await startProcess('src/main.ts', appEnv(db.url, { ...fakes.env, PORT: String(port), JOBS_POLL_INTERVAL_MS: String(pollMs) }), `http://127.0.0.1:${port}/readyz`);
      try {
        const url = `http://127.0.0.1:${port}`;
        shop ??= await openShop(db.url, url);
        const label = pollMs === 500 ? 'polling 500 ms (default)' : `JOBS_POLL_INTERVAL_MS=${pollMs}`;
        figures.push(...figuresFor(label, pollMs, await measureTurns(url, shop, fakes, pg, 60 + i), modelRtt));
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
    method: `${TURNS} sequential turns per setting (after ${WARMUP} warm-up), each from a new customer, one WAKIL_ROLE=all process on Postgres; fakes in the bench process. Latency = webhook 200 → Graph request arrival. Breakdown from the turn job's created_on/started_on (pgboss.job) and arrival times at the fakes (medians). Fixed-cost baseline: the mean wait for the first of ${TURN_WORKERS} idle pollers (interval / ${TURN_WORKERS + 1}) + the fake model's raw round trip measured alone in this run.`,
    figures,
  };
}
