import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config';

// Postgres returns BIGINT (counts, sums) as strings; every amount we keep fits in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type DatabaseKind = 'postgres' | 'pglite';

export interface SqlResult {
  rows: any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  rowCount: number;
}

export interface Database {
  knex: Knex;
  kind: DatabaseKind;
  close(): Promise<void>;
  /**
   * PGlite only: its in-process LISTEN (Postgres listeners use a dedicated connection of their
   * own). Returns the unlisten function.
   */
  listen?: (channel: string, onPayload: (payload: string) => void) => Promise<() => Promise<void>>;
}

interface RawConnection {
  query(text: string, values?: unknown[]): Promise<unknown>;
  exec?: (text: string) => Promise<unknown[]>;
}

/**
 * Runs SQL written with $1..$n placeholders (pg-boss's plans, which may be several statements)
 * on the connection knex would use: the transaction's own connection when `k` is a transaction,
 * so a job can be enqueued atomically with the row that caused it. On PGlite this also keeps
 * pg-boss from slipping statements into someone else's open transaction.
 */
export async function execNative(k: Knex, text: string, values?: unknown[]): Promise<SqlResult> {
  const client = k.client as { acquireConnection(): Promise<RawConnection>; releaseConnection(c: RawConnection): Promise<unknown> };
  const conn = await client.acquireConnection();
  try {
    const multi = !values?.length && conn.exec !== undefined;
    const raw = multi ? await conn.exec!(text) : await conn.query(text, values);
    const list = (Array.isArray(raw) ? raw : [raw]) as Array<{ rows?: unknown[]; rowCount?: number | null; affectedRows?: number }>;
    const last = list[list.length - 1];
    return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? last?.affectedRows ?? last?.rows?.length ?? 0 };
  } finally {
    await client.releaseConnection(conn);
  }
}

/**
 * Postgres when DATABASE_URL is set, otherwise PGlite (Postgres compiled to WASM) under DATA_DIR.
 * The same migrations and queries run on both. PGlite is a single connection, so knex-pglite pins
 * the pool to one connection: a transaction holds it and every other query waits for it.
 */
export async function connectDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) {
    const knex = knexFactory({
      client: 'pg',
      connection: config.databaseUrl,
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: 10_000,
    });
    return { knex, kind: 'postgres', close: () => knex.destroy() };
  }

  const dir = path.join(config.dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create(dir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ClientPgLite = require('knex-pglite');
  const knex = knexFactory({ client: ClientPgLite, connection: { pglite } } as Knex.Config);
  return { knex, kind: 'pglite', close: () => knex.destroy(), listen: (channel, onPayload) => pglite.listen(channel, onPayload) };
}
