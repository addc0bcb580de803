import axios, { type AxiosInstance, type AxiosResponse, type Method, type RawAxiosRequestHeaders } from 'axios';
import { ProviderError } from '../src/errors';
import type { CourierHttpOptions } from './contract';

export interface CourierHttpConfig {
  /** Display name, used in every error message. */
  provider: string;
  baseUrl: string;
  headers: RawAxiosRequestHeaders;
  options?: CourierHttpOptions;
  /** The courier's own explanation from an error body, in words (Laravel bag, `message`...). */
  describeError?: (status: number, body: unknown) => string | undefined;
  /** How long to hold the NEXT request, from quota headers (Yalidine x-*-quota-left). */
  quotaWaitMs?: (headers: Record<string, string>) => number;
}

export interface CourierRequest {
  method: Method;
  /** Relative to the base URL (no leading '/'). */
  path: string;
  params?: Record<string, unknown>;
  data?: unknown;
  responseType?: 'json' | 'arraybuffer';
  /** Statuses the caller handles itself instead of getting a ProviderError (e.g. 404 = not found). */
  accept?: number[];
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Seconds (or an HTTP date) from Retry-After, in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * axios for one courier account: a timeout on every call, 429 honoured (waits Retry-After up to a
 * limit, then a retryable ProviderError so the job queue backs off), quota headers respected, and
 * every failure turned into a ProviderError in words. Never logs: bodies carry customer data.
 */
export class CourierHttp {
  private readonly ax: AxiosInstance;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private holdUntil = 0;

  constructor(private readonly cfg: CourierHttpConfig) {
    const o = cfg.options ?? {};
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.maxRetries = o.maxRateLimitRetries ?? 2;
    this.maxWaitMs = o.maxWaitMs ?? 10_000;
    this.sleep = o.sleep ?? realSleep;
    this.ax = o.axios ?? axios.create();
  }

  async request<T = unknown>(req: CourierRequest): Promise<AxiosResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      const hold = this.holdUntil - Date.now();
      if (hold > this.maxWaitMs) {
        // A quota window (minute/hour/day) is spent: hand the wait to the job queue's backoff.
        throw new ProviderError(
          this.cfg.provider,
          `${this.cfg.provider}'s request quota is used up for now; we will try again in about ${Math.ceil(hold / 1000)} s`,
          true,
          429,
          'rate_limited',
        );
      }
      if (hold > 0) {
        this.holdUntil = 0;
        await this.sleep(hold);
      }
      let res: AxiosResponse<T>;
      try {
        res = await this.ax.request<T>({
          baseURL: this.cfg.baseUrl,
          url: req.path,
          method: req.method,
          params: req.params,
          data: req.data,
          headers: { Accept: 'application/json', ...this.cfg.headers },
          timeout: this.timeoutMs,
          responseType: req.responseType ?? 'json',
          validateStatus: () => true,
          maxRedirects: 5,
        });
      } catch (err) {
        throw this.networkError(err);
      }
      const headers = lowerHeaders(res.headers);
      const wait = this.cfg.quotaWaitMs?.(headers) ?? 0;
      if (wait > 0) this.holdUntil = Date.now() + wait;

      if (res.status === 429) {
        const after = retryAfterMs(headers['retry-after']) ?? 1000;
        if (attempt < this.maxRetries && after <= this.maxWaitMs) {
          await this.sleep(after);
          continue;
        }
        const secs = Math.ceil(after / 1000);
        throw new ProviderError(
          this.cfg.provider,
          `${this.cfg.provider} is limiting how fast we can call it; we will try again in about ${secs} s`,
          true,
          429,
          'rate_limited',
        );
      }
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) return res;
      throw this.statusError(res.status, decodeBody(res.data));
    }
  }

  private networkError(err: unknown): ProviderError {
    const code = (err as { code?: string }).code;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
      return new ProviderError(this.cfg.provider, `${this.cfg.provider} did not answer within ${Math.round(this.timeoutMs / 1000)} s; we will try again`, true, undefined, 'timeout');
    }
    return new ProviderError(this.cfg.provider, `Could not reach ${this.cfg.provider} (${code ?? 'network error'}); we will try again`, true, undefined, code ?? 'network');
  }

  private statusError(status: number, body: unknown): ProviderError {
    const p = this.cfg.provider;
    const said = this.cfg.describeError?.(status, body);
    if (status === 401 || status === 403) {
      return new ProviderError(p, `${p} refused the credentials (HTTP ${status})${said ? `: ${said}` : ''}. Check them in the courier settings`, false, status, 'auth');
    }
    if (status >= 500) {
      return new ProviderError(p, `${p} had a server error (HTTP ${status}); we will try again`, true, status);
    }
    return new ProviderError(p, said ? `${p} refused the request: ${said}` : `${p} refused the request (HTTP ${status})`, false, status);
  }
}

function lowerHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((h ?? {}) as Record<string, unknown>)) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Error bodies of arraybuffer requests (labels) are JSON bytes; decode them for the message. */
function decodeBody(data: unknown): unknown {
  if (data instanceof ArrayBuffer || Buffer.isBuffer(data)) {
    const text = Buffer.from(data as ArrayBuffer).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return data;
}

/** Laravel-style messages: `{ message, errors: { field: [..] } }` or `{ success:false, message }`. */
export function laravelMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body.length < 300 ? body : undefined;
  const b = body as { message?: unknown; errors?: Record<string, unknown> };
  const fields = b.errors && typeof b.errors === 'object'
    ? Object.entries(b.errors).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`).join('; ')
    : '';
  const msg = typeof b.message === 'string' ? b.message : '';
  return [msg, fields].filter(Boolean).join(' — ') || undefined;
}
