import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { z } from 'zod';
import { connectDatabase, execNative, type Database } from '../../src/db/connect';
import { migrateLatest, migrationsApplied } from '../../src/db/migrate';
import { JobQueue } from '../../src/jobs/queue';

const ROOT = path.resolve(__dirname, '../..');

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('the embedded database (PGlite)', () => {
  let dir: string;
  let db: Database;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakil-pglite-'));
    db = await connectDatabase({ databaseUrl: undefined, dataDir: dir });
    // A fresh PGlite runs initdb in WASM: ~3 s on an idle 2-core box, far more when it is busy.
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is chosen when DATABASE_URL is unset, lives under DATA_DIR and takes the migrations', async () => {
    expect(db.kind).toBe('pglite');
    expect(fs.existsSync(path.join(dir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(await migrationsApplied(db.knex)).toBe(false);
    expect((await migrateLatest(db.knex)).length).toBeGreaterThan(0);
    expect(await migrationsApplied(db.knex)).toBe(true);
    expect(await migrateLatest(db.knex)).toEqual([]);
    const ws = await db.knex('workspaces').insert({ name: 'Embedded' }).returning(['id', 'status']);
    expect(ws[0]).toMatchObject({ status: 'active' });
    expect(ws[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never interleaves two concurrent transactions on its single connection', async () => {
    await db.knex.schema.createTable('probe_steps', (t) => {
      t.increments('seq');
      t.text('tx').notNullable();
      t.integer('step').notNullable();
      t.integer('seen_other').notNullable();
    });
    // Each transaction, step by step, counts the other's rows and writes one of its own, pausing
    // between statements. Interleaved on one session, the steps would alternate (ABAB) and each
    // would see the other's uncommitted rows (1, 2).
    const run = (me: string, other: string) =>
      db.knex.transaction(async (trx) => {
        for (let step = 1; step <= 3; step++) {
          const seen = await trx('probe_steps').where({ tx: other }).count({ n: '*' }).first();
          await trx('probe_steps').insert({ tx: me, step, seen_other: Number(seen!.n) });
          await sleep(25);
        }
      });
    // A plain query issued while the first transaction is open waits for it to finish.
    const outsider = sleep(10).then(async () => Number((await db.knex('probe_steps').where({ tx: 'A' }).count({ n: '*' }).first())!.n));
    const [, , outsiderSaw] = await Promise.all([run('A', 'B'), run('B', 'A'), outsider]);

    const rows = await db.knex('probe_steps').orderBy('seq');
    const order = rows.map((r) => r.tx).join('');
    expect(['AAABBB', 'BBBAAA']).toContain(order);
    const first = rows[0].tx;
    for (const r of rows) expect(r.seen_other).toBe(r.tx === first ? 0 : 3);
    expect([0, 3]).toContain(outsiderSaw);
  });

  it('rolls a failed transaction back and keeps the connection usable', async () => {
    await expect(
      db.knex.transaction(async (trx) => {
        await trx('probe_steps').insert({ tx: 'R', step: 1, seen_other: 0 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.knex('probe_steps').where({ tx: 'R' })).toHaveLength(0);
    // A failed statement inside a transaction must not leave the session "aborted".
    await expect(db.knex.transaction(async (trx) => trx.raw('select * from no_such_table'))).rejects.toThrow(/no_such_table/);
    expect((await db.knex.raw('select 1 as one')).rows[0].one).toBe(1);
  });

  it('runs pg-boss through JobQueue: workers, stately dedup, idempotency, transactional enqueue', async () => {
    const q = new JobQueue(db, pino({ level: 'silent' }));
    const ran: number[] = [];
    const statelyRan: string[] = [];
    q.define({ name: 'probe.run', schema: z.object({ n: z.number() }), retryLimit: 0, handler: async (d) => void ran.push(d.n) });
    q.define({
      name: 'probe.stately',
      schema: z.object({ conv: z.string() }),
      policy: 'stately',
      handler: async (d) => void statelyRan.push(d.conv),
    });
    try {
      await q.start({ work: false });

      // Nothing works the queue yet: a second job for the same key collapses into the queued one.
      expect(await q.send('probe.stately', { conv: 'c1' }, { key: 'c1' })).toEqual(expect.any(String));
      expect(await q.send('probe.stately', { conv: 'c1' }, { key: 'c1' })).toBeNull();
      expect(await q.send('probe.stately', { conv: 'c2' }, { key: 'c2' })).toEqual(expect.any(String));

      expect(await q.send('probe.run', { n: 1 }, { idempotencyKey: 'order-1' })).toEqual(expect.any(String));
      expect(await q.send('probe.run', { n: 1 }, { idempotencyKey: 'order-1' })).toBeNull();
      await expect(q.send('probe.run', { n: 'one' } as never)).rejects.toThrow();

      // Enqueued inside a transaction: the job exists if and only if the transaction commits.
      await expect(
        db.knex.transaction(async (trx) => {
          await trx('probe_steps').insert({ tx: 'J', step: 99, seen_other: 0 });
          await q.send('probe.run', { n: 99 }, { trx });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await db.knex.transaction(async (trx) => {
        await trx('probe_steps').insert({ tx: 'J', step: 7, seen_other: 0 });
        await q.send('probe.run', { n: 7 }, { trx });
      });
      const queued = await execNative(db.knex, "SELECT data->>'n' AS n FROM pgboss.job WHERE name = 'probe.run' ORDER BY created_on");
      expect(queued.rows.map((r) => r.n)).toEqual(['1', '7']);

      await q.start({ work: true });
      await until('the jobs to run', () => ran.length >= 2 && statelyRan.length >= 2, 30_000);
      const done = await until('the jobs to complete', async () => {
        const r = await execNative(db.knex, "SELECT name, state::text AS state, data FROM pgboss.job WHERE name LIKE 'probe.%'");
        return r.rows.every((j) => j.state === 'completed') && r.rows;
      });
      expect(done).toHaveLength(4);
      expect(ran.sort((a, b) => a - b)).toEqual([1, 7]);
      expect(statelyRan.sort()).toEqual(['c1', 'c2']);
      expect(await db.knex('probe_steps').where({ tx: 'J' }).pluck('step')).toEqual([7]);
    } finally {
      await q.stop();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('`npm start` on a fresh clone', () => {
  it('boots on PGlite with no configuration, prints the settings URL, and exits cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakil-boot-'));
    const port = await freePort();
    // Exactly what `npm start` runs: one node process with tsx as a loader (no wrapper process
    // between the signal and the app).
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ready = await until(
        'GET /readyz',
        async () => {
          if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}): ${stderr}`);
          const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
          return r?.status === 200 ? ((await r.json()) as { status: string; database: string }) : undefined;
        },
        // 15 s on this 2-core box at load 12 (WASM initdb, every migration, pg-boss's schema);
        // the bound is only there so a hang fails instead of stalling the suite.
        120_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`);
      });
      expect(ready).toEqual({ status: 'ready', database: 'pglite' });
      await until('the banner', () => stdout.includes('Settings page:'), 2_000);
      expect(stdout).toContain(`Settings page: http://localhost:${port}/`);
      // A development key was generated into DATA_DIR, readable by the owner only.
      expect(fs.statSync(path.join(dataDir, 'fernet.key')).mode & 0o777).toBe(0o600);

      // As a process manager (Docker, systemd) does: SIGTERM to the app's process.
      process.kill(child.pid!, 'SIGTERM');
      const giveUp = new AbortController();
      const code = await Promise.race([exited, sleep(30_000, 'still running', { signal: giveUp.signal })]);
      giveUp.abort();
      expect(code).toBe(0);
      expect(stdout).toContain('shutting down');
      expect(stderr).not.toMatch(/error/i);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});
