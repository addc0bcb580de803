import type { AppContext } from '../context';
import { defineTurnJob } from '../conversations/turn-queue';

/**
 * Every module that defines jobs, in one list. A feature adds its `defineXJobs(ctx)` here with one
 * line, so web-only and worker processes know the same queues.
 */
export const jobModules: Array<(ctx: AppContext) => void> = [defineTurnJob];

export function registerJobs(ctx: AppContext): void {
  for (const define of jobModules) define(ctx);
}
