import { z } from 'zod';
import { isWebhookSubscriber } from '../../channels/contract';
import { CHANNEL_KINDS, channelFor } from '../../channels/registry';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';
import { graphFor } from './channel-access';

export const SUBSCRIPTION_CHECK_JOB = 'channels.webhook-subscriptions';

/**
 * Meta unsubscribes our app from a Page / Instagram account / WABA after about 1 h of failed
 * webhook deliveries, and only a new subscribe call brings it back (meta-channels.md §4.7):
 * checking every 30 minutes keeps a silent outage to about that long.
 */
const CHECK_CRON = '*/30 * * * *';

/** Every status_detail written here starts with this, so a later success clears only our own error. */
export const SUBSCRIPTION_DETAIL_PREFIX = 'Webhooks: ';

const NOUN: Record<string, string> = { messenger: 'Facebook Page', instagram: 'Instagram account', whatsapp: 'WhatsApp Business Account' };

/** The permission Meta wants on the token to subscribe our app to each kind's account. */
const SUBSCRIBE_PERMISSION: Record<string, string> = {
  messenger: 'pages_manage_metadata',
  instagram: 'instagram_business_manage_messages (or pages_manage_metadata for a Page-linked account)',
  whatsapp: 'whatsapp_business_management',
};

export interface SubscriptionChannel {
  id: string;
  workspace_id: string;
  kind: string;
  external_id: string;
  /** WhatsApp only: the WABA our app subscribes to; without it the channel is skipped. */
  waba_id?: string | null;
}

/** ok: already subscribed · subscribed: we (re)subscribed · refused: Meta said no · unreachable: transient, retried next tick. */
export type SubscriptionOutcome = 'ok' | 'subscribed' | 'refused' | 'unreachable' | 'skipped';

interface Result {
  outcome: SubscriptionOutcome;
  /** For refused/unreachable: what the merchant reads on the channel. */
  detail?: string;
  missing?: string[];
}

const PERMISSION_CODES = new Set([10, 200]);

/** A reason the merchant can act on; the token is scrubbed even though Meta's messages do not echo it. */
function describeRefusal(kind: string, err: ProviderError, token: string | undefined): string {
  const noun = NOUN[kind] ?? 'account';
  const code = typeof err.providerCode === 'number' ? err.providerCode : Number(err.providerCode);
  let text: string;
  if (code === 190) {
    text = `the access token expired or was revoked, so customers' messages to this ${noun} do not reach Wakil: reconnect the channel`;
  } else if (PERMISSION_CODES.has(code)) {
    const perm = SUBSCRIBE_PERMISSION[kind] ?? 'required';
    text = `Meta refused to send this ${noun}'s messages to Wakil: the access token lacks the ${perm} permission. Reconnect with a token that has it. (${err.message})`;
  } else {
    text = `Meta refused to send this ${noun}'s messages to Wakil (code ${Number.isFinite(code) ? code : 'unknown'}): ${err.message}`;
  }
  let detail = `${SUBSCRIPTION_DETAIL_PREFIX}${text}`;
  if (token) detail = detail.split(token).join('[token]');
  return detail.slice(0, 500);
}

/** Subscribes (mode 'connect') or checks and repairs (mode 'check') one channel's webhook subscription. */
async function reconcile(ctx: AppContext, ch: SubscriptionChannel, mode: 'connect' | 'check'): Promise<Result> {
  const adapter = channelFor(ch.kind);
  if (!isWebhookSubscriber(adapter)) return { outcome: 'skipped' };
  const account = adapter.subscriptionAccount ? adapter.subscriptionAccount(ch) : ch.external_id;
  if (!account) return { outcome: 'skipped' };
  let token: string | undefined;
  try {
    const graph = await graphFor(ctx, ch);
    token = graph.opts.token;
    if (mode === 'check') {
      const s = await adapter.subscription(graph, account);
      if (s.subscribed && !s.missing.length) return { outcome: 'ok' };
      // Keep whatever else is subscribed (another feature, the merchant's own fields).
      await adapter.subscribe(graph, account, s.fields);
      return { outcome: 'subscribed', missing: s.subscribed ? s.missing : [...adapter.webhookFields] };
    }
    await adapter.subscribe(graph, account);
    return { outcome: 'subscribed' };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.retryable) {
      return { outcome: 'unreachable', detail: `${SUBSCRIPTION_DETAIL_PREFIX}Meta could not be reached to check this ${NOUN[ch.kind] ?? 'account'}'s webhook subscription; Wakil retries every 30 minutes` };
    }
    return { outcome: 'refused', detail: describeRefusal(ch.kind, err, token) };
  }
}

function logOutcome(ctx: AppContext, ch: SubscriptionChannel, r: Result): void {
  const base = { channelId: ch.id, workspaceId: ch.workspace_id, kind: ch.kind, outcome: r.outcome };
  if (r.outcome === 'subscribed') ctx.logger.info({ ...base, missing: r.missing }, 'subscribed our app to the channel webhooks');
  else if (r.outcome === 'refused' || r.outcome === 'unreachable') ctx.logger.warn({ ...base, detail: r.detail }, 'channel webhook subscription failed');
}

/**
 * Called after a channel is connected or reconnected (a new token): subscribes our app to its
 * account's webhooks (Page, Instagram account, or the WhatsApp number's WABA when known). A
 * refusal does not undo the connection; it shows on the channel.
 */
export async function subscribeOnConnect(ctx: AppContext, ch: SubscriptionChannel): Promise<SubscriptionOutcome> {
  const r = await reconcile(ctx, ch, 'connect');
  logOutcome(ctx, ch, r);
  if (r.outcome === 'skipped') return r.outcome;
  const patch =
    r.outcome === 'refused' ? { status: 'error', status_detail: r.detail }
    : r.outcome === 'unreachable' ? { status_detail: r.detail }
    : { status: 'active', status_detail: null };
  await ctx.knex('channels')
    .where({ id: ch.id, workspace_id: ch.workspace_id })
    .whereNot('status', 'disconnected')
    .update({ ...patch, updated_at: ctx.knex.fn.now() });
  return r.outcome;
}

/**
 * The recurring check: every connected channel of an active workspace whose subscription account
 * is known (WhatsApp channels without a WABA id are skipped). One
 * Graph read per channel when healthy; re-subscribes when our app or a field is missing; records
 * a refusal on the channel and clears our own earlier error once fixed. Idempotent: the cron
 * enqueues once per tick across processes, and a concurrent run would only repeat the same calls.
 */
export async function checkSubscriptions(ctx: AppContext): Promise<Record<SubscriptionOutcome | 'failed', number>> {
  const kinds = CHANNEL_KINDS.filter((k) => isWebhookSubscriber(channelFor(k)));
  const rows: Array<SubscriptionChannel & { status: string; status_detail: string | null; listed_at: Date }> = await ctx
    .knex('channels as ch')
    .join('workspaces as w', 'w.id', 'ch.workspace_id')
    .where('w.status', 'active')
    .whereIn('ch.kind', kinds)
    .whereNot('ch.status', 'disconnected')
    .orderBy('ch.id')
    .select('ch.id', 'ch.workspace_id', 'ch.kind', 'ch.external_id', 'ch.waba_id', 'ch.status', 'ch.status_detail', ctx.knex.raw('clock_timestamp() AS listed_at'));
  const counts = { ok: 0, subscribed: 0, refused: 0, unreachable: 0, skipped: 0, failed: 0 };
  for (const ch of rows) {
    let r: Result;
    try {
      r = await reconcile(ctx, ch, 'check');
    } catch (err) {
      counts.failed += 1;
      ctx.logger.error({ err, channelId: ch.id, workspaceId: ch.workspace_id }, 'channel webhook subscription check crashed');
      continue;
    }
    counts[r.outcome] += 1;
    logOutcome(ctx, ch, r);
    const ours = ch.status_detail?.startsWith(SUBSCRIPTION_DETAIL_PREFIX) ?? false;
    let patch: Record<string, unknown> | null = null;
    if ((r.outcome === 'ok' || r.outcome === 'subscribed') && ours) patch = { status: 'active', status_detail: null };
    else if (r.outcome === 'refused' && (ch.status !== 'error' || ch.status_detail !== r.detail)) patch = { status: 'error', status_detail: r.detail };
    if (!patch) continue;
    // A reconnect or disconnect while we were checking wins: it had a newer token or intent.
    await ctx.knex('channels')
      .where({ id: ch.id, workspace_id: ch.workspace_id })
      .whereNot('status', 'disconnected')
      .where('updated_at', '<=', ch.listed_at)
      .update({ ...patch, updated_at: ctx.knex.fn.now() });
  }
  return counts;
}

export function defineChannelSubscriptionJob(ctx: AppContext): void {
  ctx.jobs.define({
    name: SUBSCRIPTION_CHECK_JOB,
    schema: z.object({}).passthrough(),
    // One run at a time (no key = one key); a tick that finds a run going stays queued behind it.
    policy: 'stately',
    retryLimit: 1,
    expireInSeconds: 25 * 60,
    handler: async () => {
      const r = await checkSubscriptions(ctx);
      ctx.logger.info(r, 'channel webhook subscriptions checked');
    },
    schedule: { cron: CHECK_CRON },
  });
}
