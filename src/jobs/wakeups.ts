import pg from 'pg';
import { execNative, type Database } from '../db/connect';
import type { Logger } from '../observability/logger';

export const WAKE_CHANNEL = 'wakil_jobs';

/**
 * pg-boss 10 finds new jobs by polling (500 ms at the least), which was most of a turn's latency.
 * Postgres can say when a job is ready instead: triggers on pgboss.job notify on every job that
 * becomes fetchable (a new one, one put back for a retry, or the queued job of a 'stately' key
 * whose running job just ended) with the milliseconds until its start_after. NOTIFY is delivered
 * when the transaction commits, so a job enqueued with the message that caused it (ingest) wakes
 * workers exactly when it becomes visible, in every process listening. Polling stays as the
 * safety net: a lost notification costs one interval.
 */
const TRIGGER_SQL = `
CREATE OR REPLACE FUNCTION pgboss.wakil_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ready_at timestamptz := NEW.start_after;
BEGIN
  IF NEW.state >= 'active' THEN
    SELECT min(start_after) INTO ready_at FROM pgboss.job
     WHERE name = NEW.name AND policy = 'stately' AND state < 'active'
       AND COALESCE(singleton_key, '') = COALESCE(NEW.singleton_key, '');
    IF ready_at IS NULL THEN RETURN NULL; END IF;
  END IF;
  PERFORM pg_notify('${WAKE_CHANNEL}', NEW.name || ' ' ||
    greatest(0, ceil(extract(epoch FROM ready_at - clock_timestamp()) * 1000))::bigint);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS wakil_job_ready_insert ON pgboss.job;
CREATE TRIGGER wakil_job_ready_insert AFTER INSERT ON pgboss.job
  FOR EACH ROW WHEN (NEW.state < 'active') EXECUTE FUNCTION pgboss.wakil_notify_job();
DROP TRIGGER IF EXISTS wakil_job_ready_update ON pgboss.job;
CREATE TRIGGER wakil_job_ready_update AFTER UPDATE OF state ON pgboss.job
  FOR EACH ROW WHEN (NEW.state < 'active' OR (OLD.state = 'active' AND NEW.policy = 'stately'))
  EXECUTE FUNCTION pgboss.wakil_notify_job();`;

const TRIGGERS = ['wakil_job_ready_insert', 'wakil_job_ready_update'];

/**
 * Installs the triggers (idempotent; serialised so processes starting together do not collide).
 * DROP + CREATE rather than CREATE OR REPLACE TRIGGER, which needs Postgres 14.
 */
export async function installWakeTrigger(db: Database): Promise<void> {
  await db.knex.transaction(async (trx) => {
    await execNative(trx, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['wakil_notify_job']);
    const present = await execNative(trx, "SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = ANY($1) AND tgrelid = 'pgboss.job'::regclass", [TRIGGERS]);
    if (present.rows[0]?.n !== TRIGGERS.length) await execNative(trx, TRIGGER_SQL);
  });
}

const MAX_TIMED_WAKE_MS = 60_000;

/** Parses a notification payload: "<queue> <ms until start>". */
export function parseWake(payload: string | undefined): { queue: string; delayMs: number } | null {
  const m = /^(\S+) (\d+)$/.exec(payload ?? '');
  return m ? { queue: m[1]!, delayMs: Number(m[2]) } : null;
}

/**
 * Listens for job wake-ups and calls `onWake` (after the job's remaining delay, if any).
 * Postgres: a dedicated connection, reopened when it drops (a restart): the jobs committed
 * meanwhile are found by polling. PGlite: its in-process LISTEN.
 */
export class JobWakeups {
  private client?: pg.Client;
  private listenedBefore = false;
  private unlistenPglite?: () => Promise<void>;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly opts: {
      databaseUrl?: string;
      onWake: (queue: string) => void;
      /** After a lost connection is back: jobs that became ready meanwhile sent no notification we heard. */
      onReconnect?: () => void;
    },
  ) {}

  async start(): Promise<void> {
    if (this.db.listen) this.unlistenPglite = await this.db.listen(WAKE_CHANNEL, (p) => this.received(p));
    else if (this.opts.databaseUrl) await this.connect();
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.unlistenPglite?.().catch(() => undefined);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private received(payload: string | undefined): void {
    const wake = parseWake(payload);
    if (!wake || this.closed) return;
    if (wake.delayMs <= 0) {
      this.opts.onWake(wake.queue);
      return;
    }
    // Far-off jobs (follow-ups, scheduled syncs) are left to polling rather than held as timers.
    if (wake.delayMs > MAX_TIMED_WAKE_MS) return;
    // A debounced turn: wake exactly when it may start rather than at the next poll.
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) this.opts.onWake(wake.queue);
    }, wake.delayMs + 5);
    t.unref();
    this.timers.add(t);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({ connectionString: this.opts.databaseUrl, application_name: 'wakil-job-wakeups', keepAlive: true });
    c.on('notification', (n) => this.received(n.payload));
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${WAKE_CHANNEL}`);
      this.client = c;
      if (this.listenedBefore) this.opts.onReconnect?.();
      this.listenedBefore = true;
    } catch (err) {
      await c.end().catch(() => undefined);
      this.logger.warn({ err: { message: (err as Error).message } }, 'job wake-up connection failed; polling meanwhile, retrying');
      if (!this.closed) setTimeout(() => void this.connect(), 1000).unref();
    }
  }

  private lost(c: pg.Client, err?: Error): void {
    if (this.client !== c) return;
    this.client = undefined;
    if (this.closed) return;
    this.logger.warn({ err: err ? { message: err.message } : undefined }, 'job wake-up connection lost; polling meanwhile, reconnecting');
    setTimeout(() => void this.connect(), 500).unref();
  }
}
