import type { GraphClient } from './meta/graph-client';
import { MessengerPlatformChannel } from './meta/messenger-platform';

export class InstagramChannel extends MessengerPlatformChannel {
  readonly kind = 'instagram' as const;
  readonly webhookObject = 'instagram';
  // "Message text must be UTF-8 and be a 1000 bytes or less" (IG API with IG Login, §3.5): bytes, so Arabic halves it.
  readonly textLimit = { max: 1000, unit: 'bytes' } as const;

  // `/me/messages` works with both the Page token (Messenger Platform setup) and the IG user token.
  protected sendPath(): string {
    return '/me/messages';
  }

  async testConnection(graph: GraphClient, igId: string): Promise<{ displayName?: string }> {
    const r = await graph.get<{ username?: string; name?: string }>(`/${igId}`, { fields: 'username,name' });
    return { displayName: r.username ?? r.name };
  }
}
