import type { GraphClient } from './meta/graph-client';
import { MessengerPlatformChannel } from './meta/messenger-platform';

export class MessengerChannel extends MessengerPlatformChannel {
  readonly kind = 'messenger' as const;
  readonly webhookObject = 'page';
  // "Must be UTF-8 and has a 2000 character limit" (Send API, §3.4).
  readonly textLimit = { max: 2000, unit: 'chars' } as const;

  protected sendPath(pageId: string): string {
    return `/${pageId}/messages`;
  }

  async testConnection(graph: GraphClient, pageId: string): Promise<{ displayName?: string }> {
    const r = await graph.get<{ name?: string }>(`/${pageId}`, { fields: 'name' });
    return { displayName: r.name };
  }
}
