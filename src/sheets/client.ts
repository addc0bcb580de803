import crypto from 'node:crypto';
import { auth as gauth, sheets as sheetsApi, type sheets_v4 } from '@googleapis/sheets';
import { z } from 'zod';
import type { Config } from '../config';

export const SHEETS_SCOPES = ['https://www.googleapis.com/auth/spreadsheets'];

/**
 * The fields of a Google service-account key file that Wakil needs. `token_uri` is ignored on
 * purpose: the client signs its own JWT (reference/apis.md §0.7, §2.3a).
 */
export const ServiceAccountSchema = z.object({
  type: z.literal('service_account', { message: 'type must be "service_account" (download a JSON key of a service account)' }),
  client_email: z.email({ message: 'client_email must be the service account email' }),
  private_key_id: z.string().trim().min(1, 'private_key_id is missing'),
  // Keys pasted through env vars or forms often carry literal "\n" (googleapis/google-api-nodejs-client#2965).
  private_key: z
    .string()
    .min(1, 'private_key is missing')
    .transform((k) => k.replace(/\\n/g, '\n'))
    .refine((k) => {
      try {
        crypto.createPrivateKey(k);
        return true;
      } catch {
        return false;
      }
    }, 'private_key is not a valid PEM private key: upload the JSON file exactly as Google gave it'),
  project_id: z.string().optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccountSchema>;

/**
 * A Sheets client for one workspace's service account. Self-signed JWT (`useJWTAccessWithScope`):
 * no token endpoint, so nothing to fake but the Sheets API itself, which can verify the RS256
 * signature. The client's own retries are off: they skip POSTs and ignore Retry-After
 * (reference/apis.md §2.5), so retry.ts does all retrying, uniformly.
 */
export function sheetsClient(config: Config, sa: ServiceAccount): sheets_v4.Sheets {
  const jwt = new gauth.JWT({ email: sa.client_email, key: sa.private_key, keyId: sa.private_key_id, scopes: SHEETS_SCOPES });
  jwt.useJWTAccessWithScope = true;
  return sheetsApi({
    version: 'v4',
    auth: jwt,
    rootUrl: config.sheets.rootUrl,
    retry: false,
    timeout: 30_000,
    // Node's own fetch: gaxios otherwise loads node-fetch with a dynamic import(), which jest's CJS
    // runtime refuses ("dynamic import callback was invoked without --experimental-vm-modules").
    fetchImplementation: fetch,
  });
}

/** Accepts a bare spreadsheet id or any docs.google.com URL of the spreadsheet. */
export function spreadsheetIdFrom(input: string): string | null {
  const s = input.trim();
  const fromUrl = /\/spreadsheets\/d\/([a-zA-Z0-9_-]{10,})/.exec(s);
  if (fromUrl) return fromUrl[1]!;
  return /^[a-zA-Z0-9_-]{10,200}$/.test(s) ? s : null;
}
