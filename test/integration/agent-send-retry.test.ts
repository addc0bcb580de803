import { type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import type { TestApp } from '../support/harness';
import { sendWhatsApp, shop, startAgentWorld, until, type AgentWorld } from './agent-helpers';

/**
 * A reply is stored before it is sent. When Graph refuses longer than the quick in-process retries,
 * the turn job fails and retries later; the retry must send the stored reply, not take it for an
 * answer already given (the customer would never hear back) nor ask the model again.
 */
describe('agent: a reply that Graph refused for a while is sent by the turn retry', () => {
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;
  let world: AgentWorld;
  beforeAll(async () => {
    world = await startAgentWorld({ WHATSAPP_PAIR_INTERVAL_MS: '0', META_SEND_RETRY_BASE_MS: '10' });
    ({ t, ai, graph } = world);
  });
  afterAll(() => world.close());

  it('Graph 503 on every quick attempt: the retry sends the stored text once, without a second model call', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    ai.script(() => ({ content: [{ type: 'text', text: 'Marhba bik! Wach t7eb men 3andna?' }] }));
    const path = `/${s.pnid}/messages`;
    // More refusals than the send's quick attempts (3): the first job attempt gives up.
    graph.fail((r) => r.path.endsWith(path), { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } }, 5);

    await sendWhatsApp(t, s.pnid, '213661200001', 'salam, ch7al la robe noire?');
    const failed = await until(
      async () => (await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' }).first())?.error_message ? true : undefined,
      'the first attempt to give up',
    );
    expect(failed).toBe(true);
    expect(ai.requests).toHaveLength(1);

    const ok = await until(async () => {
      const row = await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' }).first('status');
      return row?.status === 'sent' ? row : undefined;
    }, 'the stored reply sent by the retry', 30_000);
    expect(ok.status).toBe('sent');

    const sends = graph.sends(s.pnid);
    const delivered = sends.slice(5); // the five refused requests come first
    expect(delivered).toHaveLength(1);
    expect((delivered[0]!.body as { text: { body: string } }).text.body).toBe('Marhba bik! Wach t7eb men 3andna?');
    expect(ai.requests).toHaveLength(1);
    expect(await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' })).toHaveLength(1);
    // No later turn resends it.
    await new Promise((r) => setTimeout(r, 500));
    expect(graph.sends(s.pnid)).toHaveLength(6);
  });

  it('the customer writes again before the retry: the unsent reply is marked not sent and one reply answers both messages', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    const asked: string[] = [];
    ai.script(() => ({ content: [{ type: 'text', text: 'Marhba! Wach t7eb?' }] }));
    ai.script((_r, h) => {
      asked.push(h.lastUserText());
      return { content: [{ type: 'text', text: 'Ih kayen, w livraison l Oran tnajem.' }] };
    });
    graph.fail((r) => r.path.endsWith(`/${s.pnid}/messages`), { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } }, 3);

    await sendWhatsApp(t, s.pnid, '213661200002', 'salam, kayen la robe noire?');
    await until(async () => (await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' }).first())?.error_message, 'the first attempt to give up');
    await sendWhatsApp(t, s.pnid, '213661200002', 'w livraison l Oran?');

    const second = await until(
      async () => (await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out', status: 'sent' }).first('id', 'text')) as { id: string; text: string } | undefined,
      'the reply to both messages',
      30_000,
    );
    expect(second.text).toBe('Ih kayen, w livraison l Oran tnajem.');
    const first = await t.ctx.knex('messages').where({ workspace_id: ws, direction: 'out' }).whereNot({ id: second.id }).first('status', 'error_code', 'text');
    expect(first).toEqual({ status: 'failed', error_code: 'not_sent', text: 'Marhba! Wach t7eb?' });
    // The model saw both customer messages as open, not its unsent reply as given.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('kayen la robe noire');
    expect(asked[0]).toContain('livraison l Oran');
    const delivered = graph.sends(s.pnid).slice(3).map((r) => (r.body as { text: { body: string } }).text.body);
    expect(delivered).toEqual(['Ih kayen, w livraison l Oran tnajem.']);
  });
});
