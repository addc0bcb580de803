import {
  Channel, type ButtonSpec, type InboundEvent, type ListSpec, type MessageKind, type SendOptions, type SendOutcome,
  type SendTarget, type TemplateSpec,
} from '../contract';
import { ProviderError } from '../../src/errors';
import type { GraphClient } from './graph-client';
import { Envelope, MpEntry, MpMessaging, MpSendResponse } from './schemas';

const msTime = (ts: unknown): Date => {
  const n = Number(ts);
  return Number.isFinite(n) && n > 1e11 && n < 1e14 ? new Date(n) : new Date();
};

const ATTACHMENT_KIND: Record<string, MessageKind> = {
  image: 'image', audio: 'audio', video: 'video', file: 'document', sticker: 'sticker',
  story_mention: 'story_mention', share: 'share', ig_reel: 'share', reel: 'share', post: 'share', ig_post: 'share', fallback: 'share',
};

/**
 * Messenger and Instagram share the Messenger Platform envelope (`entry[].messaging[]`) and the
 * Send API body; they differ in `object`, the text limit and the send path.
 */
export abstract class MessengerPlatformChannel extends Channel {
  readonly supportsTemplates = false;
  /** Send path relative to the Graph version root. */
  protected abstract sendPath(accountId: string): string;

  parseWebhook(body: unknown): InboundEvent[] {
    const env = Envelope.safeParse(body);
    if (!env.success || env.data.object !== this.webhookObject) return [];
    const out: InboundEvent[] = [];
    for (const rawEntry of env.data.entry) {
      const entry = MpEntry.safeParse(rawEntry);
      if (!entry.success) continue;
      const accountId = entry.data.id;
      for (const rawItem of entry.data.messaging ?? []) {
        const item = MpMessaging.safeParse(rawItem);
        if (!item.success) continue;
        const ev = this.toEvent(accountId, item.data);
        if (ev) out.push(ev);
      }
    }
    return out;
  }

  private toEvent(accountId: string, it: MpMessaging): InboundEvent | null {
    const timestamp = msTime(it.timestamp);
    const base = { channel: this.kind, accountId, timestamp };
    const m = it.message;
    if (m?.is_echo) {
      // Echo: sender is the Page/IG account, recipient the customer.
      const att = m.attachments?.[0];
      return {
        ...base, type: 'echo', customer: { externalId: it.recipient.id }, providerMessageId: m.mid,
        kind: att ? (ATTACHMENT_KIND[att.type] ?? 'unsupported') : 'text', text: m.text, metadata: m.metadata,
        appId: m.app_id !== undefined ? String(m.app_id) : undefined,
      };
    }
    // Anything else must come from the customer to this account.
    if (it.sender.id === accountId) return null;
    const customer = { externalId: it.sender.id };
    const msg = (kind: MessageKind, providerMessageId: string, extra: Partial<Extract<InboundEvent, { type: 'message' }>> = {}): InboundEvent => ({
      ...base, type: 'message', customer, providerMessageId, kind, payload: {}, triggersTurn: true, ...extra,
    });
    if (m) {
      const replyTo = m.reply_to?.mid ? { reply_to: m.reply_to.mid } : {};
      if (m.is_deleted) return msg('deleted', `${m.mid}:deleted`, { payload: { deleted_mid: m.mid }, triggersTurn: false });
      if (m.quick_reply) return msg('quick_reply', m.mid, { text: m.text, payload: { reply_id: m.quick_reply.payload }, referral: m.referral });
      if (m.reply_to?.story) return msg('story_reply', m.mid, { text: m.text, payload: { story: m.reply_to.story } });
      const att = m.attachments?.[0];
      if (att) {
        const kind = ATTACHMENT_KIND[att.type] ?? 'unsupported';
        const url = att.payload?.url;
        const media = url && kind !== 'share' && kind !== 'story_mention' ? { source: 'url' as const, url } : undefined;
        return msg(kind, m.mid, {
          text: m.text,
          media: media ?? (kind === 'story_mention' && url ? { source: 'url', url } : undefined),
          payload: { ...replyTo, attachments: m.attachments?.map((a) => ({ type: a.type, url: a.payload?.url })) },
          referral: m.referral,
        });
      }
      if (m.is_unsupported || m.text === undefined) return msg('unsupported', m.mid, { payload: replyTo });
      return msg('text', m.mid, { text: m.text, payload: replyTo, referral: m.referral });
    }
    if (it.postback) {
      const p = it.postback;
      const id = p.mid ?? `postback:${it.sender.id}:${it.timestamp ?? ''}:${p.payload ?? ''}`;
      return msg('postback', id, { text: p.title, payload: { reply_id: p.payload }, referral: p.referral });
    }
    if (it.reaction) {
      const r = it.reaction;
      return msg('reaction', `reaction:${r.mid}:${it.sender.id}:${r.action ?? ''}:${it.timestamp ?? ''}`, {
        text: r.emoji, payload: { reacted_to: r.mid, removed: r.action === 'unreact', reaction: r.reaction }, triggersTurn: false,
      });
    }
    if (it.message_edit) {
      const e = it.message_edit;
      return msg('edit', `${e.mid}:edit:${e.num_edit ?? 0}`, { text: e.text, payload: { edited_mid: e.mid }, triggersTurn: false });
    }
    return null; // reads, deliveries, referrals without a message, handover: nothing to store
  }

  private async send(graph: GraphClient, to: SendTarget, message: Record<string, unknown>, opts?: SendOptions): Promise<SendOutcome> {
    const body = {
      recipient: { id: to.customer.externalId },
      ...(opts?.tag ? { messaging_type: 'MESSAGE_TAG', tag: opts.tag } : { messaging_type: 'RESPONSE' }),
      message: { ...message, ...(opts?.metadata ? { metadata: opts.metadata } : {}) },
    };
    const res = MpSendResponse.safeParse(await graph.post(this.sendPath(to.accountId), body));
    if (!res.success) throw new ProviderError('meta', 'Meta: unexpected send response (no message id)', true);
    return { providerMessageId: res.data.message_id };
  }

  sendText(graph: GraphClient, to: SendTarget, text: string, opts?: SendOptions) {
    return this.send(graph, to, { text }, opts);
  }

  sendImage(graph: GraphClient, to: SendTarget, image: { url: string; caption?: string }, opts?: SendOptions) {
    return this.send(graph, to, { attachment: { type: 'image', payload: { url: image.url, is_reusable: true } } }, opts);
  }

  sendButtons(graph: GraphClient, to: SendTarget, text: string, buttons: ButtonSpec[], opts?: SendOptions) {
    return this.sendQuickReplies(graph, to, text, buttons, opts);
  }

  sendQuickReplies(graph: GraphClient, to: SendTarget, text: string, replies: ButtonSpec[], opts?: SendOptions) {
    // 13 per current docs, 11 per older SDKs (§3.4): stay at the safe number.
    const quick_replies = replies.slice(0, 11).map((r) => ({ content_type: 'text', title: [...r.title].slice(0, 20).join(''), payload: r.id }));
    return this.send(graph, to, { text, quick_replies }, opts);
  }

  sendList(graph: GraphClient, to: SendTarget, text: string, list: ListSpec, opts?: SendOptions) {
    return this.sendQuickReplies(graph, to, text, list.sections.flatMap((s) => s.rows.map((r) => ({ id: r.id, title: r.title }))), opts);
  }

  sendTemplate(_graph: GraphClient, _to: SendTarget, _t: TemplateSpec): Promise<SendOutcome> {
    return Promise.reject(new ProviderError('meta', `${this.kind} has no message templates; reply inside the 24 h window`, false));
  }

  async markRead(graph: GraphClient, to: SendTarget, opts: { typing: boolean }): Promise<void> {
    const recipient = { id: to.customer.externalId };
    await graph.post(this.sendPath(to.accountId), { recipient, sender_action: 'mark_seen' });
    // Sender actions are separate requests; they cannot ride along with a message (§3.4).
    if (opts.typing) await graph.post(this.sendPath(to.accountId), { recipient, sender_action: 'typing_on' });
  }
}
