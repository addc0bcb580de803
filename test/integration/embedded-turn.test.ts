import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import { startTestApp, type TestApp } from '../support/harness';
import { sendWhatsApp, shop, until } from './agent-helpers';

/**
 * `npm start`'s default: the embedded database (PGlite), one process. A burst of webhooks goes
 * through the batched writer, the job wake-ups (PGlite's in-process LISTEN) and a turn, to one
 * reply at the fake Graph server; a redelivery changes nothing.
 */
describe('embedded database: webhook to reply', () => {
  let dir: string;
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakil-embedded-'));
    ai = await startFakeAnthropic();
    graph = await new FakeGraph().start();
    t = await startTestApp({
      work: true,
      env: {
        DATA_DIR: dir,
        ANTHROPIC_BASE_URL: ai.url,
        ANTHROPIC_API_KEY: 'test',
        META_GRAPH_BASE_URL: graph.baseUrl,
        AGENT_DEBOUNCE_MS: '1000', // the three messages of the burst arrive well within it
        // Polling far longer than the test: the turn can only start from a wake-up.
        JOBS_POLL_INTERVAL_MS: '600000',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await ai?.close();
    await graph?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores a concurrent burst once, answers it once, and ignores the redelivery', async () => {
    expect(t.ctx.db.kind).toBe('pglite');
    const s = await shop(t);
    ai.fallback((_r, h) => ({ content: [{ type: 'text', text: `Salam! ${h.lastUserText().length > 0 ? 'La robe noire est à 3500 DA.' : ''}` }] }));
    const from = '213770112233';
    const ids = await Promise.all(['salam', 'ch7al la robe noire?', 'livraison l Oran?'].map((text) => sendWhatsApp(t, s.pnid, from, text)));
    await until(async () => graph.sends(s.pnid).length >= 1, 'the reply', 30_000);
    await sendWhatsApp(t, s.pnid, from, 'salam', ids[0]);
    const stored = await t.ctx.knex('messages').where({ workspace_id: s.ws.workspace_id, direction: 'in' }).pluck('provider_message_id');
    expect(stored.sort()).toEqual([...ids].sort());
    // Give a wrongly queued second turn its chance to answer again, then count.
    await new Promise((r) => setTimeout(r, 1500));
    expect(graph.sends(s.pnid)).toHaveLength(1);
    expect(await t.ctx.knex('messages').where({ workspace_id: s.ws.workspace_id, direction: 'out' })).toHaveLength(1);
  }, 60_000);
});
