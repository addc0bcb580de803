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
    const bareRuns: Run[] = [];
    const appRuns: Run[] = [];
    for (let i = 0; i < rounds; i++) {
      bareRuns.push(await hammer(`http://127.0.0.1:${barePort}`, phoneNumberId, { durationSec: 5, connections: 20 }));
      appRuns.push(await hammer(`http://127.0.0.1:${appPort}`, phoneNumberId, { durationSec: 5, connections: 20 }));
    }
    const rated = await hammer(`http://127.0.0.1:${appPort}`, phoneNumberId, { durationSec: 10, connections: 20, rate: 500 });
    const bareRps = median(bareRuns.map((r) => r.rps));
    const appRps = median(appRuns.map((r) => r.rps));
    const non2xx = appRuns.reduce((s, r) => s + r.non2xx, 0) + rated.non2xx;
    return {
      title: 'Ingest: signed WhatsApp webhooks → stored + turn enqueued → 200',
      method: `autocannon, 20 connections, ${rounds} alternating 5 s rounds per side (median); then 10 s at a fixed 500 req/s. App: WAKIL_ROLE=web on Postgres, its own process.`,
      figures: [
        { name: 'throughput', value: Math.round(appRps), unit: 'req/s', baseline: { name: 'bare express JSON endpoint', value: Math.round(bareRps) }, ratio: appRps / bareRps, goal: '≥ 50 % of the ceiling', met: appRps / bareRps >= 0.5 },
        { name: 'p50 ack latency at max load', value: median(appRuns.map((r) => r.p50)), unit: 'ms', baseline: { name: 'bare', value: median(bareRuns.map((r) => r.p50)) } },
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
