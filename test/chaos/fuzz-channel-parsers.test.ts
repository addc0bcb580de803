import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { InboundEvent } from '../../channels/contract';
import { Envelope, MpEntry, MpMessaging, WaChange, WaContact, WaEntry, WaMessage, WaMetadata, WaStatus } from '../../channels/meta/schemas';
import { channelForObject, channelRegistry } from '../../channels/registry';

/**
 * Unit-level fuzz of the webhook parsers (the HTTP-level fuzz is test/integration/channels-fuzz):
 * realistic Meta payloads with random subtrees replaced, keys dropped or retyped, plus arbitrary
 * JSON. parseWebhook runs on the request path, so it may skip what it does not understand but
 * must never throw, and whatever it returns must be an event ingest can store as is.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures/meta');
const samples: unknown[] = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8').replace(/__[A-Z_]+__/g, '123456789012345')));

const KINDS = new Set([
  'text', 'image', 'audio', 'voice', 'video', 'document', 'sticker', 'location', 'button_reply', 'list_reply', 'template_button',
  'quick_reply', 'postback', 'reaction', 'order', 'story_reply', 'story_mention', 'share', 'edit', 'deleted', 'unsupported',
]);

/** Values Meta never sends but a broken proxy, a replay or an attacker with the secret might. */
const weird = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, Number.NaN, '', ' ', '0', 'null', '__proto__', [], {}, [null], { id: null }),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.constant('x'.repeat(100_000)),
  fc.jsonValue({ maxDepth: 3 }),
);

type Json = unknown;

/** Paths to every node of a JSON value. */
function paths(v: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

type Mutation = { op: 'replace' | 'delete' | 'duplicate' | 'proto'; pick: number; value: Json };

function mutate(v: Json, muts: Mutation[]): Json {
  let doc = structuredClone(v);
  for (const m of muts) {
    const all = paths(doc);
    const p = all[m.pick % all.length]!;
    if (p.length === 0) {
      if (m.op === 'replace') doc = m.value;
      continue;
    }
    const parent = p.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], doc) as Record<string | number, Json> | Json[];
    const key = p[p.length - 1]!;
    if (m.op === 'replace') (parent as Record<string | number, Json>)[key] = m.value;
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete (parent as Record<string, Json>)[key];
    } else if (m.op === 'duplicate' && Array.isArray(parent)) {
      parent.push(structuredClone(parent[Number(key)]));
    } else if (m.op === 'proto' && !Array.isArray(parent)) {
      // A JSON body can carry a "__proto__" key: it must stay data, never reach a prototype.
      (parent as Record<string, Json>)[key] = JSON.parse('{"__proto__": {"polluted": true}, "id": "1"}');
    }
  }
  return doc;
}

const mutation = fc.record({ op: fc.constantFrom('replace', 'delete', 'duplicate', 'proto') as fc.Arbitrary<Mutation['op']>, pick: fc.nat(), value: weird });
const mutatedSample = fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([s, m]) => mutate(s, m));
/** Arbitrary JSON under a real `object` value, so the parsers get past the first check. */
const randomUnderObject = fc
  .tuple(fc.constantFrom('whatsapp_business_account', 'page', 'instagram'), fc.jsonValue({ maxDepth: 6 }), fc.array(fc.jsonValue({ maxDepth: 5 }), { maxLength: 5 }))
  .map(([object, extra, entry]) => ({ object, entry, extra }));
const body = fc.oneof({ weight: 5, arbitrary: mutatedSample }, { weight: 2, arbitrary: randomUnderObject }, { weight: 1, arbitrary: fc.anything() });

function wellFormed(ev: InboundEvent, kind: string) {
  expect(ev.channel).toBe(kind);
  expect(typeof ev.accountId).toBe('string');
  expect(ev.accountId.length).toBeGreaterThan(0);
  expect(ev.timestamp).toBeInstanceOf(Date);
  expect(Number.isNaN(ev.timestamp.getTime())).toBe(false);
  expect(typeof ev.providerMessageId).toBe('string');
  expect(ev.providerMessageId.length).toBeGreaterThan(0);
  if (ev.type === 'message' || ev.type === 'echo') {
    expect(typeof ev.customer.externalId).toBe('string');
    expect(ev.customer.externalId.length).toBeGreaterThan(0);
    expect(KINDS.has(ev.kind)).toBe(true);
    if (ev.text !== undefined) expect(typeof ev.text).toBe('string');
  }
  if (ev.type === 'message') {
    expect(typeof ev.triggersTurn).toBe('boolean');
    expect(ev.payload !== null && typeof ev.payload === 'object' && !Array.isArray(ev.payload)).toBe(true);
    // Ingest stores the payload as jsonb: it must survive a JSON round trip.
    expect(() => JSON.stringify(ev.payload)).not.toThrow();
  } else if (ev.type === 'status') {
    expect(['sent', 'delivered', 'read', 'failed']).toContain(ev.status);
  } else {
    expect(ev.type).toBe('echo');
  }
}

describe('fuzz: webhook parsers (unit level)', () => {
  it('the untouched fixtures parse into events (the generator starts from real shapes)', () => {
    const total = samples.reduce<number>((n, s) => n + (channelForObject((s as { object?: unknown }).object)?.parseWebhook(s).length ?? 0), 0);
    expect(total).toBeGreaterThanOrEqual(samples.length - 2);
  });

  it('parseWebhook never throws on mutated or random bodies, and every event is well-formed', () => {
    let events = 0;
    fc.assert(
      fc.property(body, (b) => {
        for (const adapter of Object.values(channelRegistry)) {
          const out = adapter.parseWebhook(b);
          expect(Array.isArray(out)).toBe(true);
          for (const ev of out) wellFormed(ev, adapter.kind);
          events += out.length;
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 600, seed: 20261123 },
    );
    // The mutations keep enough structure for the parsers to get deep, not just bail at the envelope.
    expect(events).toBeGreaterThan(100);
  });

  it('the schemas never throw from safeParse, whatever they are given', () => {
    const schemas = [Envelope, WaEntry, WaChange, WaMetadata, WaContact, WaMessage, WaStatus, MpEntry, MpMessaging];
    fc.assert(
      fc.property(fc.oneof(fc.anything(), weird, mutatedSample), (v) => {
        for (const s of schemas) expect(typeof s.safeParse(v).success).toBe('boolean');
      }),
      { numRuns: 300, seed: 99 },
    );
  });
});
