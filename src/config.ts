import path from 'node:path';
import { z } from 'zod';

/** Courier registry ids whose base URL can be overridden with COURIER_<ID>_BASE_URL. */
export const COURIER_IDS = ['yalidine', 'zr-express', 'procolis', 'maystro', 'noest', 'ecotrack', 'anderson'] as const;
export type CourierId = (typeof COURIER_IDS)[number];

export function courierEnvName(id: string): string {
  return `COURIER_${id.toUpperCase().replace(/-/g, '_')}_BASE_URL`;
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const url = z.url({ message: 'must be a URL (http:// or https://)' });
const optionalUrl = optionalString.pipe(url.optional());
const int = (dflt: number, min = 0) => z.coerce.number().int().min(min).default(dflt);
/** AGENT_TURN_CONCURRENCY's default (the benchmarks describe the process they measure with it). */
export const DEFAULT_TURN_CONCURRENCY = 8;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  WAKIL_ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalString.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  ),
  DATA_DIR: z.string().default('./data'),
  FERNET_KEYS: optionalString,
  META_APP_SECRET: optionalString,
  META_VERIFY_TOKEN: optionalString,
  META_GRAPH_BASE_URL: url.default('https://graph.facebook.com'),
  META_GRAPH_VERSION: z.string().regex(/^v\d+\.\d+$/, 'must look like v25.0').default('v25.0'),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  // Cheapest current model with tool use: these are small merchants (reference/apis.md §1.11).
  AGENT_MODEL: z.string().min(1).default('claude-haiku-5-5'),
  AGENT_DEBOUNCE_MS: int(2000),
  HUMAN_PAUSE_MINUTES: int(30),
  // Turn job attempts before the customer gets a holding message (bounded by the job's retryLimit+1).
  AGENT_MAX_MODEL_ATTEMPTS: int(7, 1),
  AGENT_MAX_TOOL_ITERATIONS: int(6, 1),
  AGENT_HISTORY_MESSAGES: int(30, 4),
  AGENT_MAX_TOKENS: int(1024, 64),
  // Conversation turns one process runs at once. A turn mostly waits (the model, WhatsApp's pacing
  // between two messages to one customer), so this bounds throughput: ~concurrency / model latency.
  AGENT_TURN_CONCURRENCY: int(DEFAULT_TURN_CONCURRENCY, 1),
  // One nudge when a customer goes quiet before confirming (0 = off). Decimals allowed (tests use seconds).
  AGENT_FOLLOW_UP_MINUTES: z.coerce.number().min(0).default(60),
  // A pending order is reminded once, then expired (decimals allowed, for tests).
  PENDING_ORDER_REMIND_HOURS: z.coerce.number().min(0).default(6),
  PENDING_ORDER_EXPIRE_HOURS: z.coerce.number().positive().default(24),
  ANTHROPIC_MAX_RETRIES: int(2),
  // JSON: { "<model>": { input, output, cache_write, cache_read } } in USD per million tokens.
  AGENT_PRICES: optionalString,
  // WhatsApp pair rate limit: about 1 message / 6 s to the same customer (meta-channels.md §4.4).
  WHATSAPP_PAIR_INTERVAL_MS: int(6000),
  // First backoff of the quick in-process send retries (doubles per attempt).
  META_SEND_RETRY_BASE_MS: int(500),
  MEDIA_MAX_BYTES: int(16 * 1024 * 1024, 1),
  // Lets merchant webhooks target loopback (local development and tests only; refused in production).
  WEBHOOKS_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  API_RATE_LIMIT_PER_MINUTE: int(600, 1),
  // How often idle job workers look for new jobs. pg-boss 10 polls no faster than 500 ms; below
  // that the queue wakes its workers itself (one fetch query per worker per tick: costs idle load).
  JOBS_POLL_INTERVAL_MS: int(500, 10),
  // Workers wake on Postgres LISTEN/NOTIFY the moment a job is ready (src/jobs/wakeups.ts). Turn it
  // off behind a transaction-pooling proxy (PgBouncer), where LISTEN cannot work: polling remains.
  JOBS_LISTEN: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  // A running job no live worker process holds for this long is failed and retried (src/jobs/liveness.ts).
  JOB_LEASE_GRACE_SECONDS: int(20, 1),
  // Days after an order closes before its customer's name, phone and address are erased.
  ORDER_PII_RETENTION_DAYS: int(30, 1),
  GOOGLE_SHEETS_ROOT_URL: url.default('https://sheets.googleapis.com/'),
  // How often each connected sheet is read back for the merchant's status edits (one read per cycle).
  SHEETS_POLL_SECONDS: int(60, 1),
  // Delay before a sheet sync starts, so a burst of order changes shares one write cycle.
  SHEETS_SYNC_DELAY_MS: int(2000),
  CHARGILY_BASE_URL: url.default('https://pay.chargily.net/api/v2/'),
  // Dinars per US dollar for the dashboard's AI cost and ROI (AI usage is billed in USD).
  USD_DZD_RATE: z.coerce.number().positive().default(135),
  CHARGILY_SECRET_KEY: optionalString,
  SENTRY_DSN: optionalUrl,
  PUBLIC_BASE_URL: optionalUrl,
  COURIER_YALIDINE_BASE_URL: url.default('https://api.yalidine.app/v1/'),
  COURIER_ZR_EXPRESS_BASE_URL: url.default('https://api.zrexpress.app/api/v1/'),
  COURIER_PROCOLIS_BASE_URL: url.default('https://procolis.com/api_v1/'),
  COURIER_MAYSTRO_BASE_URL: url.default('https://backend.maystro-delivery.com/api/'),
  COURIER_NOEST_BASE_URL: url.default('https://app.noest-dz.com/api/public/'),
  COURIER_ECOTRACK_BASE_URL: optionalUrl,
  COURIER_ANDERSON_BASE_URL: url.default('https://anderson-ecommerce.ecotrack.dz/api/v1/'),
  // Per-request timeout of courier API calls; a booking that times out is looked up before retrying.
  COURIER_HTTP_TIMEOUT_MS: int(15_000, 100),
  // First delay before a failed (retryable) booking is retried; pg-boss doubles it each time.
  SHIPMENT_RETRY_DELAY_SECONDS: int(30, 1),
  // Tracking poll interval per workspace and courier (webhook couriers are polled 6x less often).
  TRACKING_POLL_SECONDS: int(900, 1),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  role: Env['WAKIL_ROLE'];
  logLevel: Env['LOG_LEVEL'];
  databaseUrl?: string;
  dataDir: string;
  /** Raw FERNET_KEYS; the vault decides what to do when absent (see src/crypto/keyring.ts). */
  fernetKeys?: string[];
  meta: {
    appSecret?: string;
    verifyToken?: string;
    graphBaseUrl: string;
    graphVersion: string;
    pairIntervalMs: number;
    sendRetryBaseMs: number;
    mediaMaxBytes: number;
  };
  anthropic: { apiKey?: string; baseUrl?: string; model: string };
  agent: {
    debounceMs: number;
    turnConcurrency: number;
    humanPauseMinutes: number;
    maxModelAttempts: number;
    maxToolIterations: number;
    historyMessages: number;
    maxTokens: number;
    anthropicMaxRetries: number;
    pricesJson?: string;
    /** 0 = no follow-ups. */
    followUpMinutes: number;
    /** 0 = no reminder. */
    pendingOrderRemindHours: number;
    pendingOrderExpireHours: number;
  };
  retention: { orderPiiDays: number };
  webhooks: { allowLoopback: boolean };
  api: { rateLimitPerMinute: number };
  jobs: { pollIntervalMs: number; leaseGraceSeconds: number; listen: boolean };
  sheets: { rootUrl: string; pollSeconds: number; syncDelayMs: number };
  chargily: { baseUrl: string; secretKey?: string };
  /** DZD per USD, for AI cost and ROI in the stats. */
  usdDzdRate: number;
  sentryDsn?: string;
  publicBaseUrl: string;
  courierBaseUrls: Record<CourierId, string | undefined>;
  shipping: { courierTimeoutMs: number; retryDelaySeconds: number; pollSeconds: number };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once. Every problem is reported at once, each naming its variable. */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const e = parsed.data;
  const issues: string[] = [];
  const fernetKeys = e.FERNET_KEYS?.split(',').map((k) => k.trim()).filter(Boolean);
  if (e.NODE_ENV === 'production' && e.WEBHOOKS_ALLOW_LOOPBACK) {
    issues.push('WEBHOOKS_ALLOW_LOOPBACK: must not be true when NODE_ENV=production (it would let webhooks reach internal addresses)');
  }
  fernetKeys?.forEach((k, i) => {
    // 32 bytes in urlsafe base64 (44 characters with padding); the value itself is never echoed.
    if (!/^[A-Za-z0-9_-]{43}=?$/.test(k) || Buffer.from(k, 'base64url').length !== 32) {
      issues.push(`FERNET_KEYS: key #${i + 1} is not a Fernet key (32 bytes of urlsafe base64; make one with \`npx wakil keys generate\`)`);
    }
  });
  if (e.NODE_ENV === 'production' && !fernetKeys?.length) {
    issues.push('FERNET_KEYS: required when NODE_ENV=production (generate one with `npx wakil keys generate`)');
  }
  if (issues.length) throw new ConfigError(issues);

  const courierBaseUrls = {} as Record<CourierId, string | undefined>;
  for (const id of COURIER_IDS) courierBaseUrls[id] = e[courierEnvName(id) as keyof Env] as string | undefined;

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    role: e.WAKIL_ROLE,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    fernetKeys,
    meta: {
      appSecret: e.META_APP_SECRET,
      verifyToken: e.META_VERIFY_TOKEN,
      graphBaseUrl: e.META_GRAPH_BASE_URL.replace(/\/+$/, ''),
      graphVersion: e.META_GRAPH_VERSION,
      pairIntervalMs: e.WHATSAPP_PAIR_INTERVAL_MS,
      sendRetryBaseMs: e.META_SEND_RETRY_BASE_MS,
      mediaMaxBytes: e.MEDIA_MAX_BYTES,
    },
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL, model: e.AGENT_MODEL },
    agent: {
      debounceMs: e.AGENT_DEBOUNCE_MS,
      humanPauseMinutes: e.HUMAN_PAUSE_MINUTES,
      maxModelAttempts: e.AGENT_MAX_MODEL_ATTEMPTS,
      maxToolIterations: e.AGENT_MAX_TOOL_ITERATIONS,
      historyMessages: e.AGENT_HISTORY_MESSAGES,
      maxTokens: e.AGENT_MAX_TOKENS,
      turnConcurrency: e.AGENT_TURN_CONCURRENCY,
      anthropicMaxRetries: e.ANTHROPIC_MAX_RETRIES,
      pricesJson: e.AGENT_PRICES,
      followUpMinutes: e.AGENT_FOLLOW_UP_MINUTES,
      pendingOrderRemindHours: e.PENDING_ORDER_REMIND_HOURS,
      pendingOrderExpireHours: e.PENDING_ORDER_EXPIRE_HOURS,
    },
    retention: { orderPiiDays: e.ORDER_PII_RETENTION_DAYS },
    webhooks: { allowLoopback: e.WEBHOOKS_ALLOW_LOOPBACK },
    api: { rateLimitPerMinute: e.API_RATE_LIMIT_PER_MINUTE },
    jobs: { pollIntervalMs: e.JOBS_POLL_INTERVAL_MS, leaseGraceSeconds: e.JOB_LEASE_GRACE_SECONDS, listen: e.JOBS_LISTEN },
    sheets: { rootUrl: e.GOOGLE_SHEETS_ROOT_URL, pollSeconds: e.SHEETS_POLL_SECONDS, syncDelayMs: e.SHEETS_SYNC_DELAY_MS },
    chargily: { baseUrl: e.CHARGILY_BASE_URL, secretKey: e.CHARGILY_SECRET_KEY },
    usdDzdRate: e.USD_DZD_RATE,
    sentryDsn: e.SENTRY_DSN,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    courierBaseUrls,
    shipping: { courierTimeoutMs: e.COURIER_HTTP_TIMEOUT_MS, retryDelaySeconds: e.SHIPMENT_RETRY_DELAY_SECONDS, pollSeconds: e.TRACKING_POLL_SECONDS },
  };
}

/** The only place that reads process.env. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
