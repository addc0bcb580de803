import type { AppContext } from '../context';
import { defineFollowUpJobs } from '../agent/follow-ups';
import { defineMediaJobs } from '../conversations/media';
import { defineTurnJob } from '../conversations/turn-queue';
import { defineChannelSubscriptionJob } from '../conversations/channel-subscriptions';
import { defineMerchantWebhookJobs } from '../merchant-webhooks/deliver';
import { definePurgeJob } from '../privacy/delete-workspace';
import { defineForgetJobs } from '../privacy/forget-customer';
import { defineSheetJobs } from '../sheets/jobs';
import { defineShippingJobs } from '../shipping/jobs';
import { defineMaintenanceJob } from '../privacy/retention';

/**
 * Every module that defines jobs, in one list. A feature adds its `defineXJobs(ctx)` here with one
 * line, so web-only and worker processes know the same queues.
 */
export const jobModules: Array<(ctx: AppContext) => void> = [
  defineTurnJob,
  defineMediaJobs,
  definePurgeJob,
  defineMaintenanceJob,
  defineForgetJobs,
  defineMerchantWebhookJobs,
  defineSheetJobs,
  defineShippingJobs,
  defineFollowUpJobs,
  defineChannelSubscriptionJob,
];

export function registerJobs(ctx: AppContext): void {
  for (const define of jobModules) define(ctx);
}
