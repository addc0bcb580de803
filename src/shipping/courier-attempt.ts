import type { AppContext } from '../context';
import { AppError, ProviderError } from '../errors';

/**
 * How the shipping jobs (booking, cancelling) read a failed courier call, in one place so both
 * retry exactly the same failures: a retryable ProviderError (timeout, 5xx, rate limit; see
 * couriers/http.ts) throws and the job queue retries it with backoff; a refusal is recorded on
 * shipments.error for the merchant and is not retried.
 */

/** One attempt's lease on a shipment (shipments.booking_until): long enough for a few courier calls, short enough that a crashed worker does not block a retry for long. */
export function courierLeaseMs(ctx: AppContext): number {
  return Math.max(60_000, 4 * ctx.config.shipping.courierTimeoutMs + 10_000);
}

/** A refusal the merchant must act on (not retried): courier refusals, unmapped geography, bad data, a missing account. */
export function isRefusal(err: unknown): err is AppError {
  if (err instanceof ProviderError) return !err.retryable;
  return err instanceof AppError && (err.type === 'invalid_input' || err.type === 'not_found' || err.type === 'unexpected_state');
}

/**
 * The words stored on the shipment for a failure the queue will retry. Transport errors already
 * say "we will try again"; on the last attempt that promise is replaced by who acts next (`giveUp`).
 * Anything that is not a ProviderError is described generically: its message may carry data.
 */
export function retryingWords(err: unknown, opts: { doing: string; giveUp: string; finalAttempt?: boolean }): string {
  const message = err instanceof ProviderError ? err.message : `Unexpected error while ${opts.doing}`;
  const words = opts.finalAttempt ? `${message.replace(/; we will try again$/, '')}. We gave up retrying: ${opts.giveUp}` : message;
  return words.slice(0, 1000);
}
