import type { AppContext } from '../context';
import type { JobInfo } from '../jobs/queue';
import type { TurnJobData } from '../conversations/turn-queue';

/**
 * Answers a conversation: pause checks, Claude with the sales tools, the reply through the channel.
 * Implemented in the agent issue; until then a turn is a no-op so inbound messages still flow.
 */
export async function runTurn(ctx: AppContext, data: TurnJobData, _job: JobInfo): Promise<void> {
  ctx.logger.debug({ conversationId: data.conversationId }, 'turn: agent not wired yet');
}
