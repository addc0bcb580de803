import axios, { type AxiosInstance, isAxiosError } from 'axios';
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

  async post<T>(path: string, body: unknown): Promise<T> {
    try {
      return (await this.http.post<T>(path, body)).data;
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
