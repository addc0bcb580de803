import { Writable } from 'node:stream';
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
  const config = testConfig(opts.env);
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const ctx = await createContext(config, logger);
  registerJobs(ctx);
  await ctx.jobs.start({ work: opts.work ?? false });
  const app = createApp(ctx, { authResolvers: [sessionAuthResolver(ctx)] });
  return {
    ctx,
    app,
    logs,
    http: () => request(app),
    async close() {
      await ctx.jobs.stop();
      await ctx.db.close();
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
