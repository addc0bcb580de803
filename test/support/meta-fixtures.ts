import fs from 'node:fs';
import path from 'node:path';
import { signMetaBody } from '../../channels/meta/signature';
import { newWorkspace, type TestApp } from './harness';

const DIR = path.resolve(__dirname, '../fixtures/meta');
export const APP_SECRET = 'test-app-secret';

let counter = 0;
/** A numeric id nobody else in this run uses (channels are unique per kind + external id). */
export function uniqueId(): string {
  counter += 1;
  return `${Date.now()}${process.pid % 1000}${counter}`.slice(-18);
}

/**
 * A fixture's raw bytes, exactly as Meta would send them (escaped \uXXXX, \/), with placeholders
 * filled and timestamps moved to now (the 24 h window is computed from them).
 */
export function fixture(name: string, vars: Record<string, string> = {}): string {
  let s = fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8');
  for (const [k, v] of Object.entries(vars)) s = s.split(`__${k}__`).join(v.replace(/\//g, '\\/'));
  const nowS = Math.floor(Date.now() / 1000);
  s = s.replace(/"timestamp":"\d+"/g, `"timestamp":"${nowS}"`).replace(/"(timestamp|time)":\d{13}/g, (_m, k) => `"${k}":${Date.now()}`);
  return s;
}

export function postWebhook(t: TestApp, raw: string | Buffer, signature: string | null = signMetaBody(raw, APP_SECRET)) {
  const req = t.http().post('/webhooks/meta').set('content-type', 'application/json');
  if (signature !== null) req.set('x-hub-signature-256', signature);
  // A string goes out byte for byte (superagent would JSON-encode a Buffer under a JSON content type).
  return req.send(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
}

/** A workspace with one connected channel of each kind (fresh external ids), through the API. */
export async function workspaceWithChannels(t: TestApp, token = 'EAAG-test-token-0123456789') {
  const ws = await newWorkspace(t.ctx);
  const ids = { PHONE_NUMBER_ID: uniqueId(), PAGE_ID: uniqueId(), IG_ID: uniqueId() };
  const connect = async (kind: string, external_id: string) =>
    (await t.http().post('/api/v1/channels').set(ws.auth).send({ kind, external_id, access_token: token }).expect(201)).body.channel as { id: string };
  const channels = {
    whatsapp: await connect('whatsapp', ids.PHONE_NUMBER_ID),
    messenger: await connect('messenger', ids.PAGE_ID),
    instagram: await connect('instagram', ids.IG_ID),
  };
  return { ws, ids, channels };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
