import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import axios from 'axios';
import { z } from 'zod';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';
import { orderHooks, leadHooks } from '../orders/hooks';
import { DELIVER_JOB, emitWebhookEvent } from './endpoints';
import { resolveSafeTarget, type Lookup, type SafeTarget } from './ssrf';
import { signWebhook } from './signature';

const MAX_REDIRECTS = 3;

/** An agent whose DNS answer is the address we already checked (no second, unchecked lookup). */
function pinnedAgent(target: SafeTarget): http.Agent {
  const lookup: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all) (cb as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
  return target.url.protocol === 'https:' ? new https.Agent({ lookup, keepAlive: false }) : new http.Agent({ lookup, keepAlive: false });
}

/**
 * Posts one signed delivery. Redirects are followed by hand so each hop passes the SSRF check.
 * Throws a retryable ProviderError on 5xx/429/timeouts (the job retries with backoff); 4xx is final.
 */
export async function deliverWebhook(ctx: AppContext, deliveryId: string, opts: { lookup?: Lookup } = {}): Promise<'delivered' | 'failed'> {
  const d = await ctx.knex('webhook_deliveries as d')
    .join('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .where('d.id', deliveryId)
    .first('d.id', 'd.workspace_id', 'd.endpoint_id', 'd.payload', 'd.status', 'e.url', 'e.active');
  if (!d || d.status === 'delivered' || !d.active) return 'delivered';
  const secret = await ctx.vault.get<string>(d.workspace_id, 'webhook_secret', d.endpoint_id);
  if (!secret) return 'failed';
  const body = JSON.stringify(d.payload);
  const record = async (status: 'delivered' | 'failed' | 'pending', responseStatus: number | null, error: string | null) => {
    await ctx.knex('webhook_deliveries')
      .where({ id: deliveryId })
      .update({ status, response_status: responseStatus, error, attempts: ctx.knex.raw('attempts + 1'), delivered_at: status === 'delivered' ? ctx.knex.fn.now() : null });
    await ctx.knex('webhook_endpoints').where({ id: d.endpoint_id }).update({ last_status: status === 'pending' ? 'retrying' : status, last_error: error, last_delivery_at: ctx.knex.fn.now() });
  };

  let url = d.url as string;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let target: SafeTarget;
    try {
      target = await resolveSafeTarget(url, { lookup: opts.lookup, allowLoopback: ctx.config.webhooks.allowLoopback });
    } catch (e) {
      await record('failed', null, (e as Error).message);
      return 'failed';
    }
    const agent = pinnedAgent(target);
    let res;
    try {
      res = await axios.post(target.url.toString(), body, {
        headers: { 'content-type': 'application/json', 'user-agent': 'Wakil-Webhooks/1', 'wakil-signature': signWebhook(secret, body), 'wakil-event-id': deliveryId },
        httpAgent: agent,
        httpsAgent: agent,
        maxRedirects: 0,
        timeout: 10_000,
        validateStatus: () => true,
        transformResponse: (x) => x,
        proxy: false,
      });
    } catch (e) {
      await record('pending', null, `network error: ${(e as Error).message}`);
      throw new ProviderError('merchant webhook', 'The endpoint did not answer', true);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      url = new URL(String(res.headers.location), target.url).toString();
      continue;
    }
    if (res.status >= 200 && res.status < 300) {
      await record('delivered', res.status, null);
      return 'delivered';
    }
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    await record(retryable ? 'pending' : 'failed', res.status, `HTTP ${res.status}`);
    if (retryable) throw new ProviderError('merchant webhook', `The endpoint answered HTTP ${res.status}`, true, res.status);
    return 'failed';
  }
  await record('failed', null, 'too many redirects');
  return 'failed';
}

export function defineMerchantWebhookJobs(ctx: AppContext): void {
  ctx.jobs.define({
    name: DELIVER_JOB,
    schema: z.object({ deliveryId: z.uuid() }),
    retryLimit: 8,
    retryDelaySeconds: 30,
    retryBackoff: true,
    concurrency: 2,
    handler: async ({ deliveryId }) => {
      await deliverWebhook(ctx, deliveryId);
    },
  });
}

orderHooks.push(async (ctx, trx, change) => {
  const order = await trx('orders').where({ id: change.orderId }).first('id', 'status', 'total', 'created_at', 'updated_at');
  const data = { order: order ?? { id: change.orderId }, previous_status: change.previousStatus };
  await emitWebhookEvent(ctx, trx, change.workspaceId, change.previousStatus === null ? 'order.created' : 'order.updated', data);
});

leadHooks.push(async (ctx, trx, change) => {
  if (!change.created) return;
  await emitWebhookEvent(ctx, trx, change.workspaceId, 'lead.created', { lead: { id: change.leadId } });
});
