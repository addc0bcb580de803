import pg from 'pg';
import type { Logger } from '../observability/logger';

/**
 * pg-boss 10 has no heartbeat: a job whose worker died (kill -9, OOM, a lost machine) stays
 * 'active' until its expireInSeconds runs out, plus up to one maintenance interval (2 min). For a
 * conversation turn that was 10+ minutes of silence towards a customer, and while it lasts the
 * stately turn queue also refuses to start that conversation's next turn.
 *
 * Postgres already knows which processes are alive: a session advisory lock is released when its
 * connection ends, and the connection ends when the process dies. So each worker process holds,
 * on one dedicated connection, an advisory lock per job it is running; every worker sweeps
 * periodically for active jobs nobody holds a lock for (older than the grace, so the gap between
 * pg-boss activating a job and the handler taking its lock is never mistaken for death) and
 * fails them, which hands them back to pg-boss's own retry with the queue's backoff.
 *
 * A lease connection that drops (Postgres restart, network) is reopened and re-takes its locks;
 * a process only sweeps once its own connection has been up for a full grace period, by which
 * time every live process has had the same chance to re-take its locks.
 */
export class JobLeases {
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private upSince = 0;
  private readonly held = new Set<string>();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private sweeping = false;
  /** One statement at a time on the lease connection (pg 9 drops client-side query queueing). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly opts: {
      graceSeconds: number;
      /** Queues to sweep (the ones this process defines). */
      queues: () => string[];
      /** Fails a job as pg-boss would on an error, so its retry policy applies. */
      fail: (name: string, id: string, reason: string) => Promise<void>;
    },
  ) {}

  start(): void {
    void this.connect();
    this.timer = setInterval(() => void this.sweep(), Math.max(1000, (this.opts.graceSeconds * 1000) / 2));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  /** Marks a job as alive in this process for as long as it runs. Never throws. */
  async hold(jobId: string): Promise<void> {
    this.held.add(jobId);
    await this.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0))', [jobId]).catch(() => undefined);
  }

  async release(jobId: string): Promise<void> {
    this.held.delete(jobId);
    await this.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [jobId]).catch(() => undefined);
  }

  private query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[], on?: pg.Client): Promise<pg.QueryResult<R>> {
    const run = async () => {
      if (!on && !this.client) await this.connect();
      const c = on ?? this.client;
      if (!c) throw new Error('lease connection down');
      return c.query<R>(text, values);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const c = new pg.Client({ connectionString: this.url, application_name: 'wakil-job-leases', keepAlive: true });
      c.on('error', (err) => this.lost(c, err));
      c.on('end', () => this.lost(c));
      try {
        await c.connect();
        // Not yet published as this.client: nothing else can be using it.
        for (const id of this.held) await c.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0))', [id]);
        this.client = c;
        this.upSince = Date.now();
      } catch (err) {
        await c.end().catch(() => undefined);
        this.logger.warn({ err: { message: (err as Error).message } }, 'job lease connection failed; retrying');
        if (!this.closed) setTimeout(() => void this.connect(), 1000).unref();
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private lost(c: pg.Client, err?: Error) {
    if (this.client !== c) return;
    this.client = undefined;
    if (this.closed) return;
    this.logger.warn({ err: err ? { message: err.message } : undefined }, 'job lease connection lost; reconnecting');
    setTimeout(() => void this.connect(), 500).unref();
  }

  /** Fails active jobs of our queues that no live process holds. Returns how many. */
  async sweep(): Promise<number> {
    const c = this.client;
    const grace = this.opts.graceSeconds * 1000;
    if (!c || this.sweeping || Date.now() - this.upSince < grace) return 0;
    this.sweeping = true;
    let failed = 0;
    try {
      const { rows } = await this.query<{ id: string; name: string }>(
        `SELECT id, name FROM pgboss.job
          WHERE state = 'active' AND name = ANY($1) AND started_on < now() - make_interval(secs => $2)`,
        [this.opts.queues(), this.opts.graceSeconds],
        c,
      );
      for (const job of rows) {
        if (this.held.has(job.id)) continue; // ours: our own lock would be re-entrant
        const got = await this.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [job.id], c);
        if (!got.rows[0]?.ok) continue; // a live process holds it
        await this.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [job.id], c);
        await this.opts.fail(job.name, job.id, 'the worker running this job stopped (process died or lost its database connection)');
        failed += 1;
        this.logger.warn({ job: job.name, jobId: job.id }, 'job held by a dead worker: failed so it is retried');
      }
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'job lease sweep failed');
    } finally {
      this.sweeping = false;
    }
    return failed;
  }
}
