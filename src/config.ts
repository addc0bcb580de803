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
  GOOGLE_SHEETS_ROOT_URL: url.default('https://sheets.googleapis.com/'),
  CHARGILY_BASE_URL: url.default('https://pay.chargily.net/api/v2/'),
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
  meta: { appSecret?: string; verifyToken?: string; graphBaseUrl: string; graphVersion: string };
  anthropic: { apiKey?: string; baseUrl?: string; model: string };
  agent: { debounceMs: number; humanPauseMinutes: number };
  sheets: { rootUrl: string };
  chargily: { baseUrl: string; secretKey?: string };
  sentryDsn?: string;
  publicBaseUrl: string;
  courierBaseUrls: Record<CourierId, string | undefined>;
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
    },
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL, model: e.AGENT_MODEL },
    agent: { debounceMs: e.AGENT_DEBOUNCE_MS, humanPauseMinutes: e.HUMAN_PAUSE_MINUTES },
    sheets: { rootUrl: e.GOOGLE_SHEETS_ROOT_URL },
    chargily: { baseUrl: e.CHARGILY_BASE_URL, secretKey: e.CHARGILY_SECRET_KEY },
    sentryDsn: e.SENTRY_DSN,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    courierBaseUrls,
  };
}

/** The only place that reads process.env. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
