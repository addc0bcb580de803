import type { ClassifiedError } from './google-errors';

export interface BackoffOptions {
  attempts: number;
  baseMs: number;
  capMs: number;
  /** Beyond this single wait, give up here and let the job queue retry later. */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_BACKOFF: BackoffOptions = { attempts: 6, baseMs: 500, capMs: 20_000, maxWaitMs: 30_000 };

/**
 * How long to wait before attempt `n` (0-based count of failures so far): Google's Retry-After
 * when given, plus a little jitter so workers do not return in lockstep; else exponential backoff
 * with full jitter (Google asks for exponential backoff on 429, developers.google.com/sheets/api/limits).
 */
export function backoffDelay(n: number, err: ClassifiedError, o: BackoffOptions, random = Math.random): number {
  if (err.retryAfterSeconds !== undefined) return Math.round(err.retryAfterSeconds * 1000 * (1 + 0.2 * random()));
  const ceiling = Math.min(o.capMs, o.baseMs * 2 ** n);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Runs `fn` again on retryable failures. `fn` must be safe to repeat from the start: the sync cycle
 * re-reads the sheet each time, so a write that landed before a timeout is not written twice.
 */
export async function withBackoff<T>(
  fn: () => Promise<T>,
  classify: (err: unknown) => ClassifiedError,
  opts: Partial<BackoffOptions> = {},
): Promise<T> {
  const o = { ...DEFAULT_BACKOFF, ...opts };
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 0; ; n++) {
    try {
      return await fn();
    } catch (err) {
      const c = classify(err);
      if (!c.retryable || n + 1 >= o.attempts) throw err;
      const wait = backoffDelay(n, c, o);
      if (wait > o.maxWaitMs) throw err;
      await sleep(wait);
    }
  }
}
