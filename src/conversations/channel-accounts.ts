import { z } from 'zod';
import { channelFor } from '../../channels/registry';
import type { AppContext } from '../context';
import { conflict, notFound, ProviderError } from '../errors';
import { graphFor } from './channel-access';
import { subscribeOnConnect } from './channel-subscriptions';

export const ConnectChannelInput = z.object({
  kind: z.enum(['whatsapp', 'messenger', 'instagram']),
  external_id: z.string().trim().regex(/^\d{1,32}$/, 'must be the numeric phone_number_id / Page id / Instagram account id'),
  access_token: z.string().trim().min(10).max(4096),
  display_name: z.string().trim().min(1).max(120).optional(),
  waba_id: z
    .string().trim().regex(/^\d{5,30}$/, 'must be the numeric WhatsApp Business Account ID (5 to 30 digits)')
    .nullable().optional()
    .describe('WhatsApp only: the WhatsApp Business Account ID, so Wakil subscribes to and checks the number\'s webhooks. Omitted on a reconnect keeps the stored one; null forgets it.'),
}).superRefine((v, c) => {
  if (v.waba_id != null && v.kind !== 'whatsapp') {
    c.addIssue({ code: 'custom', path: ['waba_id'], message: 'only a WhatsApp channel has a WhatsApp Business Account ID' });
  }
});
export type ConnectChannelInput = z.infer<typeof ConnectChannelInput>;

const PUBLIC_COLS = ['id', 'kind', 'external_id', 'waba_id', 'display_name', 'status', 'status_detail', 'last_inbound_at', 'created_at', 'updated_at'];

export async function listChannels(ctx: AppContext, workspaceId: string) {
  return ctx.knex('channels').where({ workspace_id: workspaceId }).orderBy('created_at').select(PUBLIC_COLS);
}

/**
 * Connects (or reconnects) a channel. The token goes to the vault only. An account already
 * connected to another workspace is a conflict: webhooks route by external id, so one owner.
 */
export async function connectChannel(ctx: AppContext, workspaceId: string, input: ConnectChannelInput) {
  const saved = await ctx.knex.transaction(async (trx) => {
    const existing = await trx('channels').where({ kind: input.kind, external_id: input.external_id }).forUpdate().first('id', 'workspace_id', 'waba_id');
    if (existing && existing.workspace_id !== workspaceId) {
      throw conflict(`This ${input.kind} account is already connected to another workspace`);
    }
    let id: string;
    let wabaId: string | null;
    if (existing) {
      id = existing.id;
      wabaId = input.waba_id === undefined ? existing.waba_id : input.waba_id;
      await trx('channels').where({ id }).update({
        status: 'active', status_detail: null, updated_at: trx.fn.now(),
        ...(input.display_name ? { display_name: input.display_name } : {}),
        ...(input.waba_id !== undefined ? { waba_id: input.waba_id } : {}),
      });
    } else {
      wabaId = input.waba_id ?? null;
      const [row] = await trx('channels')
        .insert({ workspace_id: workspaceId, kind: input.kind, external_id: input.external_id, display_name: input.display_name ?? null, waba_id: wabaId })
        .returning('id');
      id = row.id;
    }
    await ctx.vault.put(workspaceId, 'meta_token', id, input.access_token, trx);
    return { id, created: !existing, wabaId };
  });
  // After the commit: the token must be in the vault, and a Graph call must not hold the row lock.
  // Webhooks only arrive once our app is subscribed to the Page/IG account or the number's WABA.
  await subscribeOnConnect(ctx, { id: saved.id, workspace_id: workspaceId, kind: input.kind, external_id: input.external_id, waba_id: saved.wabaId });
  const channel = await ctx.knex('channels').where({ id: saved.id, workspace_id: workspaceId }).first(PUBLIC_COLS);
  return { channel, created: saved.created };
}

/**
 * Disconnects: the token is destroyed and webhooks for it are ignored, but conversations and
 * orders keep their history (deleting the row would cascade them away).
 */
export async function disconnectChannel(ctx: AppContext, workspaceId: string, channelId: string): Promise<void> {
  const ok = await ctx.knex.transaction(async (trx) => {
    const n = await trx('channels').where({ id: channelId, workspace_id: workspaceId }).update({ status: 'disconnected', status_detail: 'Disconnected by the merchant', updated_at: trx.fn.now() });
    if (n) await ctx.vault.remove(workspaceId, 'meta_token', channelId, trx);
    return n > 0;
  });
  if (!ok) throw notFound('Channel');
}

/** A cheap Graph read with the stored token; records the channel's health either way. */
export async function testChannel(ctx: AppContext, workspaceId: string, channelId: string) {
  const ch = await ctx.knex('channels').where({ id: channelId, workspace_id: workspaceId }).first('id', 'workspace_id', 'kind', 'external_id', 'display_name');
  if (!ch) throw notFound('Channel');
  let ok = true;
  let detail: string | null = null;
  let displayName: string | undefined;
  try {
    const graph = await graphFor(ctx, ch);
    displayName = (await channelFor(ch.kind).testConnection(graph, ch.external_id)).displayName;
  } catch (err) {
    ok = false;
    detail = err instanceof ProviderError ? err.message : 'Connection test failed';
    if (err instanceof ProviderError && err.providerCode === 190) detail = 'Access token expired or revoked: reconnect the channel';
  }
  await ctx.knex('channels').where({ id: ch.id }).update({
    status: ok ? 'active' : 'error', status_detail: detail, updated_at: ctx.knex.fn.now(),
    ...(ok && displayName && !ch.display_name ? { display_name: displayName } : {}),
  });
  return { ok, status: ok ? 'active' : 'error', detail, display_name: displayName ?? ch.display_name ?? null };
}
