import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import { shop } from '../integration/agent-helpers';
import { generateKey } from '../../src/crypto/fernet';
import { startTestApp, type TestApp } from '../support/harness';
import { spawnApp, stopAllApps, type AppProcess } from '../support/processes';
import { doubleAnswers, pendingReplies, pendingTurns, planStorm, postAll, shopAssistant, unanswered, waitUntil, type StormFigures } from './storm';

/**
 * The duplicates storm, shared by the quick (npm test) and the full (npm run test:chaos) sizes:
 * signed deliveries with redeliveries in shuffled order, posted concurrently to the real
 * endpoint while the turn workers run, against a model that creates an order when asked.
 */
export function duplicatesStorm(opts: {
  total: number;
  customers: number;
  concurrency: number;
  drainTimeoutMs: number;
  seed: number;
  /** Web and worker each in their own process (as deployed) instead of inside the test process. */
  processes?: boolean;
}) {
  describe(`duplicates storm: ${opts.total} deliveries, 30 % redeliveries, ${opts.customers} customers`, () => {
    let t: TestApp;
    let ai: FakeAnthropic;
    let graph: FakeGraph;
    let server: Server | undefined;
    let worker: AppProcess | undefined;
    let url: string;

    beforeAll(async () => {
      ai = await startFakeAnthropic();
      graph = await new FakeGraph().start();
      const fernet = generateKey();
      const env = {
        FERNET_KEYS: fernet,
        ANTHROPIC_BASE_URL: ai.url,
        ANTHROPIC_API_KEY: 'test',
        META_GRAPH_BASE_URL: graph.baseUrl,
        AGENT_DEBOUNCE_MS: '200',
        WHATSAPP_PAIR_INTERVAL_MS: '0',
        META_SEND_RETRY_BASE_MS: '10',
        LOG_LEVEL: 'warn',
      };
      t = await startTestApp({ work: !opts.processes, env });
      if (opts.processes) {
        const childEnv = { ...env, DATABASE_URL: process.env.TEST_DATABASE_URL!, META_APP_SECRET: 'test-app-secret' };
        const [web, w] = await Promise.all([spawnApp({ role: 'web', env: childEnv }), spawnApp({ role: 'worker', env: { ...childEnv, LOG_LEVEL: 'info' } })]);
        worker = w;
        url = `${web.url}/webhooks/meta`;
      } else {
        const s = t.app.listen(0, '127.0.0.1');
        server = s;
        await new Promise((r) => s.once('listening', r));
        url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/webhooks/meta`;
      }
    });
    afterAll(async () => {
      await stopAllApps();
      server?.closeAllConnections();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      await t?.close();
      await ai?.close();
      await graph?.stop();
    });

    it('stores every message once, answers every burst without answering any message twice, and makes one order per asker', async () => {
      const s = await shop(t);
      const ws = s.ws.workspace_id;
      // A Pro merchant: the free plan's 50 AI conversations a month would leave most customers to a human.
      await t.ctx.knex('workspaces').where({ id: ws }).update({ plan: 'pro', plan_until: new Date(Date.now() + 30 * 86_400_000) });
      await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, active: true });
      await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
      shopAssistant(ai);
      const plan = planStorm({ total: opts.total, customers: opts.customers, phoneNumberId: s.pnid, seed: opts.seed, runId: crypto.randomBytes(4).toString('hex') });

      const t0 = Date.now();
      const statuses = await postAll(url, plan.deliveries, opts.concurrency);
      const ingestMs = Date.now() - t0;
      process.stdout.write(`\nstorm: ${opts.total} deliveries posted in ${ingestMs} ms ${JSON.stringify(Object.fromEntries(statuses))}\n`);
      expect(Object.fromEntries(statuses)).toEqual({ 200: opts.total });

      const drainMs = await waitUntil(
        async () =>
          (await pendingTurns(t.ctx.knex, ws)) === 0 && (await unanswered(t.ctx.knex, ws)).length === 0 && (await pendingReplies(t.ctx.knex, ws)).length === 0,
        'every conversation answered, every reply sent and the turn queue drained',
        opts.drainTimeoutMs,
      ).catch(async (e) => {
        const jobs = await t.ctx.knex.raw(
          "SELECT state::text, count(*)::int AS n, max(retry_count) AS max_retry, min(start_after) AS first_start FROM pgboss.job WHERE name LIKE 'conversation.turn%' AND data->>'workspaceId' = ? GROUP BY 1",
          [ws],
        );
        const open = await unanswered(t.ctx.knex, ws);
        const errors = (worker?.logs ?? t.logs.lines).filter((l) => /"level":"(warn|error|fatal)"/.test(l)).slice(-8);
        throw new Error(`${(e as Error).message}\nturn jobs: ${JSON.stringify(jobs.rows)}\nunanswered: ${open.length}\n${errors.join('\n').slice(0, 4000)}`);
      });

      // Stored exactly once each: every unique provider id, no more rows than unique messages.
      const inbound = await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'in' }).select('provider_message_id');
      const ids = new Set(inbound.map((m: { provider_message_id: string }) => m.provider_message_id));
      expect(inbound.length).toBe(plan.unique);
      expect(ids.size).toBe(plan.unique);
      for (const d of plan.deliveries) expect(ids.has(d.wamid)).toBe(true);
      expect(await t.ctx.knex('conversations').where({ workspace_id: ws }).count<{ n: number }[]>('* as n')).toEqual([{ n: opts.customers }]);

      // No message answered twice, and every reply went to Graph exactly once.
      expect(await doubleAnswers(t.ctx.knex, ws)).toEqual([]);
      const replies = await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' }).select('id', 'status');
      expect(replies.filter((r: { status: string }) => r.status !== 'sent')).toEqual([]);
      const sends = graph.sends(s.pnid);
      const perRow = new Map<string, number>();
      for (const r of sends) {
        const tag = String((r.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data ?? '');
        perRow.set(tag, (perRow.get(tag) ?? 0) + 1);
      }
      expect([...perRow.values()].filter((n) => n > 1)).toEqual([]);
      expect(new Set(perRow.keys())).toEqual(new Set(replies.map((r: { id: string }) => `wakil:${r.id}`)));
      // Every burst got an answer, at most one per burst plus the partial bursts a debounce can split.
      expect(replies.length).toBeGreaterThanOrEqual(opts.customers);
      expect(replies.length).toBeLessThanOrEqual(plan.unique);

      // One order per customer who asked, none for the others.
      const orders = await t.ctx.knex('orders as o').join('customers as c', 'c.id', 'o.customer_id').where({ 'o.workspace_id': ws }).select('c.external_id');
      const byCustomer = new Map<string, number>();
      for (const o of orders) byCustomer.set(o.external_id, (byCustomer.get(o.external_id) ?? 0) + 1);
      expect([...byCustomer.entries()].filter(([, n]) => n > 1)).toEqual([]);
      expect(new Set(byCustomer.keys())).toEqual(plan.askers);

      const figures: StormFigures = {
        deliveries: opts.total,
        unique: plan.unique,
        duplicates: plan.duplicates,
        customers: opts.customers,
        bursts: plan.bursts,
        statuses: Object.fromEntries(statuses),
        storedInbound: inbound.length,
        replies: replies.length,
        graphSends: sends.length,
        orders: orders.length,
        askers: plan.askers.size,
        turnsRun: ai.requests.length,
        ingestMs,
        drainMs,
      };
      process.stdout.write(`\nFIGURES duplicates-storm ${JSON.stringify(figures)}\n`);
    });
  });
}
