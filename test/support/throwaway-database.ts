import { Client } from 'pg';
import { connectDatabase, type Database } from '../../src/db/connect';
import { migrateLatest } from '../../src/db/migrate';

export interface ThrowawayDatabase {
  url: string;
  db: Database;
  /** Closes the connection and drops the database (forcing out any straggling client). */
  drop(): Promise<void>;
}

/**
 * A migrated Postgres database of the test's own, for tests that act on every row (key rotation)
 * and so must not touch the shared test database. The name ends in a base-36 timestamp like the
 * shared one, so global-setup's cleanup also drops leftovers of killed runs.
 */
export async function createThrowawayDatabase(label: string): Promise<ThrowawayDatabase> {
  const admin = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `wakil_test_${label}_${process.pid}_${Date.now().toString(36)}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await connectDatabase({ databaseUrl: url, dataDir: '/nonexistent' });
  await migrateLatest(db.knex);
  return {
    url,
    db,
    async drop() {
      await db.close();
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
