import { causalOrder, type MessageRow } from '../../src/agent/history';

const conv = '11111111-1111-4111-8111-111111111111';
const msg = (id: string, direction: 'in' | 'out', key?: string): MessageRow => ({
  id, direction, author: direction === 'in' ? 'customer' : 'ai', kind: 'text', text: id, payload: null, status: 'sent', created_at: new Date(0), idempotency_key: key ?? null,
});

describe('causalOrder: replies sit after the message they answered', () => {
  it('moves a reply stored after an unseen customer message back behind the message it answered', () => {
    // The reply to m1 was stored after m2 arrived (m2 committed between the turn's last check and the store).
    const rows = [msg('m1', 'in'), msg('m2', 'in'), msg('r1', 'out', `turn:${conv}:m1`)];
    expect(causalOrder(rows, conv).map((m) => m.id)).toEqual(['m1', 'r1', 'm2']);
  });

  it('leaves an already causal history, human replies and unknown keys alone', () => {
    const rows = [msg('m1', 'in'), msg('r1', 'out', `turn:${conv}:m1`), msg('m2', 'in'), msg('h1', 'out'), msg('r2', 'out', `turn:${conv}:gone`)];
    expect(causalOrder(rows, conv).map((m) => m.id)).toEqual(['m1', 'r1', 'm2', 'h1', 'r2']);
  });

  it('ignores keys of another conversation', () => {
    const rows = [msg('m1', 'in'), msg('m2', 'in'), msg('r1', 'out', 'turn:22222222-2222-4222-8222-222222222222:m1')];
    expect(causalOrder(rows, conv).map((m) => m.id)).toEqual(['m1', 'm2', 'r1']);
  });
});
