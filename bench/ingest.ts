import crypto from 'node:crypto';
import autocannon from 'autocannon';
import { median, type Section } from './lib';
import { freePort, startProcess, stopProcess } from './processes';
import { appEnv, benchDatabase, sign, whatsappTextBody } from './support';

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function hammer(url: string, phoneNumberId: string, opts: { durationSec: number; connections: number; rate?: number }): Promise<Run> {
  let n = 0;
  const prefix = crypto.randomBytes(4).toString('hex');
  const r = await autocannon({
    url,
    duration: opts.durationSec,
    connections: opts.connections,
    overallRate: opts.rate,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/meta',
        setupRequest: (req: Record<string, unknown>) => {
          n += 1;
          // Unique message ids and 50 distinct customers: realistic inserts, not duplicate no-ops.
          const body = whatsappTextBody(phoneNumberId, `21366${String(n % 50).padStart(7, '0')}`, `wamid.${prefix}.${n}`, 'salam, ch7al prix? السلام');
          return { ...req, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) } };
        },
      },
    ],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

/**
 * Ingest: signed WhatsApp webhooks to the real endpoint (signature, parse, store, enqueue, 200) on
 * Postgres, against a bare express endpoint that only parses JSON, measured alternately in the
 * same run. Each side runs in its own process; the load generator in this one.
 */
export async function benchIngest(rounds = 3): Promise<Section> {
  const db = await benchDatabase();
  const barePort = await freePort();
  const appPort = await freePort();
  const bare = await startProcess('bench/bare-server.ts', { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/webhooks/meta`);
  const app = await startProcess('src/main.ts', appEnv(db.url, { PORT: String(appPort), WAKIL_ROLE: 'web' }), `http://127.0.0.1:${appPort}/readyz`);
  try {
    // A workspace and its WhatsApp channel, made the way an operator would.
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('node_modules/.bin/tsx', ['src/cli/index.ts', 'workspace', 'create', '--name', 'Bench', '--owner-email', `bench-${Date.now()}@example.test`, '--json'], {
      env: { PATH: process.env.PATH ?? '', ...appEnv(db.url, { LOG_LEVEL: 'silent' }) },
      encoding: 'utf8',
    });
    const { api_key } = JSON.parse(out);
    const phoneNumberId = `1${Date.now()}`;
    const res = await fetch(`http://127.0.0.1:${appPort}/api/v1/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'whatsapp', external_id: phoneNumberId, access_token: 'bench-token' }),
    });
    if (!res.ok) throw new Error(`channel setup failed: ${res.status} ${await res.text()}`);

    // Warm both (JIT, connection pools).
    await hammer(`http://127.0.0.1:${barePort}`, phoneNumberId, { durationSec: 2, connections: 10 });
    await hammer(`http://127.0.0.1:${appPort}`, phoneNumberId, { durationSec: 2, connections: 10 });
    // Two loads: 20 connections (the app is latency-bound there: 20 in flight / its ack time) and
    // 100 (enough to saturate both sides, so the batches are as large as a real burst makes them).
    const sides = { bare: { 20: [] as Run[], 100: [] as Run[] }, app: { 20: [] as Run[], 100: [] as Run[] } };
    for (let i = 0; i < rounds; i++) {
      for (const connections of [20, 100] as const) {
        sides.bare[connections].push(await hammer(`http://127.0.0.1:${barePort}`, phoneNumberId, { durationSec: 5, connections }));
        sides.app[connections].push(await hammer(`http://127.0.0.1:${appPort}`, phoneNumberId, { durationSec: 5, connections }));
      }
    }
    const rated = await hammer(`http://127.0.0.1:${appPort}`, phoneNumberId, { durationSec: 10, connections: 20, rate: 500 });
    const rps = (runs: Run[]) => median(runs.map((r) => r.rps));
    const bareRps = Math.max(rps(sides.bare[20]), rps(sides.bare[100]));
    const appRps = Math.max(rps(sides.app[20]), rps(sides.app[100]));
    const non2xx = [...sides.app[20], ...sides.app[100]].reduce((s, r) => s + r.non2xx, 0) + rated.non2xx;
    const at = (side: 'bare' | 'app', c: 20 | 100) => ({ rps: Math.round(rps(sides[side][c])), p50: median(sides[side][c].map((r) => r.p50)) });
    return {
      title: 'Ingest: signed WhatsApp webhooks → stored + turn enqueued → 200',
      method:
        `autocannon in the bench process, ${rounds} alternating 5 s rounds per side at 20 and at 100 connections (median per setting); ` +
        'throughput is each side\'s best setting (its ceiling on this machine). Then 10 s at a fixed 500 req/s. ' +
        'App: WAKIL_ROLE=web on Postgres, its own process; every request is a durable commit (synchronous_commit on) of the message, customer and conversation, then the turn job.',
      figures: [
        { name: 'throughput (best of 20 / 100 connections)', value: Math.round(appRps), unit: 'req/s', baseline: { name: 'bare express JSON endpoint, best of the same', value: Math.round(bareRps) }, ratio: appRps / bareRps, goal: '≥ 50 % of the ceiling', met: appRps / bareRps >= 0.5 },
        { name: '· at 20 connections', value: at('app', 20).rps, unit: 'req/s', baseline: { name: 'bare', value: at('bare', 20).rps }, ratio: at('app', 20).rps / at('bare', 20).rps },
        { name: '· at 100 connections', value: at('app', 100).rps, unit: 'req/s', baseline: { name: 'bare', value: at('bare', 100).rps }, ratio: at('app', 100).rps / at('bare', 100).rps },
        { name: 'p50 ack latency at 20 connections', value: at('app', 20).p50, unit: 'ms', baseline: { name: 'bare', value: at('bare', 20).p50 } },
        { name: 'p50 ack latency at 100 connections', value: at('app', 100).p50, unit: 'ms', baseline: { name: 'bare', value: at('bare', 100).p50 } },
        { name: 'p99 ack latency at 500 req/s', value: rated.p99, unit: 'ms', goal: '≤ 50 ms', met: rated.p99 <= 50, note: `achieved ${Math.round(rated.rps)} req/s` },
        { name: 'non-2xx responses', value: non2xx, unit: 'count', goal: '0', met: non2xx === 0 },
      ],
    };
  } finally {
    await stopProcess(app);
    await stopProcess(bare);
    await db.drop();
  }
}
