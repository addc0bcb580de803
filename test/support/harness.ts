import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import { parseConfig, type Config } from '../../src/config';
import { generateKey } from '../../src/crypto/fernet';
import { createContext, type AppContext } from '../../src/context';
import { registerJobs } from '../../src/jobs/register';
import { createLogger } from '../../src/observability/logger';
import { createApp } from '../../src/web/app';
import { sessionAuthResolver } from '../../src/web/session';
import { createWorkspace } from '../../src/workspaces/create-workspace';

/** Everything the app logged during a test, as parsed JSON lines (for redaction assertions). */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text() {
    return this.lines.join('\n');
  }
}

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    FERNET_KEYS: generateKey(),
    META_APP_SECRET: 'test-app-secret',
    META_VERIFY_TOKEN: 'test-verify-token',
    AGENT_DEBOUNCE_MS: '0',
    ...env,
  });
}

export interface TestApp {
  ctx: AppContext;
  /** The database this app uses: the run's shared one, or its own when it runs workers ('' on PGlite). */
  databaseUrl: string;
  app: ReturnType<typeof createApp>;
  logs: LogCapture;
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * The real app on the real test database, in process. `work: true` also runs the job workers
 * (polling fast) so a test can watch a webhook turn into a reply.
 */
export async function startTestApp(opts: { env?: Record<string, string | undefined>; work?: boolean } = {}): Promise<TestApp> {
  const logs = new LogCapture();
  // Job workers poll the whole queue: an app that runs them gets a database of its own, or it
  // would take jobs enqueued by another test file's app (and talk to that file's fakes).
  // An env with DATA_DIR and no DATABASE_URL runs on the embedded database (PGlite) instead.
  const embedded = opts.env?.DATA_DIR !== undefined && !opts.env?.DATABASE_URL;
  const own = opts.work && !opts.env?.DATABASE_URL && !embedded ? await isolatedDatabase() : undefined;
  const config = testConfig({ ...(own ? { DATABASE_URL: own.url } : {}), ...opts.env, ...(embedded ? { DATABASE_URL: undefined } : {}) });
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const ctx = await createContext(config, logger);
  registerJobs(ctx);
  await ctx.jobs.start({ work: opts.work ?? false });
  const app = createApp(ctx, { authResolvers: [sessionAuthResolver(ctx)] });
  return {
    ctx,
    app,
    logs,
    databaseUrl: config.databaseUrl ?? '',
    http: () => request(app),
    async close() {
      await ctx.jobs.stop();
      await ctx.db.close();
      await own?.drop();
    },
  };
}

/** A database cloned from the run's migrated template (a file copy: fast). */
async function isolatedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const template = process.env.TEST_TEMPLATE_DB;
  const runId = process.env.TEST_RUN_ID;
  if (!template || !runId) throw new Error('test/support/global-setup.ts did not run');
  // Random, not a counter: jest reloads this module for every test file of a worker process.
  const name = `wakil_test_w${crypto.randomBytes(4).toString('hex')}_${runId}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (e) {
        // Two clones of one template at the same instant: Postgres refuses the second; retry.
        if (attempt > 20 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await c.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const d = new Client({ connectionString: admin });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

let seq = 0;
/** A fresh workspace with its owner and API key: tests isolate by tenant, not by truncating. */
export async function newWorkspace(ctx: AppContext, name = 'Boutique Test') {
  seq += 1;
  const email = `owner-${process.pid}-${Date.now()}-${seq}@example.test`;
  const created = await createWorkspace(ctx.knex, { name, ownerEmail: email });
  return { ...created, email, auth: { Authorization: `Bearer ${created.api_key}` } };
}
