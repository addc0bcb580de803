import crypto from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../context';
import { listOrders, type OrderJson } from '../orders/service';
import { answerConversation, type TurnOutcome } from './run-turn';

/**
 * The merchant talks to their own agent without Meta: a 'playground' channel per workspace, one
 * customer/conversation per session, the SAME turn code as real conversations (tools, prompts,
 * integrity check). Replies are stored, not sent; orders made here carry source 'playground'
 * and run no order hooks (no sheet row, no courier booking).
 */
export const PlaygroundInput = z.union([
  z.object({ text: z.string().trim().min(1).max(4000), session_id: z.string().trim().min(1).max(64).optional() }),
  z.object({
    messages: z.array(z.union([z.string().trim().min(1).max(4000), z.object({ text: z.string().trim().min(1).max(4000) })])).min(1).max(20),
    session_id: z.string().trim().min(1).max(64).optional(),
  }),
]);
export type PlaygroundInput = z.infer<typeof PlaygroundInput>;

export interface PlaygroundResult {
  session_id: string;
  conversation_id: string;
  outcome: TurnOutcome['status'];
  replies: Array<{ text: string; buttons?: Array<{ id: string; title: string }> }>;
  orders: OrderJson[];
}

export async function playgroundTurn(ctx: AppContext, workspaceId: string, input: PlaygroundInput): Promise<PlaygroundResult> {
  const sessionId = input.session_id ?? crypto.randomUUID();
  const texts = 'text' in input ? [input.text] : input.messages.map((m) => (typeof m === 'string' ? m : m.text));
  const { conversationId, channelId } = await ctx.knex.transaction(async (trx) => {
    const [ch] = await trx('channels')
      .insert({ workspace_id: workspaceId, kind: 'playground', external_id: `playground:${workspaceId}`, display_name: 'Playground' })
      .onConflict(['kind', 'external_id'])
      .merge({ updated_at: trx.fn.now() })
      .returning('id');
    const [cu] = await trx('customers')
      .insert({ workspace_id: workspaceId, channel_id: ch.id, external_id: sessionId, name: 'Playground' })
      .onConflict(['channel_id', 'external_id'])
      .merge({ updated_at: trx.fn.now() })
      .returning('id');
    const [co] = await trx('conversations')
      .insert({ workspace_id: workspaceId, channel_id: ch.id, customer_id: cu.id })
      .onConflict(['channel_id', 'customer_id'])
      .merge({ updated_at: trx.fn.now() })
      .returning('id');
    const base = Date.now();
    await trx('messages').insert(
      texts.map((text, i) => ({
        workspace_id: workspaceId,
        conversation_id: co.id,
        channel_id: ch.id,
        direction: 'in',
        author: 'customer',
        kind: 'text',
        text,
        status: 'received',
        created_at: new Date(base + i),
      })),
    );
    await trx('conversations').where({ id: co.id }).update({ last_inbound_at: trx.fn.now() });
    return { conversationId: co.id as string, channelId: ch.id as string };
  });
  const before = await ctx.knex('messages').where({ conversation_id: conversationId, direction: 'out' }).pluck('id');
  const outcome = await answerConversation(ctx, { workspaceId, conversationId }, { lastAttempt: true });
  const replies = await ctx.knex('messages')
    .where({ conversation_id: conversationId, channel_id: channelId, direction: 'out' })
    .whereNotIn('id', before)
    .orderBy('created_at')
    .select('text', 'payload');
  return {
    session_id: sessionId,
    conversation_id: conversationId,
    outcome: outcome.status,
    replies: replies.map((r: { text: string; payload: { buttons?: Array<{ id: string; title: string }> } | null }) => ({
      text: r.text,
      ...(r.payload?.buttons ? { buttons: r.payload.buttons } : {}),
    })),
    orders: await listOrders(ctx.knex, workspaceId, { conversationId }),
  };
}
