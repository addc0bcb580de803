import { generateKey } from '../../src/crypto/fernet';
import { saveCourierAccount } from '../../src/shipping/courier-accounts';
import { setTariffOverride } from '../../src/shipping/tariffs';
import { doubleAnswers, ORDER_ASK, pendingTurns, shopAssistant, unanswered, waitUntil } from '../chaos/storm';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import { startSlowProxy, type SlowProxy } from '../fakes/slow-proxy';
import { conversationOf, sendWhatsApp, shop } from '../integration/agent-helpers';
import { startTestApp, type TestApp } from '../support/harness';
import { spawnApp, stopAllApps, type AppProcess } from '../support/processes';

/**
 * kill -9 of the worker process while a turn is in flight (the model holds its answer), then a
 * restart, several times: every message is answered, none twice, no order is made twice, and
 * the interrupted turn completes after the restart without waiting for pg-boss's job expiry
 * (10 minutes for turns): src/jobs/liveness.ts notices the dead worker's job.
 */
describe('chaos: worker killed mid-turn', () => {
  const HOLD_MS = 2500;
  const fernet = generateKey();
  let t: TestApp;
  let ai: FakeAnthropic;
  let slow: SlowProxy;
  let graph: FakeGraph;
  let worker: AppProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    ai = await startFakeAnthropic();
    shopAssistant(ai);
    slow = await startSlowProxy(ai.url, HOLD_MS);
    graph = await new FakeGraph().start();
    env = {
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      FERNET_KEYS: fernet,
      META_APP_SECRET: 'test-app-secret',
      ANTHROPIC_BASE_URL: slow.url,
      ANTHROPIC_API_KEY: 'test',
      META_GRAPH_BASE_URL: graph.baseUrl,
      AGENT_DEBOUNCE_MS: '0',
      WHATSAPP_PAIR_INTERVAL_MS: '0',
      META_SEND_RETRY_BASE_MS: '10',
      JOB_LEASE_GRACE_SECONDS: '3',
    };
    // This process only takes webhooks (no workers): the turns run in the child worker.
    t = await startTestApp({ env: { FERNET_KEYS: fernet, LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await stopAllApps();
    await t?.close();
    await slow?.close();
    await ai?.close();
    await graph?.stop();
  });

  const sendsTo = (waId: string) => graph.sends().filter((r) => (r.body as { to?: string }).to === `+${waId}`);
  const modelCallFor = (conversationId: string, afterTool?: string) =>
    slow.inFlight.find((h) => {
      const b = h.json as { metadata?: { user_id?: string }; messages?: unknown[] } | undefined;
      if (b?.metadata?.user_id !== conversationId) return false;
      return !afterTool || JSON.stringify(b.messages?.at(-1) ?? '').includes('tool_result');
    });

  it('answers every message exactly once across repeated kill -9 and restarts', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    await saveCourierAccount(t.ctx, ws, 'yalidine', { credentials: { api_id: 'id-1', api_token: 'tok-1' }, active: true });
    await setTariffOverride(t.ctx, ws, 'yalidine', { wilayaCode: 16, deliveryType: 'home', fee: 450 });
    worker = await spawnApp({ role: 'worker', env, name: 'worker-1' });

    const recoveries: number[] = [];
    const customers: string[] = [];
    const askers: string[] = [];
    const ROUNDS = 4;
    for (let round = 1; round <= ROUNDS; round++) {
      const from = `21366100${String(round).padStart(4, '0')}`;
      customers.push(from);
      const orders = round % 2 === 0;
      if (orders) askers.push(from);
      await sendWhatsApp(t, s.pnid, from, orders ? `${ORDER_ASK}, smiti Client ${round}, 0661${from.slice(-6)}, Bir Mourad Rais Alger` : 'salam, kayen sac?');
      const conv = await t.ctx.knex('conversations as c').join('customers as u', 'u.id', 'c.customer_id').where({ 'c.workspace_id': ws, 'u.external_id': from }).first('c.id');

      // Order rounds: killed while the model is composing the summary, AFTER create_order ran.
      await waitUntil(async () => !!modelCallFor(conv.id, orders ? 'create_order' : undefined), 'the model call in flight', 60_000, 50);
      if (orders) expect(await t.ctx.knex('orders').where({ workspace_id: ws, conversation_id: conv.id }).count<{ n: number }[]>('* as n')).toEqual([{ n: 1 }]);
      expect(sendsTo(from)).toHaveLength(0);
      const killedAt = Date.now();
      await worker.kill('SIGKILL');
      // A bystander writes during the outage: the restarted worker must answer them too.
      const bystander = `21366200${String(round).padStart(4, '0')}`;
      customers.push(bystander);
      await sendWhatsApp(t, s.pnid, bystander, 'salam');

      worker = await spawnApp({ role: 'worker', env, name: `worker-${round + 1}` });
      await waitUntil(async () => sendsTo(from).length > 0, `the interrupted turn of round ${round} to complete`, 120_000, 100).catch((e) => {
        throw new Error(`${(e as Error).message}\n${worker!.logs.slice(-20).join('\n')}`);
      });
      recoveries.push(Date.now() - killedAt);
      expect(sendsTo(from)).toHaveLength(1);
    }

    await waitUntil(async () => (await pendingTurns(t.ctx.knex, ws)) === 0 && (await unanswered(t.ctx.knex, ws)).length === 0, 'all turns done', 120_000);
    // Let a stray duplicate attempt show itself before counting.
    await new Promise((r) => setTimeout(r, HOLD_MS + 1000));
    for (const c of customers) expect({ c, sends: sendsTo(c).length }).toEqual({ c, sends: 1 });
    expect(await doubleAnswers(t.ctx.knex, ws)).toEqual([]);
    const orders = await t.ctx.knex('orders as o').join('customers as u', 'u.id', 'o.customer_id').where({ 'o.workspace_id': ws }).select('u.external_id');
    expect(orders.map((o: { external_id: string }) => o.external_id).sort()).toEqual([...askers].sort());
    // The customer who ordered saw the order summary, not a holding message.
    for (const a of askers) expect(JSON.stringify(sendsTo(a)[0]!.body)).toContain('sajjelna la commande');
    const killedCalls = slow.seen.filter((h) => h.aborted).length;
    expect(killedCalls).toBeGreaterThanOrEqual(ROUNDS);
    expect((await conversationOf(t, ws)).needs_human).toBe(false);
    process.stdout.write(`\nFIGURES kill-worker ${JSON.stringify({ rounds: ROUNDS, killedModelCalls: killedCalls, recoveryMs: recoveries, customers: customers.length, graphSends: graph.sends().length, orders: orders.length })}\n`);
  });
});
