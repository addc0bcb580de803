import type Anthropic from '@anthropic-ai/sdk';
import type { AppContext } from '../context';
import { addUsage, anthropicFor, emptyUsage, recordUsage } from './model';
import { loadPrompt, render } from './prompts';

/**
 * Long conversations: once more than 2×AGENT_HISTORY_MESSAGES messages sit after the summary
 * mark, the oldest ones (all but the last AGENT_HISTORY_MESSAGES) are folded into
 * conversations.summary. The mark moves in big steps, so between two summaries the history the
 * model sees only grows at its end and stays a cacheable prefix.
 */
export async function maybeSummarize(ctx: AppContext, workspaceId: string, conversationId: string): Promise<boolean> {
  const keep = ctx.config.agent.historyMessages;
  const conv = await ctx.knex('conversations').where({ id: conversationId, workspace_id: workspaceId }).first('summary', 'summary_until');
  if (!conv) return false;
  const q = ctx.knex('messages')
    .where({ conversation_id: conversationId })
    .whereNotIn('kind', ['reaction', 'edit', 'deleted'])
    .orderBy([{ column: 'stored_at', order: 'asc' }, { column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }])
    .select('id', 'direction', 'author', 'kind', 'text');
  if (conv.summary_until) q.where('stored_at', '>', afterSummaryMark(ctx, conversationId));
  const rows = await q;
  if (rows.length <= 2 * keep) return false;
  const fold = rows.slice(0, rows.length - keep);
  const transcript = fold
    .map((m: { direction: string; author: string; kind: string; text: string | null }) =>
      `${m.direction === 'in' ? 'customer' : m.author === 'human' ? 'shop team' : 'assistant'}: ${m.text ?? `[${m.kind}]`}`,
    )
    .join('\n');
  const model = ctx.config.anthropic.model;
  const res = await anthropicFor(ctx).messages.create({
    model,
    max_tokens: 400,
    messages: [{ role: 'user', content: render(loadPrompt('summary.md'), { previous: conv.summary ?? '(none)', transcript }) }],
  });
  const usage = emptyUsage();
  addUsage(usage, res.usage);
  await recordUsage(ctx, workspaceId, conversationId, model, usage);
  const summary = res.content.filter((b): b is Anthropic.Messages.TextBlock => b.type === 'text').map((b) => b.text).join('\n').trim();
  if (!summary) return false;
  // Copied inside Postgres: a JS Date would drop the microseconds, and the boundary message would
  // then sort after the mark and be both summarised and repeated verbatim.
  await ctx.knex('conversations')
    .where({ id: conversationId })
    .update({ summary, summary_until: ctx.knex('messages').where({ id: fold[fold.length - 1].id }).select('stored_at') });
  return true;
}

/** conversations.summary_until as a subquery, so the comparison keeps Postgres's microseconds. */
export function afterSummaryMark(ctx: AppContext, conversationId: string) {
  return ctx.knex('conversations').where({ id: conversationId }).select('summary_until');
}
