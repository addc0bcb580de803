import type { Knex } from 'knex';
import { normalizePhone } from '../geo/phone';

export type RiskLevel = 'low' | 'medium' | 'high';

export interface ReturnRisk {
  delivered: number;
  returned: number;
  risk: RiskLevel;
}

/**
 * A refused COD parcel costs the merchant the return fee and a week of stock. The rule is small
 * and explainable to the merchant: a customer who sent back at least two parcels and as many as
 * they accepted is high risk; any return at a rate of one in four or more is medium; else low.
 * One old return among many deliveries stays low.
 */
export function riskLevel(delivered: number, returned: number): RiskLevel {
  if (returned === 0) return 'low';
  const rate = returned / (delivered + returned);
  if (returned >= 2 && returned >= delivered) return 'high';
  return rate >= 0.25 ? 'medium' : 'low';
}

/** Orders store E.164; accept what a merchant or the agent types as well. */
function e164(phone: string): string | null {
  const r = normalizePhone(phone);
  return r.ok ? r.e164 : null;
}

/** Delivered vs returned counts per E.164 phone across one workspace's orders. */
export async function returnRisks(db: Knex, workspaceId: string, phones: Array<string | null | undefined>): Promise<Map<string, ReturnRisk>> {
  const wanted = [...new Set(phones.filter((p): p is string => !!p))];
  const out = new Map<string, ReturnRisk>();
  if (!wanted.length) return out;
  const rows: Array<{ phone: string; delivered: string | number; returned: string | number }> = await db('orders')
    .where({ workspace_id: workspaceId })
    .whereIn('phone', wanted)
    .whereIn('status', ['delivered', 'returned'])
    .groupBy('phone')
    .select('phone', db.raw("count(*) FILTER (WHERE status = 'delivered') AS delivered"), db.raw("count(*) FILTER (WHERE status = 'returned') AS returned"));
  for (const p of wanted) {
    const r = rows.find((x) => x.phone === p);
    const delivered = Number(r?.delivered ?? 0);
    const returned = Number(r?.returned ?? 0);
    out.set(p, { delivered, returned, risk: riskLevel(delivered, returned) });
  }
  return out;
}

/** One customer's history with this shop, by phone (any common spelling of an Algerian number). */
export async function getReturnRisk(ctx: { knex: Knex }, workspaceId: string, phone: string): Promise<ReturnRisk> {
  const p = e164(phone) ?? phone;
  return (await returnRisks(ctx.knex, workspaceId, [p])).get(p) ?? { delivered: 0, returned: 0, risk: 'low' };
}
