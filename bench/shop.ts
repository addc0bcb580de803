import { connectDatabase } from '../src/db/connect';
import { createWorkspace } from '../src/workspaces/create-workspace';
import { epochMs } from './arrivals';
import { sign, whatsappTextBody } from './support';

export interface BenchShop {
  workspaceId: string;
  apiKey: string;
  phoneNumberId: string;
}

let seq = 0;

/**
 * A workspace (created directly in the database, like `wakil workspace create`) with one WhatsApp
 * channel connected through the running app's API, and optional products.
 */
export async function openShop(
  databaseUrl: string,
  appUrl: string,
  products: Array<Record<string, unknown>> = [],
): Promise<BenchShop & { productIds: string[] }> {
  seq += 1;
  const db = await connectDatabase({ databaseUrl, dataDir: '/nonexistent' });
  let ws: Awaited<ReturnType<typeof createWorkspace>>;
  try {
    ws = await createWorkspace(db.knex, { name: `Bench ${seq}`, ownerEmail: `bench-${Date.now()}-${seq}@example.test` });
    // The Pro plan (3,000 AI conversations a month): the free plan's 50 would silence the load.
    await db.knex('workspaces').where({ id: ws.workspace_id }).update({ plan: 'pro', plan_until: new Date(Date.now() + 30 * 86_400_000) });
  } finally {
    await db.close();
  }
  const phoneNumberId = `1${Date.now()}${seq}`;
  const auth = { authorization: `Bearer ${ws.api_key}`, 'content-type': 'application/json' };
  await api(appUrl, '/api/v1/channels', auth, { kind: 'whatsapp', external_id: phoneNumberId, access_token: 'bench-token-0123456789' });
  const productIds: string[] = [];
  for (const p of products) productIds.push(((await api(appUrl, '/api/v1/products', auth, p)) as { product: { id: string } }).product.id);
  return { workspaceId: ws.workspace_id, apiKey: ws.api_key, phoneNumberId, productIds };
}

async function api(appUrl: string, path: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const res = await fetch(`${appUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A customer's WhatsApp number, distinct per index (Algerian mobile shape). */
export const customerPhone = (i: number, prefix = 66): string => `213${prefix}${String(i).padStart(7, '0')}`;

/** Posts one signed WhatsApp text webhook; returns when the 200 arrived (epoch ms). */
export async function postText(appUrl: string, phoneNumberId: string, from: string, text: string, wamid = `wamid.bench.${from}.${Date.now()}.${++seq}`): Promise<number> {
  const body = whatsappTextBody(phoneNumberId, from, wamid, text);
  const res = await fetch(`${appUrl}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) }, body });
  const at = epochMs();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return at;
}

/** One message from each of `phones`, `concurrency` webhooks in flight (Meta delivers in parallel too). */
export async function postFromEach(appUrl: string, phoneNumberId: string, phones: string[], text: string, concurrency = 10): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < phones.length) await postText(appUrl, phoneNumberId, phones[next++]!, text);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
