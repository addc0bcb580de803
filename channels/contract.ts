import type { GraphClient } from './meta/graph-client';

export type ChannelKind = 'whatsapp' | 'messenger' | 'instagram';

/** Kinds of customer messages we store; the agent sees `kind` plus `text` and `payload`. */
export type MessageKind =
  | 'text' | 'image' | 'audio' | 'voice' | 'video' | 'document' | 'sticker' | 'location'
  | 'button_reply' | 'list_reply' | 'template_button' | 'quick_reply' | 'postback'
  | 'reaction' | 'order' | 'story_reply' | 'story_mention' | 'share' | 'edit' | 'deleted' | 'unsupported';

/** Where a media file can be fetched: a WhatsApp media id (two-step, token) or a CDN URL. */
export type MediaRef = { source: 'whatsapp'; id: string; mime?: string } | { source: 'url'; url: string; mime?: string };

export interface CustomerRef {
  /** Stable per-channel id: WhatsApp BSUID ?? wa_id, Messenger PSID, Instagram IGSID. */
  externalId: string;
  /** WhatsApp phone digits as Meta sent them; not necessarily the delivery phone. */
  waId?: string;
  name?: string;
  username?: string;
}

interface EventBase {
  channel: ChannelKind;
  /** phone_number_id / Page id / Instagram account id: the routing key to our channels row. */
  accountId: string;
  timestamp: Date;
}

/** One normalised thing a webhook told us. Every entry/change/messaging item yields 0..n of these. */
export type InboundEvent =
  | (EventBase & {
      type: 'message';
      customer: CustomerRef;
      /** Dedup key, unique per channel (wamid / mid, or a derived key for reactions/edits). */
      providerMessageId: string;
      kind: MessageKind;
      text?: string;
      media?: MediaRef;
      /** Normalised extras: button ids, location, cart, story, context; never the raw envelope. */
      payload: Record<string, unknown>;
      referral?: Record<string, unknown>;
      /** False for signals that should not wake the agent (reactions, edits, unsends). */
      triggersTurn: boolean;
    })
  | (EventBase & {
      /** A message sent from the business side: our own send, or the merchant typing in the Page inbox/phone. */
      type: 'echo';
      customer: CustomerRef;
      providerMessageId: string;
      kind: MessageKind;
      text?: string;
      /** The `metadata` string we attach on send (Messenger/IG), so our echoes are known even before the mid is stored. */
      metadata?: string;
      appId?: string;
    })
  | (EventBase & {
      type: 'status';
      providerMessageId: string;
      status: 'sent' | 'delivered' | 'read' | 'failed';
      error?: { code: string; message: string };
      /** biz_opaque_callback_data we set on send: lets a status find a message whose id was never stored. */
      callbackData?: string;
    });

/** Who to address: the channel's account and the customer as stored. */
export interface SendTarget {
  accountId: string;
  customer: { externalId: string; waId?: string | null };
}

export interface SendOptions {
  /** Messenger/Instagram outside the 24 h window: only a human reply may use HUMAN_AGENT (7 days). */
  tag?: 'HUMAN_AGENT';
  /** Opaque string echoed back by Meta (Messenger echo `metadata`, WhatsApp `biz_opaque_callback_data`). */
  metadata?: string;
}

export interface SendOutcome {
  providerMessageId: string;
}

export interface TextLimit {
  max: number;
  unit: 'chars' | 'bytes';
}

export interface ButtonSpec {
  id: string;
  title: string;
}

export interface ListSpec {
  button: string;
  sections: Array<{ title: string; rows: Array<{ id: string; title: string; description?: string }> }>;
}

export interface TemplateSpec {
  name: string;
  language: string;
  components?: unknown[];
}

/**
 * A Meta messaging channel. Implementations are plain Graph clients: no database, no express, no
 * agent. Every send throws ProviderError (retryable or not, per graph-client.ts) on refusal.
 */
export abstract class Channel {
  abstract readonly kind: ChannelKind;
  /** The `object` value of the webhooks this channel receives. */
  abstract readonly webhookObject: string;
  /** Per-message text limit: WhatsApp 4096 chars, Messenger 2000 chars, Instagram 1000 bytes (§3). */
  abstract readonly textLimit: TextLimit;
  /** Whether a template may be sent outside the 24 h window (WhatsApp only). */
  abstract readonly supportsTemplates: boolean;

  /**
   * Normalises one parsed webhook body (already signature-checked) into events. Called on the
   * request path: must not throw on odd shapes; unknown items are skipped, not fatal.
   */
  abstract parseWebhook(body: unknown): InboundEvent[];

  abstract sendText(graph: GraphClient, to: SendTarget, text: string, opts?: SendOptions): Promise<SendOutcome>;
  abstract sendImage(graph: GraphClient, to: SendTarget, image: { url: string; caption?: string }, opts?: SendOptions): Promise<SendOutcome>;
  /** Reply buttons (WhatsApp interactive buttons, ≤3) ; Messenger/IG fall back to quick replies. */
  abstract sendButtons(graph: GraphClient, to: SendTarget, text: string, buttons: ButtonSpec[], opts?: SendOptions): Promise<SendOutcome>;
  abstract sendQuickReplies(graph: GraphClient, to: SendTarget, text: string, replies: ButtonSpec[], opts?: SendOptions): Promise<SendOutcome>;
  abstract sendList(graph: GraphClient, to: SendTarget, text: string, list: ListSpec, opts?: SendOptions): Promise<SendOutcome>;
  /** Approved WhatsApp template; channels without templates throw a permanent ProviderError. */
  abstract sendTemplate(graph: GraphClient, to: SendTarget, template: TemplateSpec, opts?: SendOptions): Promise<SendOutcome>;
  /** Read receipt (and typing indicator when asked). WhatsApp needs the inbound message id. */
  abstract markRead(graph: GraphClient, to: SendTarget, opts: { providerMessageId?: string; typing: boolean }): Promise<void>;
  /** A cheap authenticated Graph call that proves the token can see the account. */
  abstract testConnection(graph: GraphClient, accountId: string): Promise<{ displayName?: string }>;
}

/** What Meta says about our app's webhook subscription on one account. */
export interface WebhookSubscription {
  subscribed: boolean;
  /** Fields our app receives for this account (empty when not subscribed). */
  fields: string[];
  /** Fields of `webhookFields` it does not receive. */
  missing: string[];
}

/** The stored columns a subscriber may pick its subscription account from. */
export interface SubscribableChannel {
  external_id: string;
  waba_id?: string | null;
}

/**
 * A channel whose account must subscribe our app before its webhooks reach us: the Messenger Page,
 * the Instagram account, or for WhatsApp the WhatsApp Business Account (WABA) that owns the number
 * (meta-channels.md §3.1). Meta also unsubscribes the app after about 1 h of failed deliveries and
 * only a new subscribe call restores it (meta-channels.md §4.7).
 */
export interface WebhookSubscriber {
  /**
   * The account id subscribe/subscription take for a stored channel; null when it is not known
   * (a WhatsApp channel without its WABA id), which skips the channel. Absent: the channel's
   * external_id.
   */
  subscriptionAccount?(channel: SubscribableChannel): string | null;
  /**
   * The webhook fields whose events parseWebhook turns into InboundEvents; what subscribe asks for.
   * Empty when the account's edge takes no fields (a WABA: they come from the app's webhook
   * configuration), so `missing` is then always empty.
   */
  readonly webhookFields: readonly string[];
  /**
   * Subscribes the token's app to the account for `webhookFields` plus `keep` (fields already
   * subscribed that must not be dropped). Idempotent. Throws ProviderError on refusal.
   */
  subscribe(graph: GraphClient, accountId: string, keep?: readonly string[]): Promise<void>;
  /** Whether the token's app is subscribed to the account, with which fields. One Graph read. */
  subscription(graph: GraphClient, accountId: string): Promise<WebhookSubscription>;
}

export function isWebhookSubscriber(c: Channel): c is Channel & WebhookSubscriber {
  const s = c as Partial<WebhookSubscriber>;
  return Array.isArray(s.webhookFields) && typeof s.subscribe === 'function' && typeof s.subscription === 'function';
}
