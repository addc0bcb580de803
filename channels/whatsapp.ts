import { z } from 'zod';
import {
  Channel, type ButtonSpec, type InboundEvent, type ListSpec, type MediaRef, type MessageKind, type SendOptions,
  type SendOutcome, type SendTarget, type SubscribableChannel, type TemplateSpec, type WebhookSubscriber, type WebhookSubscription,
} from './contract';
import { GraphClient, tokenAppId } from './meta/graph-client';
import { Envelope, WaChange, WaContact, WaEntry, WaMessage, WaMetadata, WaSendResponse, WaStatus } from './meta/schemas';
import { ProviderError } from '../src/errors';

const STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);

/** WhatsApp timestamps are Unix seconds as strings. A missing/odd one falls back to now. */
function waTime(ts: unknown): Date {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 && n < 1e11 ? new Date(n * 1000) : new Date();
}

function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** WhatsApp message → kind, text, media, payload. */
function normalise(m: WaMessage): { kind: MessageKind; text?: string; media?: MediaRef; payload: Record<string, unknown>; triggersTurn: boolean; dedupId: string } {
  const media = (x: { id: string; mime_type?: string } | undefined): MediaRef | undefined =>
    x ? { source: 'whatsapp', id: x.id, mime: x.mime_type } : undefined;
  const base = { dedupId: m.id, triggersTurn: true, payload: compact({ context: m.context }) as Record<string, unknown> };
  switch (m.type) {
    case 'text':
      return { ...base, kind: 'text', text: m.text?.body };
    case 'image':
      return { ...base, kind: 'image', text: m.image?.caption, media: media(m.image) };
    case 'audio':
      return { ...base, kind: m.audio?.voice ? 'voice' : 'audio', media: media(m.audio) };
    case 'video':
      return { ...base, kind: 'video', text: m.video?.caption, media: media(m.video) };
    case 'document':
      return { ...base, kind: 'document', text: m.document?.caption, media: media(m.document), payload: { ...base.payload, filename: m.document?.filename } };
    case 'sticker':
      return { ...base, kind: 'sticker', media: media(m.sticker) };
    case 'location':
      return { ...base, kind: 'location', payload: { ...base.payload, location: m.location } };
    case 'interactive': {
      const b = m.interactive?.button_reply;
      const l = m.interactive?.list_reply;
      if (l) return { ...base, kind: 'list_reply', text: l.title, payload: { ...base.payload, reply_id: l.id, description: l.description } };
      return { ...base, kind: 'button_reply', text: b?.title, payload: { ...base.payload, reply_id: b?.id } };
    }
    case 'button':
      return { ...base, kind: 'template_button', text: m.button?.text, payload: { ...base.payload, reply_id: m.button?.payload } };
    case 'reaction':
      // Meta reuses the same wamid for adding and removing a reaction (§2.2): key on the emoji too.
      return {
        ...base,
        kind: 'reaction',
        text: m.reaction?.emoji,
        dedupId: `${m.id}:reaction:${m.reaction?.emoji ?? 'removed'}`,
        triggersTurn: false,
        payload: { reacted_to: m.reaction?.message_id, removed: !m.reaction?.emoji },
      };
    case 'order':
      return { ...base, kind: 'order', text: m.order?.text, payload: { ...base.payload, order: m.order } };
    case 'unsupported':
      if (m.unsupported?.type === 'edit') return { ...base, kind: 'edit', triggersTurn: false, payload: { ...base.payload, unsupported: m.unsupported } };
      return { ...base, kind: 'unsupported', payload: { ...base.payload, unsupported: m.unsupported ?? { type: m.type }, errors: m.errors } };
    default:
      return { ...base, kind: 'unsupported', payload: { ...base.payload, unsupported: { type: m.type } } };
  }
}

/**
 * `GET /{WABA_ID}/subscribed_apps`: one entry per subscribed app, the app nested under
 * `whatsapp_business_api_data` (Graph API reference › WhatsApp Business Account › subscribed_apps).
 * Unlike a Page's edge it lists no subscribed_fields.
 */
const WabaSubscribedApps = z.object({
  data: z.array(
    z.object({ whatsapp_business_api_data: z.object({ id: z.union([z.string(), z.number()]).transform(String) }).passthrough().optional() }).passthrough(),
  ),
});

export class WhatsAppChannel extends Channel implements WebhookSubscriber {
  readonly kind = 'whatsapp' as const;
  readonly webhookObject = 'whatsapp_business_account';
  readonly textLimit = { max: 4096, unit: 'chars' } as const;
  readonly supportsTemplates = true;
  // The WABA edge takes no subscribed_fields: the app's webhook configuration decides them.
  readonly webhookFields = [] as const;

  /** Webhooks of a number reach the apps subscribed to its WABA, not to the number itself. */
  subscriptionAccount(channel: SubscribableChannel): string | null {
    return channel.waba_id ?? null;
  }

  // POST /{WABA_ID}/subscribed_apps with the merchant's token (needs whatsapp_business_management);
  // answers { success: true }. No override_callback_uri: webhooks go to the app's callback URL.
  async subscribe(graph: GraphClient, wabaId: string): Promise<void> {
    const r = await graph.post<{ success?: unknown }>(`/${wabaId}/subscribed_apps`, undefined);
    if (r?.success !== true && r?.success !== 'true') throw new ProviderError('meta', 'Meta: the webhook subscription was not confirmed', true);
  }

  async subscription(graph: GraphClient, wabaId: string): Promise<WebhookSubscription> {
    const appId = await tokenAppId(graph);
    const r = WabaSubscribedApps.safeParse(await graph.get(`/${wabaId}/subscribed_apps`));
    if (!r.success) throw new ProviderError('meta', 'Meta: unexpected answer to GET subscribed_apps', true);
    return { subscribed: r.data.data.some((a) => a.whatsapp_business_api_data?.id === appId), fields: [], missing: [] };
  }

  parseWebhook(body: unknown): InboundEvent[] {
    const env = Envelope.safeParse(body);
    if (!env.success || env.data.object !== this.webhookObject) return [];
    const out: InboundEvent[] = [];
    for (const rawEntry of env.data.entry) {
      const entry = WaEntry.safeParse(rawEntry);
      if (!entry.success) continue;
      for (const rawChange of entry.data.changes) {
        const change = WaChange.safeParse(rawChange);
        if (!change.success) continue;
        const value = change.data.value as Record<string, unknown>;
        const meta = WaMetadata.safeParse(value.metadata);
        if (!meta.success) continue;
        const accountId = meta.data.phone_number_id;
        const contacts = (Array.isArray(value.contacts) ? value.contacts : [])
          .map((c) => WaContact.safeParse(c))
          .flatMap((c) => (c.success ? [c.data] : []));
        const contactFor = (waId?: string, userId?: string) =>
          contacts.find((c) => (userId && c.user_id === userId) || (waId && c.wa_id === waId)) ?? (contacts.length === 1 ? contacts[0] : undefined);

        if (change.data.field === 'messages') {
          for (const rawMsg of Array.isArray(value.messages) ? value.messages : []) {
            const msg = WaMessage.safeParse(rawMsg);
            if (!msg.success) continue;
            const m = msg.data;
            const contact = contactFor(m.from, m.from_user_id);
            const userId = m.from_user_id ?? contact?.user_id;
            const waId = m.from ?? contact?.wa_id;
            const externalId = userId ?? waId;
            if (!externalId) continue;
            const n = normalise(m);
            out.push({
              type: 'message', channel: 'whatsapp', accountId, timestamp: waTime(m.timestamp),
              customer: compact({ externalId, waId, name: contact?.profile?.name, username: contact?.profile?.username }),
              providerMessageId: n.dedupId, kind: n.kind, text: n.text, media: n.media,
              payload: compact(n.payload), referral: m.referral, triggersTurn: n.triggersTurn,
            });
          }
          for (const rawStatus of Array.isArray(value.statuses) ? value.statuses : []) {
            const st = WaStatus.safeParse(rawStatus);
            if (!st.success || !STATUSES.has(st.data.status)) continue;
            const err = st.data.errors?.[0];
            out.push({
              type: 'status', channel: 'whatsapp', accountId, timestamp: waTime(st.data.timestamp),
              providerMessageId: st.data.id, status: st.data.status as 'sent' | 'delivered' | 'read' | 'failed',
              error: err ? { code: String(err.code ?? 'unknown'), message: err.error_data?.details ?? err.message ?? err.title ?? 'failed' } : undefined,
              callbackData: st.data.biz_opaque_callback_data,
            });
          }
        } else if (change.data.field === 'smb_message_echoes') {
          // Coexistence: what the merchant typed in the WhatsApp Business app on the phone.
          for (const rawMsg of Array.isArray(value.message_echoes) ? value.message_echoes : []) {
            const msg = WaMessage.safeParse(rawMsg);
            if (!msg.success) continue;
            const m = msg.data;
            const externalId = m.to_user_id ?? m.to;
            if (!externalId) continue;
            const n = normalise(m);
            out.push({
              type: 'echo', channel: 'whatsapp', accountId, timestamp: waTime(m.timestamp),
              customer: compact({ externalId, waId: m.to }), providerMessageId: m.id, kind: n.kind, text: n.text,
            });
          }
        }
      }
    }
    return out;
  }

  private recipient(to: SendTarget): Record<string, string> {
    // Phone when we have it (to wins over recipient); BSUID-only users are addressed by `recipient` (July 2026).
    return to.customer.waId ? { to: `+${to.customer.waId.replace(/^\+/, '')}` } : { recipient: to.customer.externalId };
  }

  private async send(graph: GraphClient, to: SendTarget, message: Record<string, unknown>, opts?: SendOptions): Promise<SendOutcome> {
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...this.recipient(to),
      ...(opts?.metadata ? { biz_opaque_callback_data: opts.metadata } : {}),
      ...message,
    };
    const res = WaSendResponse.safeParse(await graph.post(`/${to.accountId}/messages`, body));
    if (!res.success) throw new ProviderError('meta', 'Meta: unexpected send response (no message id)', true);
    return { providerMessageId: res.data.messages[0]!.id };
  }

  sendText(graph: GraphClient, to: SendTarget, text: string, opts?: SendOptions) {
    return this.send(graph, to, { type: 'text', text: { body: text, preview_url: false } }, opts);
  }

  sendImage(graph: GraphClient, to: SendTarget, image: { url: string; caption?: string }, opts?: SendOptions) {
    return this.send(graph, to, { type: 'image', image: compact({ link: image.url, caption: image.caption }) }, opts);
  }

  sendButtons(graph: GraphClient, to: SendTarget, text: string, buttons: ButtonSpec[], opts?: SendOptions) {
    // ≤ 3 buttons, title ≤ 20 chars, body ≤ 1024 (§3.2).
    return this.send(graph, to, {
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text },
        action: { buttons: buttons.slice(0, 3).map((b) => ({ type: 'reply', reply: { id: b.id.slice(0, 256), title: [...b.title].slice(0, 20).join('') } })) },
      },
    }, opts);
  }

  sendQuickReplies(graph: GraphClient, to: SendTarget, text: string, replies: ButtonSpec[], opts?: SendOptions) {
    return this.sendButtons(graph, to, text, replies, opts);
  }

  sendList(graph: GraphClient, to: SendTarget, text: string, list: ListSpec, opts?: SendOptions) {
    return this.send(graph, to, { type: 'interactive', interactive: { type: 'list', body: { text }, action: { button: list.button, sections: list.sections } } }, opts);
  }

  sendTemplate(graph: GraphClient, to: SendTarget, t: TemplateSpec, opts?: SendOptions) {
    return this.send(graph, to, { type: 'template', template: compact({ name: t.name, language: { code: t.language, policy: 'deterministic' }, components: t.components }) }, opts);
  }

  async markRead(graph: GraphClient, to: SendTarget, opts: { providerMessageId?: string; typing: boolean }): Promise<void> {
    if (!opts.providerMessageId) return; // WhatsApp reads are per inbound message
    await graph.post(`/${to.accountId}/messages`, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: opts.providerMessageId,
      ...(opts.typing ? { typing_indicator: { type: 'text' } } : {}),
    });
  }

  async testConnection(graph: GraphClient, accountId: string): Promise<{ displayName?: string }> {
    const r = await graph.get<{ display_phone_number?: string; verified_name?: string }>(`/${accountId}`, { fields: 'display_phone_number,verified_name' });
    return { displayName: r.verified_name ?? r.display_phone_number };
  }
}
