import type { Knex } from 'knex';
import type { Channel, SendTarget } from '../../channels/contract';
import { GraphClient } from '../../channels/meta/graph-client';
import { channelFor } from '../../channels/registry';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';

export interface ChannelRow {
  id: string;
  workspace_id: string;
  kind: string;
  external_id: string;
  status: string;
}

/** A Graph client carrying the channel's token from the vault (kind 'meta_token', ref = channel id). */
export async function graphFor(ctx: AppContext, ch: Pick<ChannelRow, 'id' | 'workspace_id'>): Promise<GraphClient> {
  const token = await ctx.vault.get<string>(ch.workspace_id, 'meta_token', ch.id);
  if (!token) throw new ProviderError('meta', 'This channel has no access token: reconnect it', false);
  return new GraphClient({ baseUrl: ctx.config.meta.graphBaseUrl, version: ctx.config.meta.graphVersion, token });
}

export interface ConversationTarget {
  conversation: { id: string; workspace_id: string; last_inbound_at: Date | null; last_outbound_at: Date | null };
  channel: ChannelRow;
  adapter: Channel;
  to: SendTarget;
}

/** The conversation with its channel and customer, scoped to the workspace; null when not found there. */
export async function loadTarget(k: Knex, workspaceId: string, conversationId: string): Promise<ConversationTarget | null> {
  const row = await k('conversations as c')
    .join('channels as ch', 'ch.id', 'c.channel_id')
    .join('customers as cu', 'cu.id', 'c.customer_id')
    .where({ 'c.id': conversationId, 'c.workspace_id': workspaceId })
    .first(
      'c.id', 'c.workspace_id', 'c.last_inbound_at', 'c.last_outbound_at',
      'ch.id as channel_id', 'ch.kind', 'ch.external_id as account_id', 'ch.status as channel_status',
      'cu.external_id as customer_external_id', 'cu.wa_id',
    );
  if (!row) return null;
  const channel: ChannelRow = { id: row.channel_id, workspace_id: row.workspace_id, kind: row.kind, external_id: row.account_id, status: row.channel_status };
  return {
    conversation: { id: row.id, workspace_id: row.workspace_id, last_inbound_at: row.last_inbound_at, last_outbound_at: row.last_outbound_at },
    channel,
    adapter: channelFor(row.kind),
    to: { accountId: row.account_id, customer: { externalId: row.customer_external_id, waId: row.wa_id } },
  };
}
