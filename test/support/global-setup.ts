import { Client } from 'pg';
import pino from 'pino';
import { createContext } from '../../src/context';
import { registerJobs } from '../../src/jobs/register';
import { testConfig } from './harness';

/**
 * One throwaway database per `npm test` run (several runs may share a machine), plus a migrated
 * template from which apps that run job workers get a database of their own (see harness.ts):
 * workers of two test files on one database would take each other's jobs. Every name ends in
 * `_<pid>_<base-36 time>` (the run id), which cleanup reads.
 */
export default async function globalSetup(): Promise<void> {
  const admin = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `wakil_test_tpl_${runId}`;
  const name = `wakil_test_${runId}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  // Drop leftovers of runs that were killed more than an hour ago.
  const old = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'wakil_test_%'");
  for (const r of old.rows as Array<{ datname: string }>) {
    const stamp = parseInt(r.datname.split('_').pop() ?? '', 36);
    if (Number.isFinite(stamp) && Date.now() - stamp > 3600_000) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => undefined);
  }
  await c.query(`CREATE DATABASE "${template}"`);
  const url = (db: string) => {
    const u = new URL(admin);
    u.pathname = `/${db}`;
    return u.toString();
  };
  // Migrate and create the queue's schema and queues once, in the template.
  const ctx = await createContext(testConfig({ DATABASE_URL: url(template) }), pino({ level: 'silent' }));
  registerJobs(ctx);
  await ctx.jobs.start({ work: false });
  await ctx.jobs.stop();
  await ctx.db.close();
  await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  await c.end();
  process.env.TEST_RUN_ID = runId;
  process.env.TEST_TEMPLATE_DB = template;
  process.env.TEST_DATABASE_URL = url(name);
  process.env.TEST_DATABASE_NAME = name;
}
