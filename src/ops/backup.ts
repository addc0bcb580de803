import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config';

const run = promisify(execFile);
export const BACKUP_RETENTION_DAYS = 14;
const NAME = /^wakil-(\d{8}T\d{6}Z)\.(pgdump|pglite\.tar\.gz)$/;

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * A consistent dump of the whole database: `pg_dump --format=custom` (one snapshot) for Postgres,
 * PGlite's own data-directory dump (taken with the database closed to writers) for the embedded
 * one. Dumps older than 14 days in the same folder are pruned afterwards.
 */
export async function backupDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, dir: string, now = new Date()): Promise<{ file: string; pruned: string[] }> {
  fs.mkdirSync(dir, { recursive: true });
  let file: string;
  if (config.databaseUrl) {
    file = path.join(dir, `wakil-${stamp(now)}.pgdump`);
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}.partial`, `--dbname=${config.databaseUrl}`]);
  } else {
    file = path.join(dir, `wakil-${stamp(now)}.pglite.tar.gz`);
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(path.join(config.dataDir, 'pglite'));
    try {
      const blob = await db.dumpDataDir('gzip');
      fs.writeFileSync(`${file}.partial`, Buffer.from(await blob.arrayBuffer()));
    } finally {
      await db.close();
    }
  }
  // Renamed only when complete, so a crash never leaves a truncated file that looks like a backup.
  fs.renameSync(`${file}.partial`, file);
  return { file, pruned: pruneBackups(dir, now) };
}

export function pruneBackups(dir: string, now = new Date()): string[] {
  const cutoff = now.getTime() - BACKUP_RETENTION_DAYS * 86400_000;
  const pruned: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = NAME.exec(f);
    if (!m) continue;
    const t = m[1]!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
    if (Date.parse(t) < cutoff) {
      fs.rmSync(path.join(dir, f));
      pruned.push(f);
    }
  }
  return pruned;
}

/**
 * Restores a dump into an EMPTY target: a Postgres database (pg_restore) or a new PGlite data
 * directory. Refuses a non-empty target rather than mixing two histories.
 */
export async function restoreDatabase(file: string, target: { databaseUrl?: string; dataDir?: string }): Promise<void> {
  if (file.endsWith('.pgdump')) {
    if (!target.databaseUrl) throw new Error('restoring a Postgres dump needs DATABASE_URL (an empty database)');
    const { stdout } = await run('psql', [target.databaseUrl, '-tAc', "select count(*) from information_schema.tables where table_schema = 'public'"]);
    if (Number(stdout.trim()) > 0) throw new Error('the target database is not empty');
    await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${target.databaseUrl}`, file]);
    return;
  }
  if (file.endsWith('.pglite.tar.gz')) {
    if (!target.dataDir) throw new Error('restoring an embedded dump needs DATA_DIR');
    const dir = path.join(target.dataDir, 'pglite');
    if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new Error(`the target ${dir} is not empty`);
    fs.mkdirSync(dir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dir, { loadDataDir: new Blob([fs.readFileSync(file)]) });
    await db.close();
    return;
  }
  throw new Error('unknown dump format: expected .pgdump or .pglite.tar.gz');
}
