import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { connectDatabase } from '../../src/db/connect';
import { createThrowawayDatabase } from '../support/throwaway-database';

// Each CLI call boots tsx (and, for the embedded case, PGlite): slow on a loaded 2-core machine.
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const ADMIN = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function wakil(args: string[], env: Record<string, string>): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'bin/wakil.js'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' });
}

async function emptyDatabase(label: string) {
  const name = `wakil_test_${label}_${process.pid}_${Date.now().toString(36)}`;
  const c = new Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const d = new Client({ connectionString: ADMIN });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await d.end();
    },
  };
}

describe('wakil backup and restore', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wakil-backup-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('dumps Postgres consistently, restores into an empty database, and prunes dumps older than 14 days', async () => {
    const src = await createThrowawayDatabase('bk_src');
    const dst = await emptyDatabase('bk_dst');
    try {
      const created = JSON.parse(wakil(['workspace', 'create', '--name', 'Boutique Sauvegarde', '--owner-email', 'backup@example.test', '--json'], { DATABASE_URL: src.url }));
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'wakil-20200101T000000Z.pgdump'), 'old');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a dump');
      const out = wakil(['backup', '--dir', dir], { DATABASE_URL: src.url });
      expect(out).toMatch(/Backup written: .*wakil-\d{8}T\d{6}Z\.pgdump/);
      expect(out).toContain('Pruned 1');
      const dumps = fs.readdirSync(dir).filter((f) => f.endsWith('.pgdump'));
      expect(dumps).toHaveLength(1);
      expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);

      wakil(['restore', path.join(dir, dumps[0]!)], { DATABASE_URL: dst.url });
      const db = await connectDatabase({ databaseUrl: dst.url, dataDir: '/nonexistent' });
      try {
        const ws = await db.knex('workspaces').where({ id: created.workspace_id }).first();
        expect(ws.name).toBe('Boutique Sauvegarde');
        const srcCounts = await src.db.knex('api_keys').count({ n: '*' }).first();
        const dstCounts = await db.knex('api_keys').count({ n: '*' }).first();
        expect(Number(dstCounts?.n)).toBe(Number(srcCounts?.n));
      } finally {
        await db.close();
      }
      // Restoring over a database that already has tables is refused.
      expect(() => wakil(['restore', path.join(dir, dumps[0]!)], { DATABASE_URL: dst.url })).toThrow(/not empty/);
    } finally {
      await src.drop();
      await dst.drop();
    }
  });

  it('dumps and restores the embedded database', async () => {
    const dataDir = tmp();
    const dir = tmp();
    const created = JSON.parse(wakil(['workspace', 'create', '--name', 'Embedded Shop', '--owner-email', 'embedded@example.test', '--json'], { DATA_DIR: dataDir }));
    const out = wakil(['backup', '--dir', dir], { DATA_DIR: dataDir });
    const file = /Backup written: (\S+)/.exec(out)![1]!;
    expect(file).toMatch(/\.pglite\.tar\.gz$/);
    const restoredDir = tmp();
    wakil(['restore', file], { DATA_DIR: restoredDir });
    const db = await connectDatabase({ dataDir: restoredDir });
    try {
      const ws = await db.knex('workspaces').where({ id: created.workspace_id }).first();
      expect(ws.name).toBe('Embedded Shop');
    } finally {
      await db.close();
    }
  });
});
