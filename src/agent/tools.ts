import { z } from 'zod';
import { searchCatalog } from '../catalog/search';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { captureLead } from '../leads/leads';
import { createOrder, getOrder, listOrders, transitionOrder, updateOrder, type OrderChanges, type OrderJson } from '../orders/service';
import { UNSHIPPED } from '../orders/status';
import { normalizeCustomerPhone, quoteFee, resolvePlace } from './address';
import { ToolInputError } from './tool-error';

/**
 * The agent's tools. Each has ONE zod schema: the JSON schema the model sees is generated from it
 * and the server validates the model's input with it. Every tool acts only inside the turn's
 * workspace and on the turn's customer: there is no input that names another conversation or
 * customer, so "what did the previous customer order" has nothing to reach.
 */

export interface TurnScope {
  ctx: AppContext;
  workspaceId: string;
  conversationId: string;
  customerId: string;
  /** The newest customer message this turn answers (confirm_order records it). */
  lastInbound: { id: string; created_at: Date };
  source: 'agent' | 'playground';
  /** Set by handoff_to_human: the turn's own pause does not silence its goodbye. */
  handedOff: boolean;
  /** Pending orders created during this turn: the reply offers confirm/cancel buttons for them. */
  createdOrderIds: string[];
}


const DeliveryType = z.enum(['home', 'stopdesk']).describe('home = to the address; stopdesk = pick up at the courier office');
const Item = z.object({
  product_id: z.string().describe('product_id from search_catalog or the catalog list'),
  variant: z.string().optional().describe('exact variant name, when the product has variants'),
  quantity: z.number().int().min(1).max(50),
});
const OrderId = z.string().describe('order_id returned by create_order');
const PromoCode = z.string().max(40).describe('a promo code exactly as the customer wrote it in this conversation; never invent or suggest one');

const schemas = {
  search_catalog: z.object({
    query: z.string().min(1).max(200).describe('what the customer is looking for, in any language'),
  }),
  quote_delivery: z.object({
    wilaya: z.string().min(1).max(80).describe('wilaya name or number as the customer wrote it'),
    commune: z.string().max(80).optional(),
    delivery_type: DeliveryType,
  }),
  create_order: z.object({
    customer_name: z.string().min(2).max(120),
    phone: z.string().min(6).max(30).describe('the delivery phone number the customer gave'),
    wilaya: z.string().min(1).max(80),
    commune: z.string().min(1).max(80),
    address: z.string().max(300).optional().describe('street / quarter; required for home delivery'),
    delivery_type: DeliveryType,
    stopdesk_id: z.string().max(40).optional(),
    items: z.array(Item).min(1).max(20),
    promo_code: PromoCode.optional(),
    note: z.string().max(500).optional(),
  }),
  confirm_order: z.object({
    order_id: OrderId,
  }),
  update_order: z.object({
    order_id: OrderId,
    items: z.array(Item).min(1).max(20).optional().describe('the full new list of items'),
    customer_name: z.string().min(2).max(120).optional(),
    phone: z.string().min(6).max(30).optional(),
    wilaya: z.string().max(80).optional(),
    commune: z.string().max(80).optional(),
    address: z.string().max(300).optional(),
    delivery_type: DeliveryType.optional(),
    stopdesk_id: z.string().max(40).optional(),
    promo_code: PromoCode.optional().describe('a promo code the customer wrote in this conversation, to apply to the order; "" removes the order\'s code; never invent one'),
    note: z.string().max(500).optional(),
  }),
  cancel_order: z.object({
    order_id: OrderId,
    reason: z.string().max(300).optional(),
  }),
  capture_lead: z.object({
    customer_name: z.string().max(120).optional(),
    phone: z.string().max(30).optional(),
    interest: z.string().min(2).max(500).describe('what they want, in a few words'),
    wilaya: z.string().max(80).optional(),
  }),
  handoff_to_human: z.object({
    reason: z.string().min(2).max(300).describe('why a person is needed, for the merchant'),
  }),
} as const;

export type ToolName = keyof typeof schemas;

const descriptions: Record<ToolName, string> = {
  search_catalog: "Search this shop's products. Returns product_id, name, price (DZD), stock and variants with their prices.",
  quote_delivery: "Delivery fee (DZD) and delay to a wilaya/commune for home or stopdesk delivery, from the shop's courier tariffs.",
  create_order:
    'Create a PENDING cash-on-delivery order. The server resolves the wilaya/commune, checks the phone, prices items from the catalog, applies the promo code if the customer gave one, and adds the delivery fee. Returns the order with its discount and total, or an error to fix (a refused promo code says why: tell the customer). Then ask the customer to confirm.',
  confirm_order:
    "Confirm this customer's pending order, ONLY after the customer explicitly said yes in a message after seeing the summary and total.",
  update_order: "Change this customer's own pending or confirmed (not yet shipped) order, or apply a promo code the customer gave; it is repriced by the server.",
  cancel_order: "Cancel this customer's own order that is not shipped yet.",
  capture_lead: 'Record a customer who is interested but not ordering now.',
  handoff_to_human: 'Hand the conversation to the shop team (pauses you for this conversation).',
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

/** The tool list sent to the model: stable order and content, so it caches across turns. */
export const TOOL_DEFINITIONS = (Object.keys(schemas) as ToolName[]).map((name) => ({
  name,
  description: descriptions[name],
  input_schema: jsonSchema(schemas[name]) as { type: 'object'; [k: string]: unknown },
}));

const ownOrder = (scope: TurnScope) => (o: { customer_id: string | null }) => o.customer_id === scope.customerId;

function orderView(o: OrderJson) {
  return {
    order_id: o.id,
    status: o.status,
    items: o.items.map((i) => ({ name: i.name, variant: i.variant, quantity: i.quantity, unit_price: i.unit_price, line_total: i.line_total })),
    subtotal: o.subtotal,
    ...(o.promo_code ? { promo_code: o.promo_code, discount: o.discount } : {}),
    delivery_fee: o.delivery_fee,
    total: o.total,
    delivery_type: o.delivery_type,
    customer: { name: o.customer.name, wilaya: o.customer.wilaya, commune: o.customer.commune, address: o.customer.address },
  };
}

async function placeAndFee(scope: TurnScope, wilaya: string, commune: string | undefined, deliveryType: 'home' | 'stopdesk') {
  const place = resolvePlace(wilaya, commune);
  const quote = await quoteFee(scope.ctx, scope.workspaceId, { wilayaCode: place.wilayaCode, communeCode: place.communeCode ?? undefined, deliveryType });
  return { place, quote };
}

type Handler<N extends ToolName> = (scope: TurnScope, input: z.infer<(typeof schemas)[N]>) => Promise<unknown>;

const handlers: { [N in ToolName]: Handler<N> } = {
  async search_catalog(scope, { query }) {
    const hits = await searchCatalog(scope.ctx.knex, scope.workspaceId, query);
    return hits.length ? { products: hits } : { products: [], note: 'Nothing matches; ask what they want or suggest close products.' };
  },

  async quote_delivery(scope, input) {
    const { place, quote } = await placeAndFee(scope, input.wilaya, input.commune, input.delivery_type);
    return { wilaya: place.wilayaName, commune: place.communeName, delivery_type: input.delivery_type, fee: quote.fee, delay: quote.delay ?? null };
  },

  async create_order(scope, input) {
    const open = await listOrders(scope.ctx.knex, scope.workspaceId, { conversationId: scope.conversationId, status: ['pending'] });
    const mine = open.filter((o) => o.conversation_id === scope.conversationId);
    if (mine.length) {
      throw new ToolInputError(`This customer already has pending order ${mine[0]!.id}: use update_order to change it, or cancel_order first.`);
    }
    if (input.delivery_type === 'home' && !input.address?.trim()) {
      throw new ToolInputError('address is required for home delivery: ask the customer for their street or quarter.');
    }
    const phone = normalizeCustomerPhone(input.phone);
    const { place, quote } = await placeAndFee(scope, input.wilaya, input.commune, input.delivery_type);
    if (!place.communeCode) throw new ToolInputError(`Commune "${input.commune}" was not found in ${place.wilayaName}: ask the customer to spell it.`);
    const order = await createOrder(
      scope.ctx,
      scope.workspaceId,
      {
        conversationId: scope.conversationId,
        customerId: scope.customerId,
        customerName: input.customer_name.trim(),
        phone,
        wilayaCode: place.wilayaCode,
        communeCode: place.communeCode,
        address: input.address?.trim() || null,
        deliveryType: input.delivery_type,
        stopdeskId: input.stopdesk_id ?? null,
        deliveryFee: quote.fee,
        courier: quote.courier ?? null,
        items: input.items,
        promoCode: input.promo_code?.trim() || null,
        note: input.note ?? null,
        source: scope.source,
      },
      'agent',
    );
    await scope.ctx.knex('customers')
      .where({ workspace_id: scope.workspaceId, id: scope.customerId })
      .update({ name: input.customer_name.trim(), phone, updated_at: scope.ctx.knex.fn.now() });
    scope.createdOrderIds.push(order.id);
    return {
      ...orderView(order),
      wilaya_name: place.wilayaName,
      commune_name: place.communeName,
      next_step: 'Send the customer this summary with the total and ask them to confirm. Call confirm_order only after they say yes.',
      return_risk: order.return_risk,
      ...(order.return_risk?.risk === 'high'
        ? { caution: `This phone refused ${order.return_risk.returned} of ${order.return_risk.returned + order.return_risk.delivered} past parcels: ask for an explicit confirmation that they will pay on delivery, or suggest stop-desk pickup.` }
        : {}),
    };
  },

  async confirm_order(scope, { order_id }) {
    const order = await getOrder(scope.ctx.knex, scope.workspaceId, order_id).catch(() => null);
    const row = order && (await scope.ctx.knex('orders').where({ id: order_id, workspace_id: scope.workspaceId }).first('customer_id', 'created_at'));
    if (!order || !row || row.customer_id !== scope.customerId) throw new ToolInputError(`No order ${order_id} for this customer.`);
    if (order.status !== 'pending') throw new ToolInputError(`Order ${order_id} is already ${order.status}.`);
    // The customer must have seen the summary and answered it: never confirm in the turn that
    // created the order, nor before a reply of ours went out after it.
    const shown = await scope.ctx.knex('messages')
      .where({ workspace_id: scope.workspaceId, conversation_id: scope.conversationId, direction: 'out' })
      .whereNot({ status: 'failed' })
      .where('stored_at', '>', row.created_at)
      .first('id');
    if (scope.createdOrderIds.includes(order_id) || !shown) {
      throw new ToolInputError('The customer has not seen this order yet: send the summary with the total and wait for their explicit yes.');
    }
    const confirmed = await transitionOrder(scope.ctx, scope.workspaceId, order_id, 'confirmed', 'agent', {
      confirmedBy: 'customer',
      confirmedMessageId: scope.lastInbound.id,
      only: ownOrder(scope),
    });
    return { ...orderView(confirmed), next_step: 'Thank the customer; the shop will call/ship soon.' };
  },

  async update_order(scope, input) {
    const current = await getOrder(scope.ctx.knex, scope.workspaceId, input.order_id).catch(() => null);
    if (!current || current.conversation_id !== scope.conversationId) throw new ToolInputError(`No order ${input.order_id} for this customer.`);
    if (!UNSHIPPED.includes(current.status)) throw new ToolInputError(`Order is ${current.status}; it can no longer be changed. Offer handoff_to_human.`);
    const changes: OrderChanges = {};
    if (input.items) changes.items = input.items;
    if (input.customer_name) changes.customerName = input.customer_name.trim();
    if (input.phone) changes.phone = normalizeCustomerPhone(input.phone);
    if (input.address !== undefined) changes.address = input.address.trim() || null;
    if (input.note !== undefined) changes.note = input.note;
    if (input.stopdesk_id !== undefined) changes.stopdeskId = input.stopdesk_id;
    if (input.promo_code !== undefined) changes.promoCode = input.promo_code.trim() || null;
    if (input.wilaya || input.commune || input.delivery_type) {
      const deliveryType = input.delivery_type ?? (current.delivery_type as 'home' | 'stopdesk');
      if (!input.wilaya && input.commune === undefined && !input.delivery_type) throw new ToolInputError('Nothing to change.');
      const wilaya = input.wilaya ?? current.customer.wilaya!;
      const commune = input.commune ?? (input.wilaya ? undefined : current.customer.commune ?? undefined);
      const { place, quote } = await placeAndFee(scope, wilaya, commune, deliveryType);
      if (!place.communeCode) throw new ToolInputError('Which commune? The new wilaya needs a commune.');
      Object.assign(changes, { wilayaCode: place.wilayaCode, communeCode: place.communeCode, deliveryType, deliveryFee: quote.fee });
    }
    const updated = await updateOrder(scope.ctx, scope.workspaceId, input.order_id, changes, 'agent', ownOrder(scope));
    return orderView(updated);
  },

  async cancel_order(scope, { order_id, reason }) {
    const current = await getOrder(scope.ctx.knex, scope.workspaceId, order_id).catch(() => null);
    if (!current || current.conversation_id !== scope.conversationId) throw new ToolInputError(`No order ${order_id} for this customer.`);
    if (!UNSHIPPED.includes(current.status)) throw new ToolInputError(`Order is ${current.status}; it can no longer be cancelled here. Offer handoff_to_human.`);
    const cancelled = await transitionOrder(scope.ctx, scope.workspaceId, order_id, 'cancelled', 'agent', { only: ownOrder(scope) });
    if (reason) {
      await scope.ctx.knex('orders').where({ id: order_id }).update({ note: [current.note, `cancel: ${reason}`].filter(Boolean).join('\n') });
    }
    return { order_id: cancelled.id, status: cancelled.status };
  },

  async capture_lead(scope, input) {
    let wilayaCode: string | null = null;
    if (input.wilaya) {
      try {
        wilayaCode = resolvePlace(input.wilaya, undefined).wilayaCode;
      } catch {
        wilayaCode = null; // a lead is still worth keeping without its wilaya
      }
    }
    let phone: string | null = null;
    if (input.phone) phone = normalizeCustomerPhone(input.phone);
    const lead = await captureLead(scope.ctx, scope.workspaceId, {
      conversationId: scope.conversationId,
      customerId: scope.customerId,
      customerName: input.customer_name ?? null,
      phone,
      interest: input.interest,
      wilayaCode,
    });
    return { lead_id: lead.id, saved: true };
  },

  async handoff_to_human(scope, { reason }) {
    await scope.ctx.knex('conversations').where({ workspace_id: scope.workspaceId, id: scope.conversationId }).update({
      ai_paused: true,
      paused_reason: 'handoff',
      needs_human: true,
      handoff_reason: reason,
      updated_at: scope.ctx.knex.fn.now(),
    });
    scope.handedOff = true;
    return { handed_off: true, next_step: 'Tell the customer briefly that a team member will answer soon. Do not promise times or amounts.' };
  },
};

export interface ToolOutcome {
  content: string;
  isError: boolean;
  output: unknown;
}

/** Validates with the tool's schema, runs it, and turns refusals into messages the model can use. */
export async function runTool(scope: TurnScope, name: string, rawInput: unknown): Promise<ToolOutcome> {
  if (!(name in schemas)) return err(`Unknown tool "${name}". Available: ${Object.keys(schemas).join(', ')}.`);
  const parsed = schemas[name as ToolName].safeParse(rawInput);
  if (!parsed.success) {
    return err(`Invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  }
  try {
    const output = await (handlers[name as ToolName] as Handler<ToolName>)(scope, parsed.data as never);
    return { content: JSON.stringify(output), isError: false, output };
  } catch (e) {
    if (e instanceof ToolInputError) return err(e.message);
    if (e instanceof AppError && e.type !== 'unexpected_state' && e.type !== 'provider_error') return err(e.message, e.details);
    if (e instanceof AppError && e.type === 'provider_error') {
      return err('The delivery service could not answer right now. Tell the customer you will confirm the fee shortly, or use handoff_to_human.');
    }
    throw e;
  }
}

/** `details`: a refusal's structured figures (a promo code's minimum), which the reply may quote. */
function err(message: string, details?: unknown): ToolOutcome {
  const extra = details && typeof details === 'object' && !Array.isArray(details) ? details : {};
  return { content: message, isError: true, output: { ...extra, error: message } };
}
