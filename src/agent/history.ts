import type Anthropic from '@anthropic-ai/sdk';
import type { AppContext } from '../context';
import { loadMessageMedia } from '../conversations/media';

type Block = Anthropic.Messages.ContentBlockParam;
export type Turn = { role: 'user' | 'assistant'; content: Block[] };

export interface MessageRow {
  id: string;
  direction: 'in' | 'out';
  author: string;
  kind: string;
  text: string | null;
  payload: Record<string, unknown> | null;
  status: string;
  created_at: Date;
  idempotency_key?: string | null;
}

/**
 * Messages in the order the conversation actually happened. Rows come sorted by arrival, but a
 * reply can be stored after a customer message it never saw: the turn checked for newer messages,
 * the customer's next one committed, then the reply was stored. Left in arrival order, that reply
 * would look like the answer to it and the message would never be answered. A reply's key names
 * the inbound message it answered (`turn:<conversation>:<message id>`), so it is moved right
 * after that message.
 */
export function causalOrder<T extends MessageRow>(rows: T[], conversationId: string): T[] {
  const prefix = `turn:${conversationId}:`;
  const out = [...rows];
  for (const reply of rows) {
    const key = reply.idempotency_key;
    if (reply.direction !== 'out' || !key?.startsWith(prefix)) continue;
    const from = out.indexOf(reply);
    const answered = out.findIndex((m) => m.id === key.slice(prefix.length));
    if (answered < 0 || answered + 1 >= from) continue;
    out.splice(from, 1);
    out.splice(answered + 1, 0, reply);
  }
  return out;
}

/** Signals that never wake the agent and carry nothing it should answer. */
export const SILENT_KINDS = ['reaction', 'edit', 'deleted'];
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const MAX_IMAGE_BYTES = 3_750_000; // the API's 5 MB base64 cap, as raw bytes

/** How a stored message reads to the model. Media bytes only for `withImages` (the new messages). */
async function blocksFor(ctx: AppContext, workspaceId: string, m: MessageRow, withImages: boolean): Promise<Block[]> {
  const text = m.text?.trim() ?? '';
  if (m.direction === 'out') {
    const who = m.author === 'human' ? '[shop team] ' : '';
    return [{ type: 'text', text: `${who}${text || '[message]'}` }];
  }
  switch (m.kind) {
    case 'text':
      return [{ type: 'text', text: text || '[empty message]' }];
    case 'audio':
    case 'voice':
      return [{ type: 'text', text: '[voice note: you cannot listen to it; ask the customer to type their message]' }];
    case 'image':
    case 'sticker': {
      const blocks: Block[] = [];
      if (withImages && m.kind === 'image') {
        const media = await loadMessageMedia(ctx, m.id, workspaceId).catch(() => null);
        if (media && IMAGE_TYPES.has(media.mime) && media.size <= MAX_IMAGE_BYTES) {
          blocks.push({
            type: 'image',
            source: { type: 'base64', media_type: media.mime as 'image/jpeg', data: media.bytes.toString('base64') },
          });
        }
      }
      if (!blocks.length) blocks.push({ type: 'text', text: `[${m.kind} from the customer${withImages ? ' (not available to view)' : ''}]` });
      if (text) blocks.push({ type: 'text', text });
      return blocks;
    }
    case 'button_reply':
    case 'quick_reply':
    case 'postback':
    case 'template_button':
    case 'list_reply':
      return [{ type: 'text', text: `${text || '[button]'} (tapped button)` }];
    case 'location': {
      const p = m.payload ?? {};
      const loc = (p.location ?? p) as { latitude?: number; longitude?: number; name?: string; address?: string };
      return [{ type: 'text', text: `[shared location${loc.name ? `: ${loc.name}` : ''}${loc.address ? `, ${loc.address}` : ''}] ${text}`.trim() }];
    }
    default:
      return [{ type: 'text', text: `[${m.kind}] ${text}`.trim() }];
  }
}

/**
 * Stored messages → alternating user/assistant turns, consecutive same-role messages merged. Older
 * history is rendered identically on every turn (no images, no clock), so it stays a cacheable
 * prefix; only `fresh` messages (this turn's) carry image bytes.
 */
export async function buildTurns(
  ctx: AppContext,
  workspaceId: string,
  rows: MessageRow[],
  freshIds: Set<string>,
  summary: string | null,
): Promise<Turn[]> {
  const turns: Turn[] = [];
  if (summary) turns.push({ role: 'user', content: [{ type: 'text', text: `[summary of the earlier conversation]\n${summary}` }] });
  for (const m of rows) {
    if (SILENT_KINDS.includes(m.kind) || (m.direction === 'out' && m.status === 'failed')) continue;
    const role = m.direction === 'in' ? 'user' : 'assistant';
    const blocks = await blocksFor(ctx, workspaceId, m, freshIds.has(m.id));
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  // The API wants the first turn from the user (a conversation can open with our template).
  if (turns[0]?.role === 'assistant') turns.unshift({ role: 'user', content: [{ type: 'text', text: '[conversation opened by the shop]' }] });
  return turns;
}
