import pino, { type Logger } from 'pino';

/**
 * Paths pino replaces with [redacted]. Secrets, tokens, customer PII (phones, names, addresses)
 * and message bodies: logs go to third-party collectors, so none of them may be written.
 * test/integration/redaction.test.ts proves it on captured output.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-api-key"]',
  'req.headers["x-api-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.access_token',
  '*.accessToken',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  '*.credentials',
  '*.service_account',
  '*.private_key',
  '*.phone',
  '*.customer_phone',
  '*.customer_name',
  '*.address',
  '*.text',
  '*.body',
  '*.content',
  'text',
  'body',
  'phone',
  'token',
  'password',
];

export type { Logger };

// Phone numbers in free text: international (+213 661 23 45 67, 00213...), Algerian local
// (0661234567, 06 61 23 45 67) and bare digit runs (WhatsApp ids: 213661234567). Shaped so ISO
// dates and times ("2026-11-23T16:19:18") survive: the old "any 9 digits and separators" rule
// redacted every timestamp in error messages and Sentry contexts.
const PHONE_RE = /(?:\+|\b00)\d(?:[\s.-]?\d){7,14}|\b0\d(?:[\s.-]?\d){8}\b|\b\d{9,15}\b/g;

/** Scrubs strings that might hold a phone number or bearer token before they are logged. */
export function scrubText(s: string): string {
  return s.replace(/Bearer\s+[\w.~+/-]+=*/gi, 'Bearer [redacted]').replace(PHONE_RE, '[redacted-number]');
}

/**
 * Keys censored at any depth. REDACT_PATHS only reaches fixed depths (`*.phone` is one level), so a
 * customer nested in an order, or a raw Meta payload (`from`, `wa_id` are phone numbers), would
 * otherwise be written in full.
 */
const SENSITIVE_KEYS = new Set([
  'password', 'token', 'access_token', 'accesstoken', 'refresh_token', 'api_key', 'apikey', 'api_token', 'secret',
  'credentials', 'service_account', 'private_key', 'authorization', 'cookie', 'phone', 'customer_phone',
  'customer_name', 'address', 'text', 'body', 'content', 'caption', 'from', 'wa_id', 'customer', 'profile',
]);

function serializeError(e: Error): { type: string; message: string; stack: string } {
  // Only these three: drivers add fields such as pg's `detail` ("Key (phone)=(0661...) exists").
  const s = pino.stdSerializers.err(e);
  return { type: s.type, message: scrubText(String(s.message ?? '')), stack: scrubText(String(s.stack ?? '')) };
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Array.isArray(v);
}

function scrubDeep(v: unknown, depth: number): unknown {
  if (v instanceof Error) return serializeError(v);
  if (!v || typeof v !== 'object' || depth > 8 || !isPlain(v)) return v;
  if (Array.isArray(v)) return v.map((x) => scrubDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SENSITIVE_KEYS.has(k.toLowerCase()) ? '[redacted]' : scrubDeep(x, depth + 1);
  return out;
}

export function createLogger(opts: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: {
        level: (label) => ({ level: label }),
        // Runs before the serializers: Errors anywhere become scrubbed {type, message, stack};
        // non-plain objects (pino-http's req/res) are left to their serializers.
        log: (obj) => scrubDeep(obj, 0) as Record<string, unknown>,
      },
      hooks: {
        // Error messages from libraries sometimes embed URLs with tokens or the failing value.
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as typeof args;
          return method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (e: unknown) => (e instanceof Error ? serializeError(e) : scrubDeep(e, 0)),
      },
    },
    opts.destination,
  );
}
