import type { Knex } from 'knex';

/**
 * Google allows 60 write requests per minute per user (a service account is one user) and answers
 * 429 beyond (reference/apis.md §2.5). We keep each spreadsheet under that with a sliding one-minute
 * window stored in Postgres: persisted rather than per-process, because web and worker processes
 * (and several workers) write to the same sheet, and a restart must not reset the count.
 */
export const WRITES_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

/** Thrown when the budget is spent: the caller reschedules the work instead of sleeping a minute. */
export class WriteBudgetExhausted extends Error {
  constructor(readonly waitMs: number) {
    super(`sheet write budget spent; next slot in ${waitMs} ms`);
    this.name = 'WriteBudgetExhausted';
  }
}

/**
 * Takes one write slot for `key`, or returns how long until one frees up. The row lock serialises
 * concurrent takers so two processes cannot both take the 60th slot.
 */
export async function takeWriteSlot(knex: Knex, key: string, limit = WRITES_PER_MINUTE): Promise<number> {
  return knex.transaction(async (trx) => {
    await trx.raw('INSERT INTO sheet_write_budget (key) VALUES (?) ON CONFLICT (key) DO NOTHING', [key]);
    const row = await trx('sheet_write_budget').where({ key }).forUpdate().first('stamps');
    const now = Date.now();
    const recent = ((row?.stamps ?? []) as Array<Date | string>)
      .map((d) => new Date(d).getTime())
      .filter((t) => now - t < WINDOW_MS)
      .sort((a, b) => a - b);
    if (recent.length >= limit) return recent[recent.length - limit]! + WINDOW_MS - now;
    recent.push(now);
    await trx('sheet_write_budget')
      .where({ key })
      .update({ stamps: trx.raw('?::timestamptz[]', [recent.map((t) => new Date(t).toISOString())]) });
    return 0;
  });
}

/** Waits for a slot when it is close; otherwise throws WriteBudgetExhausted for the job to reschedule. */
export async function acquireWriteSlot(knex: Knex, key: string, maxWaitMs = 3000): Promise<void> {
  for (;;) {
    const wait = await takeWriteSlot(knex, key);
    if (wait <= 0) return;
    if (wait > maxWaitMs) throw new WriteBudgetExhausted(wait);
    await new Promise((r) => setTimeout(r, wait + 10));
  }
}
