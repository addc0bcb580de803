import { z } from 'zod';
import type { AppContext } from '../context';
import { bookShipment, BOOK_JOB } from './booking';
import { notifyCustomer, NotifyData } from './notify';
import { NOTIFY_JOB, POLL_JOB, PollData, pollShipments, schedulePoll } from './tracking';

const BookData = z.object({ workspaceId: z.uuid(), orderId: z.uuid() });
const BOOK_RETRIES = 6;

/**
 * - shipment.book: one booking per order (idempotency key = order id). A courier refusal ends the
 *   job with the refusal on the shipment; timeouts, 5xx and rate limits throw and are retried
 *   with exponential backoff, each retry looking the parcel up before creating one.
 * - shipment.poll: the per workspace+courier tracking chain (see schedulePoll).
 * - shipment.notify: one customer message per delivery step.
 */
export function defineShippingJobs(ctx: AppContext): void {
  ctx.jobs.define<z.infer<typeof BookData>>({
    name: BOOK_JOB,
    schema: BookData,
    retryLimit: BOOK_RETRIES,
    retryDelaySeconds: ctx.config.shipping.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: 10 * 60,
    concurrency: 2,
    handler: async ({ workspaceId, orderId }, job) => {
      await bookShipment(ctx, workspaceId, orderId, { finalAttempt: job.retryCount >= BOOK_RETRIES });
    },
  });
  ctx.jobs.define<z.infer<typeof PollData>>({
    name: POLL_JOB,
    schema: PollData,
    policy: 'stately',
    retryLimit: 3,
    retryDelaySeconds: 60,
    concurrency: 1,
    handler: async ({ workspaceId, courier }) => {
      const connected = await ctx.knex('workspace_couriers').where({ workspace_id: workspaceId, courier }).first('courier');
      if (!connected) return; // disconnected: the chain ends
      const r = await pollShipments(ctx, workspaceId, courier);
      if (r.open) await schedulePoll(ctx, workspaceId, courier);
    },
  });
  ctx.jobs.define<NotifyData>({
    name: NOTIFY_JOB,
    schema: NotifyData,
    retryLimit: 5,
    retryDelaySeconds: 30,
    retryBackoff: true,
    concurrency: 2,
    handler: async (data) => {
      await notifyCustomer(ctx, data);
    },
  });
}
