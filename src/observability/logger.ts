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

// Algerian and international phone numbers, in case one lands in a free-text message.
const PHONE_RE = /(?:\+|00)?\d[\d\s.-]{7,}\d/g;

/** Scrubs strings that might hold a phone number or bearer token before they are logged. */
export function scrubText(s: string): string {
  return s.replace(/Bearer\s+[\w.~+/-]+=*/gi, 'Bearer [redacted]').replace(PHONE_RE, '[redacted-number]');
}

export function createLogger(opts: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Error messages from libraries sometimes embed URLs with tokens or the failing value.
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as typeof args;
          return method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (e: unknown) => {
          const s = pino.stdSerializers.err(e as Error);
          return { type: s.type, message: scrubText(String(s.message ?? '')), stack: scrubText(String(s.stack ?? '')) };
        },
      },
    },
    opts.destination,
  );
}
