import type { WebhookSubscriber, WebhookSubscription } from './contract';
import { readAppSubscription, subscribeApp, type GraphClient } from './meta/graph-client';
import { MessengerPlatformChannel } from './meta/messenger-platform';

/**
 * Page webhook fields whose events the shared parser (meta/messenger-platform.ts) stores:
 * `message` → messages, `is_echo` → message_echoes, `postback` → messaging_postbacks,
 * `reaction` → message_reactions, `message_edit` → message_edits (meta-channels.md §2.5). Reads,
 * deliveries and bare referrals are dropped by the parser, so we do not ask for them.
 */
export const MESSENGER_WEBHOOK_FIELDS = ['messages', 'message_echoes', 'messaging_postbacks', 'message_reactions', 'message_edits'] as const;

export class MessengerChannel extends MessengerPlatformChannel implements WebhookSubscriber {
  readonly kind = 'messenger' as const;
  readonly webhookObject = 'page';
  // "Must be UTF-8 and has a 2000 character limit" (Send API, §3.4).
  readonly textLimit = { max: 2000, unit: 'chars' } as const;
  readonly webhookFields = MESSENGER_WEBHOOK_FIELDS;

  protected sendPath(pageId: string): string {
    return `/${pageId}/messages`;
  }

  async testConnection(graph: GraphClient, pageId: string): Promise<{ displayName?: string }> {
    const r = await graph.get<{ name?: string }>(`/${pageId}`, { fields: 'name' });
    return { displayName: r.name };
  }

  // POST /{PAGE_ID}/subscribed_apps with the Page token; needs pages_manage_metadata (§3.1).
  subscribe(graph: GraphClient, pageId: string, keep: readonly string[] = []): Promise<void> {
    return subscribeApp(graph, pageId, [...this.webhookFields, ...keep]);
  }

  subscription(graph: GraphClient, pageId: string): Promise<WebhookSubscription> {
    return readAppSubscription(graph, pageId, this.webhookFields);
  }
}
