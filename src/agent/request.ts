import type Anthropic from '@anthropic-ai/sdk';
import { catalogSummary } from '../catalog/search';
import type { AppContext } from '../context';
import type { Turn } from './history';
import { loadPrompt, render } from './prompts';
import type { WorkspaceAgent } from './settings';
import { TOOL_DEFINITIONS } from './tools';

const EPHEMERAL = { type: 'ephemeral' } as const;
const LANGUAGE_NAMES: Record<string, string> = {
  darija: 'Algerian Darija (Arabic script)',
  arabizi: 'Darija in Latin letters (Arabizi)',
  fr: 'French',
  ar: 'Arabic',
  en: 'English',
};

export function systemPrompt(s: WorkspaceAgent): string {
  return render(loadPrompt('system.md'), {
    shop_name: s.shop_name,
    persona: s.persona,
    tone: s.tone,
    languages: s.languages.map((l) => LANGUAGE_NAMES[l] ?? l).join(', '),
    delivery_options: s.delivery_options.map((d) => (d === 'home' ? 'home delivery' : 'stopdesk pick-up')).join(' or '),
    delivery_days: s.policies.delivery_days || 'ask the team if the customer needs a date',
    returns_policy: s.policies.returns || 'hand the conversation to a person for any return',
    origin_wilaya: s.origin_wilaya ?? 'not set',
    other_policies: s.policies.other ? `- ${s.policies.other}` : '',
  }).trim();
}

/**
 * The cache layout (reference/apis.md §1.10, max 4 breakpoints; prefix order tools → system →
 * messages): (1) the last tool, (2) the last system block (instructions + catalog), (3) the end
 * of the older history, (4) the newest message, moving forward inside the tool loop so each
 * iteration reads the previous one's prefix.
 */
export async function buildRequestBase(ctx: AppContext, workspaceId: string, settings: WorkspaceAgent) {
  const tools = TOOL_DEFINITIONS.map((t, i) => (i === TOOL_DEFINITIONS.length - 1 ? { ...t, cache_control: EPHEMERAL } : t));
  const system: Anthropic.Messages.TextBlockParam[] = [
    { type: 'text', text: systemPrompt(settings) },
    { type: 'text', text: render(loadPrompt('catalog.md'), { catalog: await catalogSummary(ctx.knex, workspaceId) }).trim(), cache_control: EPHEMERAL },
  ];
  return { tools: tools as Anthropic.Messages.Tool[], system };
}

/** Copies the turns with breakpoints at the end of `historyEnd` (index) and on the last block. */
export function withBreakpoints(turns: Turn[], historyEnd: number): Anthropic.Messages.MessageParam[] {
  const out = turns.map((t) => ({ role: t.role, content: t.content.map((b) => ({ ...b })) }));
  const mark = (i: number) => {
    const t = out[i];
    const b = t?.content[t.content.length - 1] as { cache_control?: unknown } | undefined;
    if (b) b.cache_control = EPHEMERAL;
  };
  if (historyEnd >= 0 && historyEnd < out.length - 1) mark(historyEnd);
  mark(out.length - 1);
  return out as Anthropic.Messages.MessageParam[];
}
