import crypto from 'node:crypto';
import { z } from 'zod';
import type { MediaRef } from '../../channels/contract';
import { downloadBytes } from '../../channels/meta/graph-client';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';
import { graphFor } from './channel-access';

export const MEDIA_JOB = 'channels.media';
const MediaJobData = z.object({ workspaceId: z.uuid(), messageId: z.uuid() });

/**
 * Copies a customer's photo/voice note/file into our database soon after it arrives: WhatsApp
 * media ids expire after 7 days and lookaside URLs after 5 minutes; Messenger/IG CDN URLs expire
 * too (§3.6). Permanent problems (too large, gone) are recorded on the message, not retried.
 */
export function defineMediaJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: MEDIA_JOB,
    schema: MediaJobData,
    retryLimit: 5,
    retryDelaySeconds: 10,
    retryBackoff: true,
    concurrency: 2,
    handler: (data) => downloadMessageMedia(ctx, data.workspaceId, data.messageId),
  });
}

export async function downloadMessageMedia(ctx: AppContext, workspaceId: string, messageId: string): Promise<void> {
  const msg = await ctx.knex('messages as m')
    .join('channels as ch', 'ch.id', 'm.channel_id')
    .where({ 'm.id': messageId, 'm.workspace_id': workspaceId })
    .first('m.id', 'm.payload', 'ch.id as channel_id', 'ch.workspace_id');
  if (!msg) return;
  if (await ctx.knex('media').where({ message_id: messageId }).first('id')) return;
  const ref = (msg.payload as { media_ref?: MediaRef } | null)?.media_ref;
  if (!ref) return;
  const max = ctx.config.meta.mediaMaxBytes;
  let file: { bytes: Buffer; mime?: string };
  try {
    if (ref.source === 'whatsapp') {
      // Two steps: the media id resolves to a short-lived URL that needs the same Bearer token.
      const graph = await graphFor(ctx, { id: msg.channel_id, workspace_id: msg.workspace_id });
      const info = await graph.get<{ url?: string; mime_type?: string; file_size?: number }>(`/${ref.id}`);
      if (!info.url) throw new ProviderError('meta', 'Meta returned no media URL', false);
      if (typeof info.file_size === 'number' && info.file_size > max) throw new ProviderError('meta', `media larger than ${max} bytes`, false);
      file = await downloadBytes(info.url, { token: graph.opts.token, maxBytes: max });
      file.mime = info.mime_type ?? file.mime;
    } else {
      file = await downloadBytes(ref.url, { maxBytes: max });
    }
  } catch (err) {
    if (err instanceof ProviderError && !err.retryable) {
      await ctx.knex('messages').where({ id: messageId }).update({ media: JSON.stringify({ status: 'failed', error: err.message.slice(0, 300) }) });
      return;
    }
    throw err;
  }
  const mime = (ref.mime ?? file.mime ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
  await ctx.knex.transaction(async (trx) => {
    const [row] = await trx('media')
      .insert({
        workspace_id: workspaceId, message_id: messageId, mime, size: file.bytes.length,
        sha256: crypto.createHash('sha256').update(file.bytes).digest('hex'), bytes: file.bytes,
      })
      .onConflict('message_id')
      .ignore()
      .returning('id');
    if (row) await trx('messages').where({ id: messageId }).update({ media: JSON.stringify({ status: 'stored', media_id: row.id, mime, size: file.bytes.length }) });
  });
}

export interface StoredMedia {
  mediaId: string;
  mime: string;
  size: number;
  bytes: Buffer;
}

/** The stored copy of a message's media (for the agent to look at a customer's photo), or null if not (yet) stored. */
export async function loadMessageMedia(ctx: AppContext, messageId: string, workspaceId?: string): Promise<StoredMedia | null> {
  const q = ctx.knex('media').where({ message_id: messageId });
  if (workspaceId) q.andWhere({ workspace_id: workspaceId });
  const row = await q.first('id', 'mime', 'size', 'bytes');
  return row ? { mediaId: row.id, mime: row.mime, size: row.size, bytes: Buffer.from(row.bytes) } : null;
}
