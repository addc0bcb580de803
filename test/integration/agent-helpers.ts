import crypto from 'node:crypto';
import { whatsappTextBody } from '../../bench/support';
import { signMetaBody } from '../../channels/meta/signature';
import { startFakeAnthropic, type FakeAnthropic, type FakeRequest } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import { newWorkspace, startTestApp, type TestApp } from '../support/harness';

/** A signed WhatsApp text webhook, as Meta sends it (reference/meta-channels.md). */
export async function sendWhatsApp(t: TestApp, pnid: string, from: string, text: string, id = `wamid.${crypto.randomUUID()}`) {
  const body = whatsappTextBody(pnid, from, id, text);
  await t.http().post('/webhooks/meta').set('content-type', 'application/json').set('x-hub-signature-256', signMetaBody(body, 'test-app-secret')).send(body).expect(200);
  return id;
}

export async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A shop with a WhatsApp channel and a small catalog. */
export async function shop(t: TestApp) {
  const ws = await newWorkspace(t.ctx, 'Dz Style');
  const pnid = String(1e14 + crypto.randomInt(1e12));
  await t.http().post('/api/v1/channels').set(ws.auth).send({ kind: 'whatsapp', external_id: pnid, access_token: 'EAAtest-token-123' }).expect(201);
  const robe = (
    await t.http().post('/api/v1/products').set(ws.auth).send({
      name: 'Robe noire',
      price: 3500,
      stock: 10,
      description: 'Robe longue noire, tissu crêpe',
      variants: [{ name: 'M' }, { name: 'L', price: 3800, stock: 2 }],
    }).expect(201)
  ).body.product;
  const sac = (await t.http().post('/api/v1/products').set(ws.auth).send({ name: 'Sac à main cuir', price: 2900 }).expect(201)).body.product;
  return { ws, pnid, robe, sac };
}

export async function conversationOf(t: TestApp, workspaceId: string) {
  return t.ctx.knex('conversations').where({ workspace_id: workspaceId }).first();
}

/** The product id the model would read from the catalog list in the (cached) system prompt. */
export const catalogId = (req: FakeRequest, name: string) => {
  const sys = (req.body.system as Array<{ text: string }>).map((b) => b.text).join('\n');
  return new RegExp(`- ([0-9a-f-]{36}) \\| ${name}`).exec(sys)![1]!;
};

/** The agent's world: the real app running its workers, a scripted fake Messages API and a fake Graph. */
export interface AgentWorld {
  t: TestApp;
  ai: FakeAnthropic;
  graph: FakeGraph;
  close(): Promise<void>;
}

export async function startAgentWorld(env: Record<string, string> = {}): Promise<AgentWorld> {
  const ai = await startFakeAnthropic();
  const graph = await new FakeGraph().start();
  const t = await startTestApp({
    work: true,
    env: { ANTHROPIC_BASE_URL: ai.url, ANTHROPIC_API_KEY: 'test', META_GRAPH_BASE_URL: graph.baseUrl, AGENT_DEBOUNCE_MS: '0', ...env },
  });
  return {
    t,
    ai,
    graph,
    async close() {
      await t.close();
      await ai.close();
      await graph.stop();
    },
  };
}
