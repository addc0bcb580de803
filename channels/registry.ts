import type { Channel, ChannelKind } from './contract';
import { InstagramChannel } from './instagram';
import { MessengerChannel } from './messenger';
import { WhatsAppChannel } from './whatsapp';

/** Every channel kind, one adapter each: `satisfies` makes a missing kind a compile error. */
export const channelRegistry = {
  whatsapp: new WhatsAppChannel(),
  messenger: new MessengerChannel(),
  instagram: new InstagramChannel(),
} satisfies Record<ChannelKind, Channel>;

export const CHANNEL_KINDS = Object.keys(channelRegistry) as ChannelKind[];

export function channelFor(kind: string): Channel {
  const c = (channelRegistry as Record<string, Channel>)[kind];
  if (!c) throw new Error(`unknown channel kind ${kind}`);
  return c;
}

/** The adapter whose webhooks carry this `object` value, if any. */
export function channelForObject(object: unknown): Channel | undefined {
  return Object.values(channelRegistry).find((c) => c.webhookObject === object);
}
