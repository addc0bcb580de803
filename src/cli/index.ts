import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config';
import { loadKeyring } from '../crypto/keyring';
import { generateKey } from '../crypto/fernet';
import { connectDatabase } from '../db/connect';
import { migrateLatest } from '../db/migrate';
import { backupDatabase, restoreDatabase } from '../ops/backup';
import { createLogger } from '../observability/logger';
import { Vault } from '../secrets/vault';
import { createWorkspace } from '../workspaces/create-workspace';

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
}

// CLI logs go to stderr so --json output on stdout stays machine-readable.
const logger = () => createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof connectDatabase>>, cfg: Config) => Promise<T>): Promise<T> {
  const cfg = config();
  const db = await connectDatabase(cfg);
  try {
    await migrateLatest(db.knex);
    return await fn(db, cfg);
  } finally {
    await db.close();
  }
}

const program = new Command('wakil').description('Wakil operator commands');

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const cfg = config();
    const db = await connectDatabase(cfg);
    try {
      const applied = await migrateLatest(db.knex);
      console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
    } finally {
      await db.close();
    }
  });

const keys = program.command('keys').description('Fernet keys for stored secrets');
keys
  .command('generate')
  .description('print a new Fernet key')
  .action(() => console.log(generateKey()));
keys
  .command('rotate')
  .description('re-encrypt every stored secret under the first key of FERNET_KEYS (resumable)')
  .option('--batch-size <n>', 'secrets per transaction', '100')
  .action(async (opts: { batchSize: string }) => {
    const batchSize = Number(opts.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch-size must be a positive integer');
    await withDb(async (db, cfg) => {
      // Never rotate to a generated development key: a forgotten FERNET_KEYS would otherwise
      // re-encrypt production secrets under a key nobody has.
      if (!cfg.fernetKeys?.length) throw new Error('FERNET_KEYS must be set: the new key first, then the old one(s), e.g. FERNET_KEYS=new,old');
      const keyring = loadKeyring(cfg, logger());
      console.log(`Re-encrypting stored secrets under key ${keyring.primary.keyId}...`);
      const vault = new Vault(db.knex, keyring);
      const n = await vault.rotate({
        batchSize,
        onProgress: (done, remaining) => console.log(`re-encrypted ${done}, ${remaining} left`),
      });
      console.log(`Done: ${n} secret(s) re-encrypted. Keys other than the first can now be removed from FERNET_KEYS.`);
    });
  });

program
  .command('backup')
  .description('write a consistent dump of the database and prune dumps older than 14 days')
  .option('--dir <dir>', 'where dumps are kept', './backups')
  .action(async (opts: { dir: string }) => {
    const r = await backupDatabase(config(), opts.dir);
    console.log(`Backup written: ${r.file}`);
    if (r.pruned.length) console.log(`Pruned ${r.pruned.length} dump(s) older than 14 days: ${r.pruned.join(', ')}`);
  });

program
  .command('restore <file>')
  .description('restore a dump into an empty database (DATABASE_URL) or an empty DATA_DIR')
  .action(async (file: string) => {
    const cfg = config();
    await restoreDatabase(file, { databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
    console.log('Restored. Start Wakil with the same FERNET_KEYS to read the stored secrets.');
  });

program
  .command('jobs')
  .description('job counts by queue and state, and the newest dead-lettered jobs (retries exhausted)')
  .option('--dead <n>', 'how many dead-lettered jobs to list', '20')
  .action(async (opts: { dead: string }) => {
    await withDb(async (db) => {
      const { JobQueue } = await import('../jobs/queue');
      const q = new JobQueue(db, logger());
      for (const c of await q.counts()) console.log(`${c.name.padEnd(36)} ${c.state.padEnd(10)} ${c.count}`);
      const dead = await q.deadLetters(Number(opts.dead));
      if (dead.length) console.log('\nDead-lettered (newest first):');
      // Payloads hold ids only (workspace, conversation, order), never customer data.
      for (const d of dead) console.log(`${new Date(d.created_on).toISOString()}  ${d.name}  ${d.id}  ${JSON.stringify(d.data)}`);
    });
  });

const workspace = program.command('workspace').description('workspaces');
workspace
  .command('create')
  .description('create a workspace and its owner; prints a merchant API key once')
  .requiredOption('--name <name>', 'workspace (shop) name')
  .requiredOption('--owner-email <email>', "owner's email")
  .option('--owner-name <name>', "owner's name")
  .option('--language <lang>', 'fr | ar | en', 'fr')
  .option('--json', 'print JSON for scripts')
  .action(async (opts: { name: string; ownerEmail: string; ownerName?: string; language: string; json?: boolean }) => {
    await withDb(async (db) => {
      const created = await createWorkspace(db.knex, {
        name: opts.name,
        ownerEmail: opts.ownerEmail,
        ownerName: opts.ownerName,
        language: opts.language as 'fr',
      });
      if (opts.json) {
        console.log(JSON.stringify(created));
      } else {
        console.log(`Workspace ${created.workspace_id} created.`);
        console.log(`API key (shown once, keep it safe): ${created.api_key}`);
      }
    });
  });

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
