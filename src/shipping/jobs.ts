import { z } from 'zod';
import type { AppContext } from '../context';
import { bookShipment, BOOK_JOB } from './booking';
import { cancelShipment, CANCEL_JOB } from './cancel';
import { notifyCustomer, NotifyData } from './notify';
import { NOTIFY_JOB, POLL_JOB, PollData, pollShipments, schedulePoll } from './tracking';

const OrderData = z.object({ workspaceId: z.uuid(), orderId: z.uuid() });
/** Booking and cancelling retry the same courier failures the same way. */
const COURIER_RETRIES = 6;

/**
 * - shipment.book: one booking per order (idempotency key = order id). A courier refusal ends the
 *   job with the refusal on the shipment; timeouts, 5xx and rate limits throw and are retried
 *   with exponential backoff, each retry looking the parcel up before creating one.
 * - shipment.cancel: stops a cancelled order's parcel at the courier (keyed by order id, or order
 *   id + tracking when the booking finds the order cancelled). Refusals (already picked up, no
 *   cancel API) end the job with the reason on the shipment; the rest retries like booking.
 * - shipment.poll: the per workspace+courier tracking chain (see schedulePoll).
 * - shipment.notify: one customer message per delivery step.
 */
export function defineShippingJobs(ctx: AppContext): void {
  // Booking and cancelling talk to the courier about one order's parcel, with the same retries.
  const courierCall = {
    schema: OrderData,
    retryLimit: COURIER_RETRIES,
    retryDelaySeconds: ctx.config.shipping.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: 10 * 60,
    concurrency: 2,
  };
  ctx.jobs.define<z.infer<typeof OrderData>>({
    ...courierCall,
    name: BOOK_JOB,
    handler: async ({ workspaceId, orderId }, job) => {
      await bookShipment(ctx, workspaceId, orderId, { finalAttempt: job.retryCount >= COURIER_RETRIES });
    },
  });
  ctx.jobs.define<z.infer<typeof OrderData>>({
    ...courierCall,
    name: CANCEL_JOB,
    handler: async ({ workspaceId, orderId }, job) => {
      await cancelShipment(ctx, workspaceId, orderId, { retry: job.retryCount > 0, finalAttempt: job.retryCount >= COURIER_RETRIES });
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
