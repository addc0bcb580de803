import type { WebhookSubscriber, WebhookSubscription } from './contract';
import { readAppSubscription, subscribeApp, type GraphClient } from './meta/graph-client';
import { MessengerPlatformChannel } from './meta/messenger-platform';

/**
 * Instagram webhook fields whose events the shared parser (meta/messenger-platform.ts) stores.
 * Instagram names some differently from the Page: `message_edit` (singular), and echoes are a
 * field of their own with IG Login (meta-channels.md §2.6). Seen receipts (messaging_seen) and
 * bare referrals (messaging_referral) are dropped by the parser, so we do not ask for them.
 */
export const INSTAGRAM_WEBHOOK_FIELDS = ['messages', 'message_echoes', 'messaging_postbacks', 'message_reactions', 'message_edit'] as const;

export class InstagramChannel extends MessengerPlatformChannel implements WebhookSubscriber {
  readonly kind = 'instagram' as const;
  readonly webhookObject = 'instagram';
  // "Message text must be UTF-8 and be a 1000 bytes or less" (IG API with IG Login, §3.5): bytes, so Arabic halves it.
  readonly textLimit = { max: 1000, unit: 'bytes' } as const;
  readonly webhookFields = INSTAGRAM_WEBHOOK_FIELDS;

  // `/me/messages` works with both the Page token (Messenger Platform setup) and the IG user token.
  protected sendPath(): string {
    return '/me/messages';
  }

  async testConnection(graph: GraphClient, igId: string): Promise<{ displayName?: string }> {
    const r = await graph.get<{ username?: string; name?: string }>(`/${igId}`, { fields: 'username,name' });
    return { displayName: r.username ?? r.name };
  }

  // POST /{IG_ID}/subscribed_apps (§2.6). The Messenger Platform setup subscribes the linked Page
  // instead, whose id we do not store: such merchants still subscribe that Page themselves.
  subscribe(graph: GraphClient, igId: string, keep: readonly string[] = []): Promise<void> {
    return subscribeApp(graph, igId, [...this.webhookFields, ...keep]);
  }

  subscription(graph: GraphClient, igId: string): Promise<WebhookSubscription> {
    return readAppSubscription(graph, igId, this.webhookFields);
  }
}
