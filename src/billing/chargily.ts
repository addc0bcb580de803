import crypto from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { ProviderError } from '../errors';

/**
 * A small typed client for Chargily Pay V2. The published SDK (2.1.0) hard-codes its base URL and
 * throws away error bodies (reference/apis.md §0.9), so we talk to the API with axios.
 */
export const Checkout = z.looseObject({
  id: z.string(),
  status: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  checkout_url: z.string().optional(),
  url: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type Checkout = z.infer<typeof Checkout>;

export class ChargilyClient {
  private readonly http: AxiosInstance;
  constructor(baseUrl: string, secretKey: string) {
    this.http = axios.create({
      baseURL: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
      timeout: 15_000,
      headers: { authorization: `Bearer ${secretKey}`, accept: 'application/json' },
      validateStatus: () => true,
    });
  }

  async createCheckout(body: {
    amount: number;
    success_url: string;
    failure_url?: string;
    webhook_endpoint?: string;
    locale?: 'ar' | 'fr' | 'en';
    description?: string;
    metadata?: Record<string, string>;
  }): Promise<Checkout> {
    let res;
    try {
      res = await this.http.post('checkouts', { ...body, currency: 'dzd' });
    } catch {
      throw new ProviderError('chargily', 'Chargily did not answer; try again in a moment', true);
    }
    if (res.status === 401) throw new ProviderError('chargily', 'Chargily refused the secret key (CHARGILY_SECRET_KEY)', false, 401);
    if (res.status === 422) {
      const msg = typeof res.data?.message === 'string' ? res.data.message : 'invalid checkout';
      throw new ProviderError('chargily', `Chargily rejected the checkout: ${msg}`, false, 422);
    }
    if (res.status >= 400) throw new ProviderError('chargily', `Chargily answered HTTP ${res.status}`, res.status >= 500 || res.status === 429, res.status);
    return Checkout.parse(res.data);
  }
}

/** The `signature` header: hex HMAC-SHA256 of the raw body keyed with the API secret key. */
export function verifyChargilySignature(rawBody: Buffer, signature: string | undefined, secretKey: string): boolean {
  if (!signature) return false;
  const expected = Buffer.from(crypto.createHmac('sha256', secretKey).update(rawBody).digest('hex'));
  const given = Buffer.from(signature.trim().toLowerCase());
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Events carry `livemode` as the string "false" in Chargily's own example: accept both forms. */
export const ChargilyEvent = z.looseObject({
  id: z.string(),
  entity: z.literal('event'),
  type: z.string(),
  livemode: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  data: Checkout,
});
export type ChargilyEvent = z.infer<typeof ChargilyEvent>;
