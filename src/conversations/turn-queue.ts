import { z } from 'zod';
import type { AppContext } from '../context';
import { runTurn } from '../agent/run-turn';

export const TURN_JOB = 'conversation.turn';
export const TurnJobData = z.object({ workspaceId: z.uuid(), conversationId: z.uuid() });
export type TurnJobData = z.infer<typeof TurnJobData>;

/**
 * One conversation turn at a time per conversation ('stately' keyed by conversation id): while a
 * turn is queued, later messages of the burst join it instead of queuing another; the start is
 * delayed by the debounce so a burst of messages gets one answer.
 */
export function defineTurnJob(ctx: AppContext): void {
  ctx.jobs.define({
    name: TURN_JOB,
    schema: TurnJobData,
    policy: 'stately',
    retryLimit: 6,
    retryDelaySeconds: 5,
    retryBackoff: true,
    expireInSeconds: 10 * 60,
    concurrency: ctx.config.agent.turnConcurrency,
    handler: (data, job) => runTurn(ctx, data, job),
  });
}

/**
 * The turn job for a conversation, for JobQueue.send/sendMany: keyed by conversation (a turn
 * already queued absorbs it) and delayed by the debounce so a burst of messages gets one answer.
 */
export function turnJob(ctx: AppContext, data: TurnJobData) {
  return { name: TURN_JOB, data, key: data.conversationId, startAfterMs: ctx.config.agent.debounceMs };
}
