import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { Client } from 'pg';
import { whatsappTextBody } from '../../bench/support';
import { signMetaBody } from '../../channels/meta/signature';
import { generateKey } from '../../src/crypto/fernet';
import { doubleAnswers, pendingReplies, pendingTurns, shopAssistant, unanswered, waitUntil } from '../chaos/storm';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import { shop } from '../integration/agent-helpers';
import { startTestApp, type TestApp } from '../support/harness';
import { APP_SECRET } from '../support/meta-fixtures';
import { spawnApp, stopAllApps, type AppProcess } from '../support/processes';

/**
 * Postgres restarted (this machine's real cluster) while webhooks keep arriving: during the
 * outage the endpoint answers 5xx (so Meta redelivers) and never 200 for a message it did not
 * store; nothing half-written remains; the same web and worker processes recover their pools
 * without a restart; redelivered messages are stored once and answered.
 */
const ADMIN = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Asynchronous, so the load keeps coming while the cluster is down. */
function restartPostgres(): Promise<void> {
  const version = fs.readdirSync('/etc/postgresql')[0]!;
  return new Promise((resolve, reject) =>
    execFile('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { timeout: 120_000 }, (err) => (err ? reject(err) : resolve())),
  );
}

async function postgresUp(): Promise<boolean> {
  const c = new Client({ connectionString: ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('chaos: Postgres restarted under load', () => {
  const fernet = generateKey();
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;
  let web: AppProcess;
  let worker: AppProcess;

  beforeAll(async () => {
    ai = await startFakeAnthropic();
    shopAssistant(ai);
    graph = await new FakeGraph().start();
    const env = {
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      FERNET_KEYS: fernet,
      META_APP_SECRET: APP_SECRET,
      ANTHROPIC_BASE_URL: ai.url,
      ANTHROPIC_API_KEY: 'test',
      META_GRAPH_BASE_URL: graph.baseUrl,
      AGENT_DEBOUNCE_MS: '200',
      WHATSAPP_PAIR_INTERVAL_MS: '0',
      META_SEND_RETRY_BASE_MS: '10',
      JOB_LEASE_GRACE_SECONDS: '5',
      LOG_LEVEL: 'warn',
    };
    t = await startTestApp({ env: { FERNET_KEYS: fernet, LOG_LEVEL: 'warn' } });
    [web, worker] = await Promise.all([spawnApp({ role: 'web', env }), spawnApp({ role: 'worker', env: { ...env, LOG_LEVEL: 'info' } })]);
  });
  afterAll(async () => {
    // Whatever happened, leave the cluster running for everyone else.
    await waitUntil(postgresUp, 'Postgres up', 120_000, 500).catch(() => undefined);
    await stopAllApps();
    await t?.close();
    await ai?.close();
    await graph?.stop();
  });

  it('5xx during the outage, nothing half-written, same processes recover, every message stored once and answered', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    const pids = [web.child.pid, worker.child.pid];
    const url = `${web.url}/webhooks/meta`;
    const run = Date.now().toString(36);
    const CUSTOMERS = 30;

    const acknowledged = new Set<string>(); // answered 200: must be stored
    const toRedeliver = new Map<string, string>(); // wamid → body, as Meta keeps them
    const statuses: Record<string, number> = {};
    let seq = 0;
    const deliver = async (wamid: string, body: string): Promise<string> => {
      let status: string;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaBody(body, APP_SECRET) }, body, signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        status = String(res.status);
      } catch {
        status = 'network_error';
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === '200') {
        acknowledged.add(wamid);
        toRedeliver.delete(wamid);
      } else {
        expect(status === 'network_error' || Number(status) >= 500).toBe(true);
        toRedeliver.set(wamid, body);
      }
      return status;
    };

    // Load: 6 senders, one new message each, until the restart is over and a little after.
    let restartDone = false;
    let restartedAt = 0;
    let recoveredAt = 0;
    const load = Promise.all(
      Array.from({ length: 6 }, async () => {
        while (!restartDone || Date.now() - restartedAt < 4000) {
          const n = ++seq;
          const from = `2136630${String(n % CUSTOMERS).padStart(5, '0')}`;
          const wamid = `wamid.pg.${run}.${n}`;
          const body = whatsappTextBody(s.pnid, from, wamid, `salam ${n % 3 === 0 ? 'wach kayen?' : 'ch7al?'}`);
          const status = await deliver(wamid, body);
          if (restartDone && !recoveredAt && status === '200') recoveredAt = Date.now();
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 2500));
    const before = statuses['200'] ?? 0;
    const t0 = Date.now();
    await restartPostgres();
    restartedAt = Date.now();
    restartDone = true;
    await load;
    const failedDuringOutage = Object.entries(statuses).filter(([k]) => k !== '200').reduce((n, [, v]) => n + v, 0);
    expect(before).toBeGreaterThan(0);

    // Meta redelivers what was not acknowledged, with a pause between rounds.
    let rounds = 0;
    while (toRedeliver.size && rounds < 20) {
      rounds += 1;
      for (const [wamid, body] of [...toRedeliver]) await deliver(wamid, body);
      if (toRedeliver.size) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(toRedeliver.size).toBe(0);
    const firstOkAfter = Date.now();

    // The same processes: no restart was needed to get their pools back.
    expect([web.child.pid, worker.child.pid]).toEqual(pids);
    for (const p of [web, worker]) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} died during the outage (exit ${p.child.exitCode}):\n${p.logs.slice(-60).join('\n')}`);
    }
    expect((await fetch(`${web.url}/readyz`)).status).toBe(200);

    // The harness's own pool recovers the same way (src/db/connect.ts).
    await waitUntil(async () => !!(await t.ctx.knex.raw('SELECT 1').then(() => true, () => false)), 'test pool back', 30_000);

    // Every delivery that was acknowledged is stored, every message once.
    const rows = await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'in' }).select('provider_message_id');
    const stored = new Set(rows.map((r: { provider_message_id: string }) => r.provider_message_id));
    expect(rows.length).toBe(seq);
    expect(stored.size).toBe(seq);
    for (const w of acknowledged) expect(stored.has(w)).toBe(true);

    // Nothing half-written: no customer without its conversation, no conversation without a message.
    const orphanCustomers = await t.ctx.knex('customers as u').leftJoin('conversations as c', 'c.customer_id', 'u.id').where('u.workspace_id', ws).whereNull('c.id').count<{ n: number }[]>('* as n');
    const emptyConversations = await t.ctx.knex('conversations as c').where('c.workspace_id', ws).whereNotExists(t.ctx.knex('messages as m').whereRaw('m.conversation_id = c.id')).count<{ n: number }[]>('* as n');
    expect(orphanCustomers).toEqual([{ n: 0 }]);
    expect(emptyConversations).toEqual([{ n: 0 }]);

    // And the worker, without a restart, answers everyone, nobody twice for one message.
    const settled = async () =>
      (await pendingTurns(t.ctx.knex, ws)) === 0 && (await unanswered(t.ctx.knex, ws)).length === 0 && (await pendingReplies(t.ctx.knex, ws)).length === 0;
    await waitUntil(settled, 'every conversation answered and every reply sent', 180_000, 500).catch(async (e) => {
      const stuck = await pendingReplies(t.ctx.knex, ws);
      const jobs = await t.ctx.knex.raw("SELECT state, count(*)::int AS n FROM pgboss.job WHERE data->>'workspaceId' = ? GROUP BY 1", [ws]);
      throw new Error(`${(e as Error).message}\npending replies: ${JSON.stringify(stuck)}\njobs: ${JSON.stringify(jobs.rows)}\n${worker.logs.slice(-15).join('\n')}`);
    });
    expect(await doubleAnswers(t.ctx.knex, ws)).toEqual([]);
    const replies = await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' }).select('id', 'status', 'error_code');
    const tags = graph.sends(s.pnid).map((r) => (r.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data);
    // Graph got each reply at most once, and only replies we stored.
    expect(new Set(tags).size).toBe(tags.length);
    const ids = new Set(replies.map((r: { id: string }) => `wakil:${r.id}`));
    expect(tags.filter((x) => !ids.has(x!))).toEqual([]);
    // Every reply settled: sent (and Graph has it), or marked not sent because an attempt died in
    // the outage before Graph took it and the customer wrote again (the next reply answered both).
    const sentTags = new Set(tags);
    const sent = replies.filter((r: { status: string }) => r.status === 'sent');
    const notSent = replies.filter((r: { status: string }) => r.status !== 'sent');
    expect(sent.filter((r: { id: string }) => !sentTags.has(`wakil:${r.id}`))).toEqual([]);
    expect(notSent.map((r: { status: string; error_code: string }) => `${r.status}:${r.error_code}`).filter((x: string) => x !== 'failed:not_sent')).toEqual([]);
    expect(notSent.length).toBeLessThanOrEqual(10);

    process.stdout.write(
      `\nFIGURES postgres-restart ${JSON.stringify({
        deliveries: Object.values(statuses).reduce((a, b) => a + b, 0),
        unique: seq,
        statuses,
        failedDuringOutage,
        redeliveryRounds: rounds,
        restartCommandMs: restartedAt - t0,
        firstAckAfterRestartMs: recoveredAt ? recoveredAt - restartedAt : null,
        allRedeliveredAfterMs: firstOkAfter - restartedAt,
        replies: replies.length,
        repliesNotSentInOutage: notSent.length,
      })}\n`,
    );
  });
});
