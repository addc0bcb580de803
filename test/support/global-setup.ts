import { Client } from 'pg';
import pino from 'pino';
import { createContext } from '../../src/context';
import { registerJobs } from '../../src/jobs/register';
import { testConfig } from './harness';

/**
 * One throwaway database per `npm test` run (several runs may share a machine), migrated by the
 * first test context that connects. Its URL reaches the workers through process.env.
 */
export default async function globalSetup(): Promise<void> {
  const admin = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `wakil_test_${process.pid}_${Date.now().toString(36)}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  // Drop leftovers of runs that were killed more than an hour ago.
  const old = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'wakil_test_%'");
  for (const r of old.rows as Array<{ datname: string }>) {
    const stamp = parseInt(r.datname.split('_').pop() ?? '', 36);
    if (Number.isFinite(stamp) && Date.now() - stamp > 3600_000) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => undefined);
  }
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  // Migrate and create the queue's schema once, before parallel workers race to do it.
  const ctx = await createContext(testConfig(), pino({ level: 'silent' }));
  registerJobs(ctx);
  await ctx.jobs.start({ work: false });
  await ctx.jobs.stop();
  await ctx.db.close();
  process.env.TEST_DATABASE_NAME = name;
  (globalThis as Record<string, unknown>).__WAKIL_TEST_DB__ = name;
}
