import { Client } from 'pg';

/** Drops every database of this run: the shared one, the template and any isolated leftovers. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.TEST_RUN_ID;
  if (!runId || process.env.KEEP_TEST_DB) return;
  const c = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  try {
    const dbs = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'wakil_test_%' AND datname LIKE $1", [`%_${runId}`]);
    for (const r of dbs.rows as Array<{ datname: string }>) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
