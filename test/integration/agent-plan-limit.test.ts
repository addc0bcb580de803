import crypto from 'node:crypto';
import { currentPeriod } from '../../src/billing/plans';
import { type FakeAnthropic } from '../fakes/anthropic-server';
import { FakeGraph } from '../fakes/graph-server';
import type { TestApp } from '../support/harness';
import { sendWhatsApp, shop, until, startAgentWorld, type AgentWorld } from './agent-helpers';

describe('agent: the plan allowance gates the model', () => {
  let t: TestApp;
  let ai: FakeAnthropic;
  let graph: FakeGraph;

  let world: AgentWorld;
  beforeAll(async () => {
    world = await startAgentWorld({ WHATSAPP_PAIR_INTERVAL_MS: '0' });
    ({ t, ai, graph } = world);
  });
  afterAll(() => world.close());

  it('a free workspace with 50 conversations used: a new conversation is flagged, not answered; a counted one is answered', async () => {
    const s = await shop(t);
    const ws = s.ws.workspace_id;
    const k = t.ctx.knex;
    const period = currentPeriod();

    // A customer who already talked this month (their conversation is one of the 50 counted).
    ai.script((_r, h) => (h.lastUserText().includes('first hello') ? { content: [{ type: 'text', text: 'Marhba bik!' }] } : undefined));
    await sendWhatsApp(t, s.pnid, '213661100001', 'salam, first hello');
    await until(async () => graph.sends(s.pnid).length >= 1, 'the first customer is answered');
    const counted = await k('conversations').where({ workspace_id: ws }).first('id');
    expect(await k('billing_usage').where({ workspace_id: ws, period, conversation_id: counted.id }).first()).toBeTruthy();
    // 49 more conversations counted for the period: the free plan's 50 are used up.
    const fillers = Array.from({ length: 49 }, () => ({ workspace_id: ws, period, conversation_id: crypto.randomUUID() }));
    await k('billing_usage').insert(fillers);
    expect(Number((await k('billing_usage').where({ workspace_id: ws, period }).count({ n: '*' }).first())!.n)).toBe(50);

    const before = ai.requests.length;
    await sendWhatsApp(t, s.pnid, '213661100002', 'salam, ch7al la robe noire?');
    const fresh = await until(
      async () => k('conversations').where({ workspace_id: ws }).whereNot({ id: counted.id }).where({ needs_human: true }).first(),
      'the new conversation flagged',
    );
    expect(fresh.handoff_reason).toBe('plan_limit_reached');
    expect(ai.requests.length).toBe(before); // the model was never called for it
    expect(graph.sends(s.pnid)).toHaveLength(1); // and the customer got nothing from us
    expect(await k('messages').where({ conversation_id: fresh.id, direction: 'out' })).toHaveLength(0);
    expect(await k('billing_usage').where({ workspace_id: ws, period, conversation_id: fresh.id }).first()).toBeUndefined();
    const notice = await k('workspace_notices').where({ workspace_id: ws, kind: 'plan_limit_reached', key: period }).first();
    expect(notice.message).toMatch(/50 AI conversations/);

    // The conversation counted before the limit goes on being answered.
    ai.script((_r, h) => (h.lastUserText().includes('second question') ? { content: [{ type: 'text', text: 'Ih, kayen.' }] } : undefined));
    await sendWhatsApp(t, s.pnid, '213661100001', 'second question: kayen taille L?');
    await until(async () => graph.sends(s.pnid).length >= 2, 'the counted customer is answered');
    expect((graph.sends(s.pnid)[1]!.body as { text: { body: string } }).text.body).toBe('Ih, kayen.');
    expect(ai.requests.length).toBe(before + 1);
  });
});
