import crypto from 'node:crypto';
import type { Knex } from 'knex';
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import { execNative, type Database } from '../db/connect';
import type { Logger } from '../observability/logger';
import { JobLeases } from './liveness';
import { installWakeTrigger, JobWakeups } from './wakeups';

export interface JobInfo {
  id: string;
  retryCount: number;
}

export interface JobDefinition<T> {
  name: string;
  /** Validates the payload when it is sent and again when it is worked. */
  schema: z.ZodType<T>;
  /**
   * 'stately': at most one queued and one running job per key (one conversation at a time;
   * a burst collapses into the job already queued). 'standard': no per-key limit.
   */
  policy?: 'standard' | 'stately' | 'singleton';
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** Exponential backoff between retries (pg-boss doubles the delay, with jitter). */
  retryBackoff?: boolean;
  expireInSeconds?: number;
  /** How many of this job run at once in one process. */
  concurrency?: number;
  handler: (data: T, job: JobInfo) => Promise<void>;
  /** Recurring: pg-boss's cron scheduler enqueues it (one enqueue per tick across all processes). */
  schedule?: { cron: string; data?: T };
}

export interface SendOptions {
  /** Per-key serialisation for 'stately'/'singleton' queues (e.g. the conversation id). */
  key?: string;
  /** Same key = same job: a second send is a no-op while the first is kept (default 14 days). */
  idempotencyKey?: string;
  startAfterMs?: number;
  /** Enqueue inside this transaction: the job exists if and only if the transaction commits. */
  trx?: Knex.Transaction;
}

const DEAD = (name: string) => `${name}__dead`;
const SCHEMA = 'pgboss';

/**
 * pg-boss 10 does not await the statement that completes or fails a job once its handler returns
 * (manager.js, work()): if the database is unreachable at that instant (a restart, a failover) the
 * rejection has no listener and Node kills the process, with every job it is running. These two
 * statements therefore never reject: the job stays 'active' and the lease sweep (liveness.ts)
 * hands it back for a retry; handlers are idempotent.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- pg-boss ships no types for its SQL plans
const bossPlans = require('pg-boss/src/plans') as {
  completeJobs(schema: string): string;
  failJobsById(schema: string): string;
  fetchNextJob(schema: string): (o: { includeMetadata?: boolean; priority?: boolean; ignoreStartAfter?: boolean }) => string;
};
const UNAWAITED_BY_BOSS = new Set([bossPlans.completeJobs(SCHEMA), bossPlans.failJobsById(SCHEMA)]);

/**
 * pg-boss 10's fetch takes the oldest queued job and activates it; on a 'stately' queue, when that
 * job's key already has an active job (a customer wrote again while their turn runs), activating
 * it breaks the one-active-per-key index, pg-boss swallows the error and the worker goes back to
 * sleep: every other conversation's turn waited behind that one. The fetch we run instead skips
 * queued jobs whose key is active (the index stays the guard against a race between two fetches).
 */
const START_AFTER_CLAUSE = 'AND start_after < now()';
const SKIP_ACTIVE_KEYS = `${START_AFTER_CLAUSE}
        AND (policy IS DISTINCT FROM 'stately' OR NOT EXISTS (
          SELECT 1 FROM ${SCHEMA}.job a
           WHERE a.name = $1 AND a.state = 'active' AND a.policy = 'stately'
             AND COALESCE(a.singleton_key, '') = COALESCE(job.singleton_key, '')))`;
export const FETCH_REWRITES = new Map(
  [true, false].flatMap((includeMetadata) =>
    [true, false].map((priority) => {
      const plan = bossPlans.fetchNextJob(SCHEMA)({ includeMetadata, priority });
      if (!plan.includes(START_AFTER_CLAUSE)) throw new Error('pg-boss fetch plan changed: review FETCH_REWRITES in src/jobs/queue.ts');
      return [plan, plan.replace(START_AFTER_CLAUSE, SKIP_ACTIVE_KEYS)] as const;
    }),
  ),
);
/** pg-boss 10's floor for pollingIntervalSeconds (its attorney.js asserts it). */
const MIN_BOSS_POLL_MS = 500;

/** Deterministic UUID (v5-shaped) so an idempotency key maps to one pg-boss job id. */
function uuidFromKey(name: string, key: string): string {
  const h = crypto.createHash('sha1').update(`${name}\u0000${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * A durable queue on Postgres (pg-boss), on the same database and connection discipline as the
 * rest of the app, so it works on PGlite too. Failed jobs that exhaust their retries land in a
 * `<name>__dead` queue, which operators see on the settings page and in /metrics.
 */
export class JobQueue {
  private readonly boss: PgBoss;
  private readonly defs = new Map<string, JobDefinition<unknown>>();
  private started = false;
  /** Called on every failed attempt (metrics). */
  onFailure?: (job: string) => void;
  private working = false;
  private readonly workerIds: string[] = [];
  /** Worker ids per queue, and those running a job right now (they fetch again when done). */
  private readonly queueWorkers = new Map<string, string[]>();
  private readonly busy = new Set<string>();
  private wakeTimer?: NodeJS.Timeout;
  private leases?: JobLeases;
  private wakeups?: JobWakeups;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly opts: {
      pollIntervalMs?: number;
      /** Postgres: where the wake-up listener connects (LISTEN needs a connection of its own). */
      databaseUrl?: string;
      /** Wake workers on NOTIFY (default); false leaves them to polling alone. */
      listen?: boolean;
      /** Postgres only: how long a running job may go unclaimed by a live process (src/jobs/liveness.ts). */
      lease?: { databaseUrl: string; graceSeconds: number };
    } = {},
  ) {
    this.boss = new PgBoss({
      db: {
        executeSql: async (text: string, values?: unknown[]) => {
          try {
            return await execNative(db.knex, FETCH_REWRITES.get(text) ?? text, values);
          } catch (err) {
            if (!UNAWAITED_BY_BOSS.has(text)) throw err;
            this.logger.warn({ err: { message: (err as Error).message } }, 'could not record a job outcome (database unreachable); the job will be retried');
            return { rows: [{ count: 0 }], rowCount: 0 }; // the shape pg-boss reads: nothing changed
          }
        },
      },
      schema: SCHEMA,
      // Our own database owns maintenance: keep completed jobs a day for the settings page.
      archiveCompletedAfterSeconds: 24 * 3600,
      deleteAfterDays: 14,
    } as unknown as PgBoss.ConstructorOptions);
    this.boss.on('error', (err) => this.logger.error({ err }, 'job queue error'));
  }

  define<T>(def: JobDefinition<T>): void {
    if (this.defs.has(def.name)) throw new Error(`job ${def.name} defined twice`);
    this.defs.set(def.name, def as JobDefinition<unknown>);
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Creates the queue tables and queues. With work=true this process also runs the handlers. */
  async start({ work }: { work: boolean }): Promise<void> {
    if (!this.started) {
      await this.boss.start();
      await installWakeTrigger(this.db);
      this.started = true;
    }
    for (const def of this.defs.values()) {
      await this.ensureQueue(DEAD(def.name), { name: DEAD(def.name) } as PgBoss.Queue);
      await this.ensureQueue(def.name, {
        name: def.name,
        policy: def.policy ?? 'standard',
        retryLimit: def.retryLimit ?? 5,
        retryDelay: def.retryDelaySeconds ?? 5,
        retryBackoff: def.retryBackoff ?? true,
        expireInSeconds: def.expireInSeconds ?? 15 * 60,
        deadLetter: DEAD(def.name),
      } as PgBoss.Queue);
      if (def.schedule) await this.boss.schedule(def.name, def.schedule.cron, (def.schedule.data ?? {}) as object, { tz: 'Africa/Algiers' });
    }
    if (work && !this.working) {
      this.working = true;
      await this.recoverAbandonedJobs();
      for (const def of this.defs.values()) await this.work(def);
      this.startWakeTimer();
      if (this.opts.listen !== false) {
        this.wakeups = new JobWakeups(this.db, this.logger, {
          databaseUrl: this.opts.databaseUrl,
          onWake: (q) => this.wakeIdleWorker(q),
          onReconnect: () => {
            for (const q of this.queueWorkers.keys()) this.wakeIdleWorker(q);
          },
        });
        await this.wakeups.start();
      }
    }
  }

  /**
   * A job of this queue became fetchable: one idle worker fetches now (the others keep sleeping,
   * so a job costs one fetch, not one per worker). Busy workers fetch again as soon as they finish.
   */
  private wakeIdleWorker(queue: string): void {
    const ids = this.queueWorkers.get(queue);
    if (!ids) return;
    const idle = ids.findIndex((id) => !this.busy.has(id));
    if (idle < 0) return;
    const [id] = ids.splice(idle, 1);
    ids.push(id!); // round robin: the next wake-up goes to another idle worker
    this.boss.notifyWorker(id!);
  }

  /**
   * pg-boss 10 refuses a polling interval under 500 ms, so a shorter one is a timer that wakes
   * every idle worker early (notifyWorker cuts its sleep short). Each tick costs one fetch query
   * per worker, which is why the default stays at 500 ms.
   */
  private startWakeTimer(): void {
    const ms = this.pollIntervalMs();
    if (ms >= MIN_BOSS_POLL_MS) return;
    this.wakeTimer = setInterval(() => {
      for (const id of this.workerIds) this.boss.notifyWorker(id);
    }, ms);
    this.wakeTimer.unref();
  }

  /**
   * Jobs left 'active' by a process that died go back to pg-boss's retry now rather than after
   * their expiry. Postgres: an advisory-lock lease per running job (liveness.ts). PGlite is one
   * process by construction, so at start every active job is an orphan of the previous run.
   */
  private async recoverAbandonedJobs(): Promise<void> {
    const fail = (name: string, id: string, reason: string) => this.boss.fail(name, id, { message: reason }).then(() => undefined);
    if (this.db.kind === 'pglite') {
      const r = await execNative(this.db.knex, "SELECT id, name FROM pgboss.job WHERE state = 'active' AND name = ANY($1)", [[...this.defs.keys()]]);
      for (const j of r.rows as Array<{ id: string; name: string }>) await fail(j.name, j.id, 'the process running this job stopped');
      return;
    }
    if (!this.opts.lease) return;
    this.leases = new JobLeases(this.opts.lease.databaseUrl, this.logger, {
      graceSeconds: this.opts.lease.graceSeconds,
      queues: () => [...this.defs.keys()],
      fail,
    });
    this.leases.start();
  }

  private pollIntervalMs(): number {
    return this.opts.pollIntervalMs ?? MIN_BOSS_POLL_MS;
  }

  /**
   * Creates the queue, or brings its options up to date. Several processes starting at once race
   * to create the same queue's partition; Postgres resolves that with a deadlock error, so retry.
   */
  private async ensureQueue(name: string, options: PgBoss.Queue): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await this.boss.getQueue(name)) await this.boss.updateQueue(name, options);
        else await this.boss.createQueue(name, options);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '23505' && code !== '42P07')) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      }
    }
  }

  private async work(def: JobDefinition<unknown>): Promise<void> {
    const n = def.concurrency ?? 2;
    for (let i = 0; i < n; i++) {
      const worker: { id?: string } = {};
      const id = await this.boss.work(
        def.name,
        // includeMetadata: without it pg-boss 10 hands out no retryCount, and every attempt would
        // look like the first (no holding message after a model outage, no final booking attempt).
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: Math.max(this.pollIntervalMs(), MIN_BOSS_POLL_MS) / 1000 },
        async (jobs) => {
          // pg-boss sleeps out the rest of the polling interval even after finding a job, which
          // capped a process at concurrency / interval jobs per second (8 turns/s, bench/scale-out.ts)
          // with a backlog waiting. Having just found one, look for the next at once.
          if (worker.id) {
            this.boss.notifyWorker(worker.id);
            this.busy.add(worker.id);
          }
          try {
            for (const job of jobs) await this.runOne(def, job);
          } finally {
            if (worker.id) this.busy.delete(worker.id);
          }
        },
      );
      worker.id = id;
      this.workerIds.push(id);
      const forQueue = this.queueWorkers.get(def.name) ?? [];
      forQueue.push(id);
      this.queueWorkers.set(def.name, forQueue);
    }
  }

  private async runOne(def: JobDefinition<unknown>, job: PgBoss.JobWithMetadata<unknown>): Promise<void> {
    const data = def.schema.parse(job.data);
    const info = { id: job.id, retryCount: job.retryCount ?? 0 };
    await this.leases?.hold(job.id);
    try {
      await def.handler(data, info);
    } catch (err) {
      this.onFailure?.(def.name);
      this.logger.warn({ err, job: def.name, jobId: job.id }, 'job failed; it will be retried or dead-lettered');
      throw err;
    } finally {
      await this.leases?.release(job.id);
    }
  }

  /** A job's validated payload and pg-boss options, for send() and sendMany(). */
  private prepare(name: string, data: unknown, opts: Omit<SendOptions, 'trx'>) {
    const def = this.defs.get(name);
    if (!def) throw new Error(`unknown job ${name}`);
    return {
      data: def.schema.parse(data) as object,
      ...(opts.key ? { singletonKey: opts.key } : {}),
      ...(opts.idempotencyKey ? { id: uuidFromKey(name, opts.idempotencyKey) } : {}),
      ...(opts.startAfterMs ? { startAfter: new Date(Date.now() + opts.startAfterMs) } : {}),
    };
  }

  /** Returns the job id, or null when the key or idempotency key says it already exists. */
  async send<T>(name: string, data: T, opts: SendOptions = {}): Promise<string | null> {
    const { data: payload, ...options } = this.prepare(name, data, opts);
    const trx = opts.trx;
    const db = trx ? { db: { executeSql: (text: string, values?: unknown[]) => execNative(trx, text, values) } } : {};
    try {
      return await this.boss.send(name, payload, { ...options, ...db } as PgBoss.SendOptions);
    } catch (err) {
      // A job with this idempotency key already exists (pg-boss inserts with ON CONFLICT on the
      // queue's unique keys; an explicit id collision surfaces as 23505 on some versions).
      if ((err as { code?: string }).code === '23505') return null;
      throw err;
    }
  }

  /**
   * Several jobs (of any queues) in one statement. Same options as send(), except that jobs a key
   * or idempotency key absorbs are skipped silently: there are no ids back.
   */
  async sendMany(jobs: Array<{ name: string; data: unknown } & Omit<SendOptions, 'trx'>>): Promise<void> {
    if (!jobs.length) return;
    const rows = jobs.map(({ name, data, ...opts }) => {
      const { startAfter, ...job } = this.prepare(name, data, opts);
      // pg-boss's batch insert takes a start time only as an ISO string ending in Z.
      return { name, ...job, ...(startAfter ? { startAfter: startAfter.toISOString() } : {}) };
    });
    await this.boss.insert(rows as PgBoss.JobInsert[]);
  }

  /** Jobs by state per queue, for /metrics and the settings page. */
  async counts(): Promise<Array<{ name: string; state: string; count: number }>> {
    const r = await execNative(
      this.db.knex,
      'SELECT name, state::text AS state, count(*)::int AS count FROM pgboss.job GROUP BY name, state ORDER BY name, state',
    );
    return r.rows as Array<{ name: string; state: string; count: number }>;
  }

  /** Dead-lettered jobs (exhausted retries), newest first. */
  async deadLetters(limit = 50): Promise<Array<{ id: string; name: string; data: unknown; created_on: Date }>> {
    const r = await execNative(
      this.db.knex,
      "SELECT id, name, data, created_on FROM pgboss.job WHERE name LIKE '%\\_\\_dead' ORDER BY created_on DESC LIMIT $1",
      [limit],
    );
    return r.rows as Array<{ id: string; name: string; data: unknown; created_on: Date }>;
  }

  /** Stops fetching new jobs and waits for the running ones to finish. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearInterval(this.wakeTimer);
    await this.wakeups?.stop();
    this.wakeups = undefined;
    await this.boss.stop({ graceful: true, wait: true, timeout: 20_000, close: false });
    await this.leases?.stop();
    this.leases = undefined;
  }
}
