import { z } from 'zod';
import type { TemplateSpec } from '../../channels/contract';
import { loadPrompt, render, type Lang } from '../agent/prompts';
import { getAgentSettings } from '../agent/settings';
import type { AppContext } from '../context';
import { sendTemplate, sendText, type SendResult } from '../conversations/outbound';
import { ProviderError } from '../errors';
import { courierDefinition } from './courier-accounts';

const WINDOW_MS = 24 * 3600_000;

export const NotifyData = z.object({ workspaceId: z.uuid(), shipmentId: z.uuid(), step: z.string().min(1).max(40), stepKey: z.string().min(1).max(60) });
export type NotifyData = z.infer<typeof NotifyData>;

/** `## key.lang` sections of prompts/shipping.md, French then English as fallbacks. */
export function shippingMessage(key: string, lang: Lang, vars: Record<string, string>): string {
  const text = loadPrompt('shipping.md');
  const esc = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const find = (l: string) => new RegExp(`^## ${esc}\\.${l}\\s*\\n([\\s\\S]*?)(?=^## |$(?![\\s\\S]))`, 'm').exec(text)?.[1]?.trim();
  const body = find(lang) ?? find('fr') ?? find('en');
  if (!body) throw new Error(`prompts/shipping.md has no ${key}`);
  return render(body, vars);
}

export const ShippingSettingsPut = z.object({
  notify_customers: z.boolean().optional(),
  template_name: z.string().trim().regex(/^[a-z0-9_]{1,512}$/, 'template_name is the approved WhatsApp template name (lower case, digits, _)').nullable().optional(),
  template_language: z.string().trim().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'template_language looks like fr, ar or en_US').optional(),
});

export interface ShippingSettings {
  notify_customers: boolean;
  template_name: string | null;
  template_language: string;
}

export async function getShippingSettings(ctx: AppContext, workspaceId: string): Promise<ShippingSettings> {
  const row = await ctx.knex('shipping_settings').where({ workspace_id: workspaceId }).first();
  return { notify_customers: row?.notify_customers ?? true, template_name: row?.template_name ?? null, template_language: row?.template_language ?? 'fr' };
}

export async function putShippingSettings(ctx: AppContext, workspaceId: string, input: z.infer<typeof ShippingSettingsPut>): Promise<ShippingSettings> {
  const next = { ...(await getShippingSettings(ctx, workspaceId)), ...input };
  await ctx.knex('shipping_settings')
    .insert({ workspace_id: workspaceId, ...next })
    .onConflict('workspace_id')
    .merge({ ...next, updated_at: ctx.knex.fn.now() });
  return getShippingSettings(ctx, workspaceId);
}

async function record(ctx: AppContext, d: NotifyData, status: 'sent' | 'skipped' | 'failed', reason: string | null, messageId?: string): Promise<void> {
  await ctx.knex('shipment_notifications')
    .insert({ workspace_id: d.workspaceId, shipment_id: d.shipmentId, step_key: d.stepKey, step: d.step, status, reason, message_id: messageId ?? null })
    .onConflict(['shipment_id', 'step_key'])
    .ignore();
}

/**
 * Tells the customer about a delivery step on the conversation the order came from: free text
 * inside WhatsApp's 24-hour window, else the merchant's approved template (WhatsApp only), else
 * nothing, with the reason recorded. The outbound idempotency key makes a job retry resend nothing.
 *
 * The template is the merchant's own, approved by Meta, with two body variables:
 * {{1}} the step in words ("en cours de livraison"), {{2}} the tracking number.
 */
export async function notifyCustomer(ctx: AppContext, d: NotifyData): Promise<void> {
  const done = await ctx.knex('shipment_notifications').where({ shipment_id: d.shipmentId, step_key: d.stepKey }).first('id');
  if (done) return;
  const s = await ctx.knex('shipments as s')
    .join('orders as o', 'o.id', 's.order_id')
    .where({ 's.workspace_id': d.workspaceId, 's.id': d.shipmentId })
    .first('s.tracking', 's.courier', 's.status', 'o.conversation_id');
  if (!s) return;
  const settings = await getShippingSettings(ctx, d.workspaceId);
  if (!settings.notify_customers) return record(ctx, d, 'skipped', 'customer notifications are turned off');
  if (!s.conversation_id) return record(ctx, d, 'skipped', 'the order did not come from a conversation');
  const conv = await ctx.knex('conversations as c')
    .join('channels as ch', 'ch.id', 'c.channel_id')
    .where({ 'c.id': s.conversation_id, 'c.workspace_id': d.workspaceId })
    .first('c.last_inbound_at', 'ch.kind');
  if (!conv) return record(ctx, d, 'skipped', 'the conversation no longer exists');

  const agent = await getAgentSettings(ctx.knex, d.workspaceId);
  const lang = (agent.languages[0] ?? 'fr') as Lang;
  const vars = { shop: agent.shop_name, courier: courierDefinition(ctx, s.courier).displayName, tracking: s.tracking ?? '' };
  const idempotencyKey = `shipment:${d.shipmentId}:${d.stepKey}`;
  const inWindow = conv.last_inbound_at && Date.now() - new Date(conv.last_inbound_at).getTime() < WINDOW_MS;

  let sent: SendResult;
  if (inWindow) {
    sent = await sendText(ctx, { workspaceId: d.workspaceId, conversationId: s.conversation_id, text: shippingMessage(d.step, lang, vars), author: 'system', idempotencyKey });
  } else if (conv.kind === 'whatsapp' && settings.template_name) {
    const tl = settings.template_language.slice(0, 2);
    const wordsLang: Lang = tl === 'ar' ? 'ar' : tl === 'en' ? 'en' : 'fr';
    const template: TemplateSpec = {
      name: settings.template_name,
      language: settings.template_language,
      components: [{ type: 'body', parameters: [{ type: 'text', text: shippingMessage(`label.${d.step}`, wordsLang, vars) }, { type: 'text', text: vars.tracking }] }],
    };
    sent = await sendTemplate(ctx, { workspaceId: d.workspaceId, conversationId: s.conversation_id, template, author: 'system', idempotencyKey });
  } else {
    return record(
      ctx,
      d,
      'skipped',
      conv.kind === 'whatsapp'
        ? 'outside the 24-hour window and no WhatsApp template is configured for delivery updates'
        : `outside the 24-hour window: ${conv.kind} allows no automatic message`,
    );
  }
  // Another attempt with this key is still in flight: look again later rather than record a guess.
  if (sent.status === 'skipped') throw new ProviderError('meta', 'A delivery update with this key is already being sent', true);
  return record(ctx, d, sent.status, sent.error ?? null, sent.messageId);
}
