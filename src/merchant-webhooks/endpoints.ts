import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../context';
import { notFound } from '../errors';
import { resolveSafeTarget } from './ssrf';

export const WEBHOOK_EVENTS = ['order.created', 'order.updated', 'lead.created', 'shipment.updated'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const DELIVER_JOB = 'merchant_webhook.deliver';

export const CreateEndpointInput = z.object({
  url: z.string().min(1).max(2000),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default([...WEBHOOK_EVENTS]),
});

/** Registers an endpoint after the SSRF check; the signing secret is returned once and vaulted. */
export async function createEndpoint(ctx: AppContext, workspaceId: string, input: z.input<typeof CreateEndpointInput>) {
  const data = CreateEndpointInput.parse(input);
  await resolveSafeTarget(data.url, { allowLoopback: ctx.config.webhooks.allowLoopback });
  const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
  return ctx.knex.transaction(async (trx) => {
    const [row] = await trx('webhook_endpoints').insert({ workspace_id: workspaceId, url: data.url, events: data.events }).returning(['id', 'url', 'events', 'active', 'created_at']);
    await ctx.vault.put(workspaceId, 'webhook_secret', row.id, secret, trx);
    return { ...row, secret };
  });
}

export async function listEndpoints(knex: Knex, workspaceId: string) {
  return knex('webhook_endpoints')
    .where({ workspace_id: workspaceId })
    .orderBy('created_at')
    .select('id', 'url', 'events', 'active', 'last_status', 'last_error', 'last_delivery_at', 'created_at');
}

export async function deleteEndpoint(ctx: AppContext, workspaceId: string, id: string): Promise<void> {
  const n = await ctx.knex.transaction(async (trx): Promise<number> => {
    await ctx.vault.remove(workspaceId, 'webhook_secret', id, trx);
    const deleted: number = await trx('webhook_endpoints').where({ workspace_id: workspaceId, id }).delete();
    return deleted;
  });
  if (!n) throw notFound('Webhook endpoint');
}

export async function listDeliveries(knex: Knex, workspaceId: string, endpointId: string) {
  return knex('webhook_deliveries')
    .where({ workspace_id: workspaceId, endpoint_id: endpointId })
    .orderBy('created_at', 'desc')
    .limit(100)
    .select('id', 'event', 'status', 'attempts', 'response_status', 'error', 'created_at', 'delivered_at');
}

/** Queues one delivery per subscribed endpoint, inside the caller's transaction. */
export async function emitWebhookEvent(ctx: AppContext, trx: Knex.Transaction, workspaceId: string, event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
  const endpoints = await trx('webhook_endpoints').where({ workspace_id: workspaceId, active: true }).whereRaw('? = ANY(events)', [event]).select('id');
  for (const ep of endpoints) {
    const id = crypto.randomUUID();
    const payload = { id, type: event, created_at: new Date().toISOString(), data };
    await trx('webhook_deliveries').insert({ id, workspace_id: workspaceId, endpoint_id: ep.id, event, payload: JSON.stringify(payload) });
    await ctx.jobs.send(DELIVER_JOB, { deliveryId: id }, { idempotencyKey: id, trx });
  }
}
