import crypto from 'node:crypto';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { z } from 'zod';
import { ProviderError } from '../../src/errors';

// Classification on the Graph error code, never on message text (meta-channels.md §3.7, §4.4, §4.5).
// Retryable: throttling and transient platform trouble.
const RETRYABLE_CODES = new Set([1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 131057, 133004]);
// Permanent: window closed, undeliverable, token, permissions, template misuse, user unavailable.
const PERMANENT_CODES = new Set([10, 100, 190, 200, 368, 551, 131026, 131031, 131047, 131048, 131049, 131051, 131062, 132000, 132001, 132012, 132015, 133010]);

/** Channel-level problems: the merchant must act (reconnect, permissions, account blocked). */
export const CHANNEL_BROKEN_CODES = new Set([190, 200, 368, 131031, 133010]);

export interface GraphErrorInfo {
  code?: number;
  subcode?: number;
  message: string;
  fbtraceId?: string;
}

/** Graph error envelope → ProviderError (provider 'meta'); unknown 4xx are permanent, 5xx/429/network retryable. */
export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (isAxiosError(err)) {
    const status = err.response?.status;
    const e = (err.response?.data as { error?: Record<string, unknown> } | undefined)?.error;
    const code = typeof e?.code === 'number' ? e.code : undefined;
    const subcode = typeof e?.error_subcode === 'number' ? e.error_subcode : undefined;
    const details = (e?.error_data as { details?: unknown } | undefined)?.details;
    const message = typeof e?.message === 'string' ? e.message : err.message;
    let retryable: boolean;
    if (code !== undefined && PERMANENT_CODES.has(code)) retryable = false;
    else if (code !== undefined && RETRYABLE_CODES.has(code)) retryable = true;
    else retryable = status === undefined || status === 429 || status >= 500;
    const text = `Meta: ${message}${typeof details === 'string' ? ` (${details})` : ''}`.slice(0, 500);
    const pe = new ProviderError('meta', text, retryable, status, code ?? status);
    (pe as ProviderError & { subcode?: number }).subcode = subcode;
    return pe;
  }
  return new ProviderError('meta', `Meta: ${(err as Error)?.message ?? 'request failed'}`, true);
}

/**
 * Plain axios against `${META_GRAPH_BASE_URL}/${META_GRAPH_VERSION}` with the channel's Bearer
 * token. One instance per send: tokens differ per channel.
 */
export class GraphClient {
  private readonly http: AxiosInstance;
  constructor(
    readonly opts: { baseUrl: string; version: string; token: string; timeoutMs?: number; userAgent?: string },
  ) {
    this.http = axios.create({
      baseURL: `${opts.baseUrl.replace(/\/+$/, '')}/${opts.version}`,
      timeout: opts.timeoutMs ?? 15_000,
      headers: { Authorization: `Bearer ${opts.token}`, 'User-Agent': opts.userAgent ?? 'wakil/1.0' },
      // Never follow redirects to other hosts with our token attached.
      maxRedirects: 0,
    });
  }

  async post<T>(path: string, body: unknown, params?: Record<string, string>): Promise<T> {
    try {
      return (await this.http.post<T>(path, body, { params })).data;
    } catch (err) {
      throw toProviderError(err);
    }
  }

  async get<T>(path: string, params?: Record<string, string>): Promise<T> {
    try {
      return (await this.http.get<T>(path, { params })).data;
    } catch (err) {
      throw toProviderError(err);
    }
  }
}

// `GET /app` with a user or Page token answers the app that token was issued to; cached per token
// (hashed) so a healthy subscription check costs one Graph call after the first.
const AppNode = z.object({ id: z.union([z.string(), z.number()]).transform(String) });
const appIdByToken = new Map<string, string>();
const APP_ID_CACHE_MAX = 10_000;

/** The id of the Meta app the client's token belongs to: the app whose webhooks a subscription feeds. */
export async function tokenAppId(graph: GraphClient): Promise<string> {
  const key = crypto.createHash('sha256').update(`${graph.opts.baseUrl}\u0000${graph.opts.token}`).digest('hex');
  const known = appIdByToken.get(key);
  if (known) return known;
  const r = AppNode.safeParse(await graph.get('/app'));
  if (!r.success) throw new ProviderError('meta', 'Meta: unexpected answer to GET /app (no app id)', true);
  if (appIdByToken.size >= APP_ID_CACHE_MAX) appIdByToken.clear();
  appIdByToken.set(key, r.data.id);
  return r.data.id;
}

/**
 * `GET /{page-id|ig-id}/subscribed_apps`: one Application node per subscribed app, with the
 * fields it receives (Graph API reference › Page › subscribed_apps).
 */
const SubscribedApps = z.object({
  data: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String), subscribed_fields: z.array(z.string()).optional() }).passthrough()),
});

export interface AppSubscriptionState {
  subscribed: boolean;
  /** Fields the token's app receives for this account (empty when not subscribed). */
  fields: string[];
  /** Wanted fields it does not receive. */
  missing: string[];
}

/** Whether the token's app is subscribed to `accountId`'s webhooks, and to which of `wanted`. */
export async function readAppSubscription(graph: GraphClient, accountId: string, wanted: readonly string[]): Promise<AppSubscriptionState> {
  const appId = await tokenAppId(graph);
  const r = SubscribedApps.safeParse(await graph.get(`/${accountId}/subscribed_apps`));
  if (!r.success) throw new ProviderError('meta', 'Meta: unexpected answer to GET subscribed_apps', true);
  const ours = r.data.data.find((a) => a.id === appId);
  const fields = ours?.subscribed_fields ?? [];
  return { subscribed: !!ours, fields, missing: wanted.filter((f) => !fields.includes(f)) };
}

/**
 * `POST /{page-id|ig-id}/subscribed_apps?subscribed_fields=a,b` subscribes the token's app
 * (meta-channels.md §2.6, §4.7); needs pages_manage_metadata on a Page. Answers `{ success: true }`.
 */
export async function subscribeApp(graph: GraphClient, accountId: string, fields: readonly string[]): Promise<void> {
  const r = await graph.post<{ success?: unknown }>(`/${accountId}/subscribed_apps`, undefined, { subscribed_fields: [...new Set(fields)].join(',') });
  if (r?.success !== true && r?.success !== 'true') throw new ProviderError('meta', 'Meta: the webhook subscription was not confirmed', true);
}

/**
 * Downloads media bytes, capped at maxBytes. WhatsApp lookaside URLs need the Bearer token and a
 * User-Agent (§3.6); Messenger/IG CDN URLs are pre-signed and must not receive our token.
 */
export async function downloadBytes(url: string, opts: { token?: string; maxBytes: number; userAgent?: string }): Promise<{ bytes: Buffer; mime?: string }> {
  try {
    const res = await axios.get<ArrayBuffer>(url, {
      responseType: 'arraybuffer',
      timeout: 30_000,
      maxContentLength: opts.maxBytes,
      maxBodyLength: opts.maxBytes,
      maxRedirects: opts.token ? 0 : 3,
      headers: { 'User-Agent': opts.userAgent ?? 'wakil/1.0', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
    });
    const mime = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
    return { bytes: Buffer.from(res.data), mime };
  } catch (err) {
    if (isAxiosError(err) && /maxContentLength/.test(err.message)) {
      throw new ProviderError('meta', `media larger than ${opts.maxBytes} bytes`, false);
    }
    throw toProviderError(err);
  }
}
