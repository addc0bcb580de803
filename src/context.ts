import type { Knex } from 'knex';
import type { Config } from './config';
import { loadKeyring } from './crypto/keyring';
import { connectDatabase, type Database } from './db/connect';
import { migrateLatest } from './db/migrate';
import { JobQueue } from './jobs/queue';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { Vault } from './secrets/vault';

/** What every module receives: no module reads configuration or opens connections by itself. */
export interface AppContext {
  config: Config;
  db: Database;
  knex: Knex;
  logger: Logger;
  vault: Vault;
  jobs: JobQueue;
  metrics: Metrics;
}

export async function createContext(config: Config, logger: Logger, opts: { migrate?: boolean } = {}): Promise<AppContext> {
  const db = await connectDatabase(config);
  if (opts.migrate !== false) {
    const applied = await migrateLatest(db.knex);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const vault = new Vault(db.knex, loadKeyring(config, logger));
  const jobs = new JobQueue(db, logger, {
    pollIntervalMs: config.jobs.pollIntervalMs,
    databaseUrl: config.databaseUrl,
    listen: config.jobs.listen,
    lease: config.databaseUrl ? { databaseUrl: config.databaseUrl, graceSeconds: config.jobs.leaseGraceSeconds } : undefined,
  });
  const metrics = createMetrics();
  jobs.onFailure = (job) => metrics.jobsFailed.inc({ job });
  return { config, db, knex: db.knex, logger, vault, jobs, metrics };
}
