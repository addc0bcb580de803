import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Anthropic Messages API (reference/apis.md §1): POST /v1/messages routed on the pathname,
 * either auth header and either anthropic-version accepted, 2026-10-21 rules enforced (temperature
 * & co. rejected), proper message objects, and a simulated prompt cache: the canonical JSON of the
 * prefix up to each cache_control breakpoint is hashed; a later request whose prefix (at a
 * breakpoint, or up to 20 block boundaries before one) was seen reads it from the cache.
 *
 * Tests script the replies: each step is a function of the request returning a reply, an error, or
 * undefined to let the next step try. Steps are consumed in order unless marked `sticky`.
 */

export interface FakeRequest {
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    max_tokens: number;
    system?: string | Array<{ type: 'text'; text: string; cache_control?: unknown }>;
    messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
    tools?: Array<{ name: string; description?: string; input_schema: unknown; cache_control?: unknown }>;
    [k: string]: unknown;
  };
}

export type ReplyBlock = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: unknown; id?: string };
export type FakeReply =
  | { content: ReplyBlock[]; stop_reason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'refusal'; output_tokens?: number }
  | { error: { status: number; type: string; message?: string; retryAfterSeconds?: number } };

export type ScriptStep = (req: FakeRequest, helpers: ScriptHelpers) => FakeReply | undefined;

export interface ScriptHelpers {
  /** Concatenated text of the last user message (text blocks only). */
  lastUserText(): string;
  /** tool_result blocks of the last user message, with their content parsed as JSON when possible. */
  lastToolResults(): Array<{ tool_use_id: string; is_error: boolean; content: unknown; name?: string }>;
  /** Every tool_result content seen in the request, newest last, by tool name. */
  toolResults(name: string): unknown[];
}

export interface UsageRecord {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface RecordedRequest extends FakeRequest {
  path: string;
  usage?: UsageRecord;
  status: number;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Appends steps to the script (consumed in order). */
  script(...steps: ScriptStep[]): void;
  /** A step tried on every request after the scripted ones are exhausted (or none matched). */
  fallback(step: ScriptStep | null): void;
  /** The next n requests fail with this status (529 overloaded, 500, 429 ...). */
  failNext(n: number, status?: number, opts?: { retryAfterSeconds?: number }): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** ~4 characters per token, like a rough tokenizer; enough for the cache arithmetic. */
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => k !== 'cache_control')
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The prompt as a flat list of blocks in cache order: tools → system → messages. */
function flatten(body: FakeRequest['body']): Array<{ text: string; breakpoint: boolean }> {
  const out: Array<{ text: string; breakpoint: boolean }> = [];
  for (const t of body.tools ?? []) out.push({ text: canonical(t), breakpoint: !!t.cache_control });
  const sys = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const b of sys) out.push({ text: canonical(b), breakpoint: !!(b as { cache_control?: unknown }).cache_control });
  for (const m of body.messages) {
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    blocks.forEach((b, i) => out.push({ text: `${m.role}:${i === 0 ? 'start' : ''}:${canonical(b)}`, breakpoint: !!b.cache_control }));
  }
  return out;
}

export async function startFakeAnthropic(opts: { minCacheTokens?: number } = {}): Promise<FakeAnthropic> {
  const minCache = opts.minCacheTokens ?? 256;
  const cache = new Set<string>();
  const steps: ScriptStep[] = [];
  let fallbackStep: ScriptStep | null = null;
  let failures: Array<{ status: number; retryAfterSeconds?: number }> = [];
  const requests: RecordedRequest[] = [];
  let seq = 0;

  const computeUsage = (body: FakeRequest['body']) => {
    const blocks = flatten(body);
    const prefixHash: string[] = [];
    const prefixTokens: number[] = [];
    const h = crypto.createHash('sha256');
    let running = 0;
    for (const b of blocks) {
      h.update(b.text);
      prefixHash.push(h.copy().digest('hex'));
      running += tokens(b.text);
      prefixTokens.push(running);
    }
    const total = running;
    const bps = blocks.map((b, i) => (b.breakpoint ? i : -1)).filter((i) => i >= 0);
    let read = 0;
    for (const bp of bps) {
      for (let j = bp; j >= Math.max(0, bp - 20); j--) {
        if (cache.has(prefixHash[j]!)) {
          read = Math.max(read, prefixTokens[j]!);
          break;
        }
      }
    }
    let creation = 0;
    const last = bps.length ? bps[bps.length - 1]! : -1;
    if (last >= 0 && prefixTokens[last]! >= minCache) {
      creation = Math.max(0, prefixTokens[last]! - read);
      for (const bp of bps) if (prefixTokens[bp]! >= minCache) cache.add(prefixHash[bp]!);
    }
    return { input_tokens: Math.max(1, total - read - creation), cache_read_input_tokens: read, cache_creation_input_tokens: creation };
  };

  const helpersFor = (req: FakeRequest): ScriptHelpers => {
    const names = new Map<string, string>();
    for (const m of req.body.messages) {
      if (m.role === 'assistant' && Array.isArray(m.content)) {
        for (const b of m.content) if (b.type === 'tool_use') names.set(String(b.id), String(b.name));
      }
    }
    const parse = (c: unknown) => {
      const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x: { text?: string }) => x.text ?? '').join('') : '';
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    };
    const lastUser = [...req.body.messages].reverse().find((m) => m.role === 'user');
    const blocksOf = (m?: { content: string | Array<Record<string, unknown>> }) =>
      !m ? [] : typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    return {
      lastUserText: () =>
        blocksOf(lastUser)
          .filter((b) => b.type === 'text')
          .map((b) => String(b.text))
          .join('\n'),
      lastToolResults: () =>
        blocksOf(lastUser)
          .filter((b) => b.type === 'tool_result')
          .map((b) => ({
            tool_use_id: String(b.tool_use_id),
            is_error: !!b.is_error,
            content: parse(b.content),
            name: names.get(String(b.tool_use_id)),
          })),
      toolResults: (name: string) =>
        req.body.messages
          .filter((m) => m.role === 'user')
          .flatMap((m) => blocksOf(m))
          .filter((b) => b.type === 'tool_result' && names.get(String(b.tool_use_id)) === name)
          .map((b) => parse(b.content)),
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const requestId = `req_fake_${++seq}`;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
        res.end(JSON.stringify(body));
      };
      const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
        send(status, { type: 'error', error: { type, message }, request_id: requestId }, { 'retry-after-ms': '1', ...headers });

      let body: FakeRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return fail(400, 'invalid_request_error', 'invalid JSON');
      }
      const rec: RecordedRequest = { path, headers: req.headers, body, status: 0 };
      requests.push(rec);
      const respond = (status: number, payload: unknown, headers?: Record<string, string>) => {
        rec.status = status;
        send(status, payload, headers);
      };
      const error = (status: number, type: string, message: string, headers?: Record<string, string>) => {
        rec.status = status;
        fail(status, type, message, headers);
      };

      const auth = req.headers['x-api-key'] || (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      if (!auth) return error(401, 'authentication_error', 'invalid x-api-key');
      if (!req.headers['anthropic-version']) return error(400, 'invalid_request_error', 'anthropic-version header is required');
      if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
        return error(404, 'not_found_error', `no route ${req.method} ${path}`);
      }
      if (path === '/v1/messages/count_tokens') {
        return respond(200, { input_tokens: flatten(body).reduce((n, b) => n + tokens(b.text), 0) });
      }
      if (req.headers['anthropic-version'] === '2026-10-21') {
        for (const k of ['temperature', 'top_p', 'top_k']) {
          if (k in body) return error(400, 'invalid_request_error', `${k}: Extra inputs are not permitted`);
        }
      }
      if (!body.model || !body.max_tokens || !Array.isArray(body.messages)) {
        return error(400, 'invalid_request_error', 'model, max_tokens and messages are required');
      }
      const breakpoints = flatten(body).filter((b) => b.breakpoint).length;
      if (breakpoints > 4) return error(400, 'invalid_request_error', 'A maximum of 4 blocks with cache_control may be provided');

      const failure = failures.shift();
      if (failure) {
        const headers: Record<string, string> = {};
        if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
        return error(failure.status, ERROR_TYPES[failure.status] ?? 'api_error', 'scripted failure', headers);
      }

      const helpers = helpersFor({ headers: req.headers, body });
      let reply: FakeReply | undefined;
      for (let i = 0; i < steps.length && !reply; i++) {
        reply = steps[i]!({ headers: req.headers, body }, helpers);
        if (reply) steps.splice(i, 1);
      }
      if (!reply && fallbackStep) reply = fallbackStep({ headers: req.headers, body }, helpers);
      if (!reply) return error(500, 'api_error', 'fake anthropic: no scripted reply matched this request');
      if ('error' in reply) {
        const headers: Record<string, string> = {};
        if (reply.error.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.error.retryAfterSeconds);
        return error(reply.error.status, reply.error.type, reply.error.message ?? 'scripted error', headers);
      }

      const usage = computeUsage(body);
      const content = reply.content.map((b) =>
        b.type === 'text' ? { type: 'text', text: b.text, citations: null } : { type: 'tool_use', id: b.id ?? `toolu_fake_${seq}_${crypto.randomBytes(4).toString('hex')}`, name: b.name, input: b.input },
      );
      const outputTokens = reply.output_tokens ?? tokens(JSON.stringify(reply.content));
      rec.usage = { ...usage, output_tokens: outputTokens };
      respond(200, {
        id: `msg_fake_${seq}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content,
        stop_reason: reply.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage: {
          ...usage,
          output_tokens: outputTokens,
          cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
          service_tier: 'standard',
        },
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...s) => steps.push(...s),
    fallback: (s) => {
      fallbackStep = s;
    },
    failNext: (n, status = 529, o = {}) => {
      failures = failures.concat(Array.from({ length: n }, () => ({ status, retryAfterSeconds: o.retryAfterSeconds })));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
