import { z } from 'zod';

/** USD per million tokens (reference/apis.md §1.11). Prices change: AGENT_PRICES overrides. */
const Price = z.object({ input: z.number(), output: z.number(), cache_write: z.number(), cache_read: z.number() });
export type Price = z.infer<typeof Price>;

const DEFAULT_PRICES: Record<string, Price> = {
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cache_write: 0.125, cache_read: 0.01 },
  'claude-haiku-4-5': { input: 1, output: 5, cache_write: 1.25, cache_read: 0.1 },
  'claude-sonnet-5-5': { input: 2, output: 10, cache_write: 2.5, cache_read: 0.1 },
  'claude-sonnet-5': { input: 2, output: 10, cache_write: 2.5, cache_read: 0.2 },
  'claude-sonnet-4-6': { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 },
  'claude-opus-5-5': { input: 4, output: 20, cache_write: 5, cache_read: 0.2 },
};

export function priceTable(json?: string): Record<string, Price> {
  if (!json) return DEFAULT_PRICES;
  return { ...DEFAULT_PRICES, ...z.record(z.string(), Price).parse(JSON.parse(json)) };
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** Cost in micro-USD (integer). Unknown model: priced as the most expensive known one, so it shows. */
export function costMicroUsd(model: string, u: TokenUsage, table: Record<string, Price>): number {
  const p =
    table[model] ??
    Object.entries(table).find(([k]) => model.startsWith(k))?.[1] ??
    Object.values(table).reduce((a, b) => (b.input > a.input ? b : a));
  // Haiku 5.5 bills the whole request at the >100K band when the prompt exceeds 100K tokens.
  const prompt = u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
  const band = model.startsWith('claude-haiku-5-5') && prompt > 100_000 ? 5 : 1;
  const usd =
    u.input_tokens * p.input +
    u.output_tokens * p.output +
    (u.cache_creation_input_tokens ?? 0) * p.cache_write +
    (u.cache_read_input_tokens ?? 0) * p.cache_read;
  return Math.round(usd * band); // tokens × USD/M = micro-USD
}
