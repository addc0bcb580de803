import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import pino from 'pino';
import { z } from 'zod';
import { connectDatabase, type Database } from '../../src/db/connect';
import { migrateLatest } from '../../src/db/migrate';
import { JobQueue } from '../../src/jobs/queue';
import { parseWake } from '../../src/jobs/wakeups';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/throwaway-database';

/**
 * Workers wake on Postgres NOTIFY instead of polling. The workers here poll every 10 minutes,
 * longer than any wait below, so a job handled in these tests was found by a wake-up.
 */
const POLL_MS = 600_000;
const silent = pino({ level: 'silent' });

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Conversations whose turn handler is held open until the test releases it. */
const held = new Map<string, () => void>();
const turns: string[] = [];

function probeQueue(db: Database, ran: Array<{ n: number; at: number }>, opts: { databaseUrl?: string } = {}): JobQueue {
  const q = new JobQueue(db, silent, { pollIntervalMs: POLL_MS, ...opts });
  q.define({ name: 'probe.wake', schema: z.object({ n: z.number() }), retryLimit: 0, concurrency: 2, handler: async (d) => void ran.push({ n: d.n, at: Date.now() }) });
  q.define({
    name: 'probe.turn',
    schema: z.object({ conv: z.string() }),
    policy: 'stately',
    retryLimit: 0,
    concurrency: 3,
    handler: async (d) => {
      turns.push(`start ${d.conv}`);
      if (d.conv.startsWith('slow')) await new Promise<void>((resolve) => held.set(d.conv, resolve));
      turns.push(`end ${d.conv}`);
    },
  });
  return q;
}

describe('job wake-ups (LISTEN/NOTIFY) on Postgres', () => {
  let tdb: ThrowawayDatabase;
  let sender: JobQueue;
  let worker: JobQueue;
  let workerDb: Database;
  const ran: Array<{ n: number; at: number }> = [];

  beforeAll(async () => {
    tdb = await createThrowawayDatabase('wake');
    workerDb = await connectDatabase({ databaseUrl: tdb.url, dataDir: '/nonexistent' });
    // Two processes' worth: the web side enqueues, a worker elsewhere handles.
    sender = probeQueue(tdb.db, []);
    worker = probeQueue(workerDb, ran, { databaseUrl: tdb.url });
    await sender.start({ work: false });
    await worker.start({ work: true });
    await sleep(300); // the workers' first fetch (empty) is behind them: from now on they sleep
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await sender?.stop();
    await workerDb?.close();
    await tdb?.drop();
  });

  it('a job sent by another process is handled without waiting for the poll', async () => {
    await sender.send('probe.wake', { n: 1 });
    await until('job 1', () => ran.find((r) => r.n === 1));
  });

  it('a job enqueued in a transaction wakes the worker when it commits, not before', async () => {
    let committedAt = 0;
    await tdb.db.knex.transaction(async (trx) => {
      await sender.send('probe.wake', { n: 2 }, { trx });
      await sleep(400);
      committedAt = Date.now();
    });
    const r = await until('job 2', () => ran.find((x) => x.n === 2));
    expect(r.at).toBeGreaterThanOrEqual(committedAt);
  });

  it('a delayed job (the turn debounce) is woken when its start time comes', async () => {
    const sentAt = Date.now();
    await sender.send('probe.wake', { n: 3 }, { startAfterMs: 1500 });
    const r = await until('job 3', () => ran.find((x) => x.n === 3));
    expect(r.at - sentAt).toBeGreaterThanOrEqual(1400);
  });

  it('the listener reconnects after its connection is killed', async () => {
    const admin = new Client({ connectionString: tdb.url });
    await admin.connect();
    try {
      const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wakil-job-wakeups' AND datname = current_database()");
      expect(killed.rowCount).toBe(1);
      // Sent while nobody listens: its notification is lost; the reconnect wakes the workers.
      await sender.send('probe.wake', { n: 5 });
      // Wait until the new session has issued its LISTEN; then a job must still be woken (polling is 10 minutes).
      for (let i = 0; i < 300; i++) {
        const back = await admin.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = 'wakil-job-wakeups' AND datname = current_database() AND state = 'idle' AND query ILIKE 'LISTEN%'",
        );
        if (back.rowCount) break;
        await sleep(100);
      }
    } finally {
      await admin.end();
    }
    await sender.send('probe.wake', { n: 4 });
    await until('job 4', () => ran.find((x) => x.n === 4));
    await until('job 5, sent while the listener was down', () => ran.find((x) => x.n === 5));
  });

  it("a conversation's queued turn behind its running one does not hold up other conversations", async () => {
    await sender.send('probe.turn', { conv: 'slow-1' }, { key: 'slow-1' });
    await until('slow-1 running', () => held.has('slow-1'));
    // The customer writes again while their turn runs: a second turn queues behind it.
    expect(await sender.send('probe.turn', { conv: 'slow-1' }, { key: 'slow-1' })).toEqual(expect.any(String));
    await sleep(100);
    // Another customer: their turn is the second in line, after slow-1's queued one.
    await sender.send('probe.turn', { conv: 'other' }, { key: 'other' });
    await until('the other conversation answered', () => turns.includes('end other'));
    expect(turns.filter((t) => t === 'start slow-1')).toHaveLength(1); // never two at once for one key
    held.get('slow-1')!();
    held.delete('slow-1');
    // Once the running turn ends, the queued one for the same conversation runs.
    await until("slow-1's second turn", () => held.has('slow-1'));
    held.get('slow-1')!();
    await until('slow-1 done twice', () => turns.filter((t) => t === 'end slow-1').length === 2);
  });

  it('every job is handled once', () => {
    expect(ran.map((r) => r.n).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('job wake-ups on the embedded database (PGlite)', () => {
  it('a job sent in a transaction is handled once it commits, without polling', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wakil-wake-'));
    const db = await connectDatabase({ databaseUrl: undefined, dataDir: dir });
    const ran: Array<{ n: number; at: number }> = [];
    const q = probeQueue(db, ran);
    try {
      await migrateLatest(db.knex);
      await q.start({ work: true });
      await sleep(300);
      await db.knex.transaction(async (trx) => {
        await q.send('probe.wake', { n: 7 }, { trx });
      });
      await until('job 7', () => ran.find((x) => x.n === 7));
      expect(ran).toHaveLength(1);
    } finally {
      await q.stop();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('wake-up payloads', () => {
  it('parse as "<queue> <ms>" and nothing else', () => {
    expect(parseWake('conversation.turn 2000')).toEqual({ queue: 'conversation.turn', delayMs: 2000 });
    expect(parseWake('x 0')).toEqual({ queue: 'x', delayMs: 0 });
    expect(parseWake('x -5')).toBeNull();
    expect(parseWake('')).toBeNull();
    expect(parseWake(undefined)).toBeNull();
  });
});
