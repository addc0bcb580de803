import type { Knex } from 'knex';
import { whatsappTextBody } from '../../bench/support';
import { signMetaBody } from '../../channels/meta/signature';
import type { FakeAnthropic, FakeRequest, ScriptStep } from '../fakes/anthropic-server';
import { APP_SECRET } from '../support/meta-fixtures';

/** Small seeded PRNG (mulberry32): a failing storm can be replayed with the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ORDER_ASK = 'nheb ncommandi sac';

export interface Delivery {
  wamid: string;
  from: string;
  body: string;
  signature: string;
}

export interface StormPlan {
  deliveries: Delivery[];
  unique: number;
  duplicates: number;
  bursts: number;
  customers: string[];
  /** Customers who asked for an order (exactly one order each is expected). */
  askers: Set<string>;
}

/**
 * `total` signed WhatsApp deliveries: 70 % unique messages from `customers` people, each person
 * writing in bursts of 1–5 messages, people interleaved; 30 % redeliveries of messages already
 * scheduled, dropped in anywhere later; then local reordering (Meta does not keep order).
 * About half the people ask for an order in one of their messages.
 */
export function planStorm(opts: { total: number; customers: number; phoneNumberId: string; seed: number; runId: string }): StormPlan {
  const rand = rng(opts.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const unique = Math.round(opts.total * 0.7);
  const customers = Array.from({ length: opts.customers }, (_, i) => `2136${String(60_000_000 + i * 7919 + (opts.seed % 1000)).padStart(8, '0')}`);
  const perCustomer = new Map<string, number>(customers.map((c) => [c, 0]));
  for (let i = 0; i < unique; i++) perCustomer.set(customers[i % customers.length]!, perCustomer.get(customers[i % customers.length]!)! + 1);

  const askers = new Set<string>();
  const queues = new Map<string, string[][]>();
  let bursts = 0;
  for (const c of customers) {
    const n = perCustomer.get(c)!;
    const asks = rand() < 0.5;
    const askAt = Math.floor(rand() * n);
    if (asks) askers.add(c);
    const texts = Array.from({ length: n }, (_, k) => (asks && k === askAt ? `${ORDER_ASK}, smiti Client ${c.slice(-4)}, 0661${c.slice(-6)}, Bir Mourad Rais Alger` : pick(['salam', 'ch7al?', 'kayen livraison l dzayer?', 'merci khoya', 'wach kayen taille M?', 'سلام عليكم', 'بشحال؟'])));
    const list: string[][] = [];
    for (let k = 0; k < n; ) {
      const size = 1 + Math.floor(rand() * 5);
      list.push(texts.slice(k, k + size));
      k += size;
    }
    bursts += list.length;
    queues.set(c, list);
  }

  const stream: Array<{ wamid: string; from: string; text: string }> = [];
  let seq = 0;
  const live = [...customers];
  while (live.length) {
    const i = Math.floor(rand() * live.length);
    const c = live[i]!;
    const burst = queues.get(c)!.shift()!;
    for (const text of burst) stream.push({ wamid: `wamid.${opts.runId}.${++seq}`, from: c, text });
    if (!queues.get(c)!.length) live.splice(i, 1);
  }
  const dupCount = opts.total - unique;
  for (let d = 0; d < dupCount; d++) {
    // A redelivery comes after (or right next to) the original.
    const src = Math.floor(rand() * stream.length);
    const at = src + 1 + Math.floor(rand() * (stream.length - src));
    stream.splice(at, 0, { ...stream[src]! });
  }
  for (let i = 0; i < stream.length; i++) {
    const j = Math.min(stream.length - 1, i + Math.floor(rand() * 6));
    [stream[i], stream[j]] = [stream[j]!, stream[i]!];
  }
  const deliveries = stream.map((m) => {
    const body = whatsappTextBody(opts.phoneNumberId, m.from, m.wamid, m.text);
    return { wamid: m.wamid, from: m.from, body, signature: signMetaBody(body, APP_SECRET) };
  });
  return { deliveries, unique, duplicates: dupCount, bursts, customers, askers };
}

/** Posts every delivery to the real endpoint, `concurrency` at a time. Returns the status counts. */
export async function postAll(url: string, deliveries: Delivery[], concurrency: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length) {
      const d = deliveries[next++]!;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': d.signature }, body: d.body });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

const catalogId = (req: FakeRequest, name: string) => {
  const sys = (req.body.system as Array<{ text: string }>).map((b) => b.text).join('\n');
  return new RegExp(`- ([0-9a-f-]{36}) \\| ${name}`).exec(sys)![1]!;
};

/**
 * The scripted shop assistant: creates an order when the customer's fresh messages ask for one,
 * otherwise greets. No figures in its text (the integrity check would hold figures no tool gave).
 */
export function shopAssistant(ai: FakeAnthropic): void {
  ai.fallback(shopAssistantStep);
}

export const shopAssistantStep: ScriptStep = (req, h) => {
  const results = h.lastToolResults();
    if (results.some((r) => r.name === 'create_order')) return { content: [{ type: 'text', text: 'Saha, sajjelna la commande ta3ek. Tconfirmi?' }] };
    const asked = h.lastUserText().match(new RegExp(`${ORDER_ASK}, smiti ([^,]+), (\\d+),`));
    if (asked) {
      return {
        content: [
          {
            type: 'tool_use',
            name: 'create_order',
            input: {
              customer_name: asked[1],
              phone: asked[2],
              wilaya: 'Alger',
              commune: 'Bir Mourad Rais',
              address: 'Cité 5 juillet',
              delivery_type: 'home',
              items: [{ product_id: catalogId(req, 'Sac à main cuir'), quantity: 1 }],
            },
          },
        ],
      };
    }
  return { content: [{ type: 'text', text: 'Marhba bik! Wach t7eb?' }] };
};

/** Turn jobs of this workspace not yet finished (queued, waiting for a retry, or running). */
export async function pendingTurns(k: Knex, workspaceId: string): Promise<number> {
  const r = await k.raw(
    "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'conversation.turn' AND state < 'completed' AND data->>'workspaceId' = ?",
    [workspaceId],
  );
  return r.rows[0].n as number;
}

/**
 * Replies stored but not yet handed to Graph (status still 'pending'): a reply row is written
 * before its send, so "answered" in the database can run a moment ahead of the Graph fake.
 */
export async function pendingReplies(k: Knex, workspaceId: string): Promise<Array<{ id: string; idempotency_key: string; payload: unknown; error_message: string | null }>> {
  return k('messages').where({ workspace_id: workspaceId, direction: 'out', status: 'pending' }).select('id', 'idempotency_key', 'payload', 'error_message');
}

/** Conversations whose latest spoken message (by store order) is still the customer's. */
export async function unanswered(k: Knex, workspaceId: string): Promise<string[]> {
  const r = await k.raw(
    `SELECT c.id FROM conversations c
       JOIN LATERAL (SELECT direction FROM messages m WHERE m.conversation_id = c.id AND NOT (m.direction = 'out' AND m.status = 'failed')
                     ORDER BY m.stored_at DESC, m.created_at DESC, m.id DESC LIMIT 1) last ON true
      WHERE c.workspace_id = ? AND last.direction = 'in'`,
    [workspaceId],
  );
  return r.rows.map((x: { id: string }) => x.id);
}

/**
 * Inbound messages that got more than one AI reply. A reply's key names the message it answered
 * (`turn:<conversation>:<message id>`, `holding:turn:…`); arrival order alone is not enough, since
 * a reply can be stored after a customer message it never saw (that message then gets its own
 * reply: two replies after it in arrival order, but one answer each). Replies without such a key
 * fall back to the inbound message stored just before them.
 */
export async function doubleAnswers(k: Knex, workspaceId: string): Promise<Array<{ conversation_id: string; inbound: string; n: number }>> {
  const r = await k.raw(
    `SELECT o.conversation_id, coalesce(substring(o.idempotency_key from 'turn:[^:]+:(.+)$'), prev.id::text) AS inbound, count(*)::int AS n
       FROM messages o
       LEFT JOIN LATERAL (SELECT i.id FROM messages i WHERE i.conversation_id = o.conversation_id AND i.direction = 'in' AND i.stored_at < o.stored_at
                     ORDER BY i.stored_at DESC, i.id DESC LIMIT 1) prev ON true
      WHERE o.workspace_id = ? AND o.direction = 'out' AND o.author IN ('ai', 'system') AND o.status <> 'failed'
      GROUP BY 1, 2 HAVING count(*) > 1`,
    [workspaceId],
  );
  return r.rows;
}

export async function waitUntil(fn: () => Promise<boolean>, what: string, timeoutMs: number, stepMs = 250): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface StormFigures {
  deliveries: number;
  unique: number;
  duplicates: number;
  customers: number;
  bursts: number;
  statuses: Record<string, number>;
  storedInbound: number;
  replies: number;
  graphSends: number;
  orders: number;
  askers: number;
  turnsRun: number;
  ingestMs: number;
  drainMs: number;
}
