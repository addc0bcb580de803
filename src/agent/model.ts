import Anthropic from '@anthropic-ai/sdk';
import type { AppContext } from '../context';
import { costMicroUsd, priceTable, type Price, type TokenUsage } from './cost';

const clients = new WeakMap<AppContext, Anthropic>();
const tables = new WeakMap<AppContext, Record<string, Price>>();

/** One client per app context (keeps the HTTP agent warm); the SDK retries 429/5xx itself. */
export function anthropicFor(ctx: AppContext): Anthropic {
  let c = clients.get(ctx);
  if (!c) {
    c = new Anthropic({
      apiKey: ctx.config.anthropic.apiKey ?? 'missing-api-key',
      baseURL: ctx.config.anthropic.baseUrl,
      maxRetries: ctx.config.agent.anthropicMaxRetries,
      timeout: 60_000,
    });
    clients.set(ctx, c);
  }
  return c;
}

export function turnCost(ctx: AppContext, model: string, u: TokenUsage): number {
  let t = tables.get(ctx);
  if (!t) {
    t = priceTable(ctx.config.agent.pricesJson);
    tables.set(ctx, t);
  }
  return costMicroUsd(model, u, t);
}

/** True when another attempt later may succeed (overload, rate limit, 5xx, network). */
export function isRetryableModelError(e: unknown): boolean {
  if (e instanceof Anthropic.APIConnectionError) return true;
  if (e instanceof Anthropic.APIError) {
    const s = e.status ?? 0;
    if (s === 429 && (e as { errorCode?: string }).errorCode === 'enforced_spend_limit_reached') return false;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

export function isModelError(e: unknown): boolean {
  return e instanceof Anthropic.APIError;
}

export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export const emptyUsage = (): UsageTotals => ({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });

export function addUsage(t: UsageTotals, u: Anthropic.Messages.Usage): void {
  t.input_tokens += u.input_tokens ?? 0;
  t.output_tokens += u.output_tokens ?? 0;
  t.cache_read_input_tokens += u.cache_read_input_tokens ?? 0;
  t.cache_creation_input_tokens += u.cache_creation_input_tokens ?? 0;
}

/** One usage row per turn (all model calls of the turn summed), priced from the table. */
export async function recordUsage(ctx: AppContext, workspaceId: string, conversationId: string, model: string, t: UsageTotals): Promise<void> {
  if (!t.input_tokens && !t.output_tokens && !t.cache_read_input_tokens && !t.cache_creation_input_tokens) return;
  await ctx.knex('usage').insert({
    workspace_id: workspaceId,
    conversation_id: conversationId,
    model,
    input_tokens: t.input_tokens,
    output_tokens: t.output_tokens,
    cache_read_tokens: t.cache_read_input_tokens,
    cache_creation_tokens: t.cache_creation_input_tokens,
    cost_micro_usd: turnCost(ctx, model, t),
  });
}
