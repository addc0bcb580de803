import type { DeliveryType, TariffRow } from '../../couriers/contract';
import type { AppContext } from '../context';
import { AppError, invalidInput } from '../errors';
import { courierWilayaCode, courierWilayaOf, getCommune, getWilaya } from '../geo/algeria';
import { activeCourier, courierAdapter, courierDefinition } from './courier-accounts';
import { matchCommune } from './reference-sync';

export interface QuoteDeliveryInput {
  /** Our wilaya code, '01'..'69' or 1..69 (59..69 are priced as their parent wilaya, as couriers file them). */
  wilayaCode: string | number;
  /** Our ONS commune code ('1630'); with it the commune's own tariff is used when the courier prices per commune. */
  communeCode?: string;
  deliveryType: DeliveryType;
}

export interface DeliveryQuote {
  /** Integer DZD the customer pays for delivery. */
  fee: number;
  courier: string;
  deliveryType: DeliveryType;
  /** Typical days to deliver, when known. */
  delayDays?: number;
  /**
   * 'override': the merchant's own price; 'synced': the courier's tariff stored by syncTariffs;
   * 'live': asked the courier now because nothing was stored.
   */
  source: 'override' | 'synced' | 'live';
  /** The courier wilaya (1..58) the fee applies to. */
  wilaya: number;
  /** Set when a commune-specific tariff was used. */
  communeCode?: string;
}

/** Resolves our wilaya/commune to the courier numbering; throws invalid_input naming the bad value. */
function destination(input: QuoteDeliveryInput): { wilaya: number; communeCode?: string } {
  if (input.communeCode) {
    const c = getCommune(input.communeCode);
    if (!c) throw invalidInput(`Unknown commune code '${input.communeCode}'`);
    const w = getWilaya(input.wilayaCode);
    if (w && w.code !== c.wilaya && w.code !== c.wilayaBefore) {
      throw invalidInput(`Commune ${c.nameFr} (${c.code}) is not in wilaya ${w.nameFr} (${w.code})`);
    }
    return { wilaya: courierWilayaCode(c), communeCode: c.code };
  }
  const w = getWilaya(input.wilayaCode);
  if (!w) throw invalidInput(`Unknown wilaya '${input.wilayaCode}': use a code 1..69`);
  return { wilaya: courierWilayaOf(w) };
}

/**
 * The delivery fee for the agent's quote_delivery tool and for pricing orders. Order of precedence:
 * merchant override (commune, then wilaya) → synced courier tariff (commune, then wilaya; without a
 * commune, the wilaya's lowest commune fee, i.e. the "from" price) → a live quote from the courier.
 * Throws not_found "No courier is set up..." when the workspace has no active courier, and
 * not_found when the courier does not deliver there (the agent says so instead of inventing a fee).
 */
export async function quoteDelivery(ctx: AppContext, workspaceId: string, input: QuoteDeliveryInput): Promise<DeliveryQuote> {
  const courier = await activeCourier(ctx.knex, workspaceId);
  if (!courier) throw new AppError('not_found', 'No courier is set up for this shop yet, so delivery fees are unknown: connect one in Settings → Couriers');
  const dest = destination(input);
  const base = { courier, deliveryType: input.deliveryType, wilaya: dest.wilaya };
  const delay = dest.communeCode
    ? (await ctx.knex('courier_communes').where({ workspace_id: workspaceId, courier, commune_code: dest.communeCode }).first('delivery_days'))?.delivery_days ?? undefined
    : undefined;

  const rows = await ctx.knex('courier_tariffs')
    .where({ workspace_id: workspaceId, courier, wilaya_code: dest.wilaya, delivery_type: input.deliveryType })
    .select('commune_code', 'fee', 'delay_days', 'source');
  for (const source of ['override', 'synced'] as const) {
    const mine = rows.filter((r) => r.source === source);
    const exact = dest.communeCode ? mine.find((r) => r.commune_code === dest.communeCode) : undefined;
    const wide = mine.find((r) => r.commune_code === null);
    const pick = exact ?? wide ?? (!dest.communeCode && source === 'synced' ? [...mine].sort((a, b) => a.fee - b.fee)[0] : undefined);
    if (pick) {
      return { ...base, fee: pick.fee, source, delayDays: pick.delay_days ?? delay, communeCode: exact ? dest.communeCode : undefined };
    }
  }

  const adapter = await courierAdapter(ctx, workspaceId, courier);
  const mapped = dest.communeCode
    ? await ctx.knex('courier_communes').where({ workspace_id: workspaceId, courier, commune_code: dest.communeCode }).first('courier_commune_name', 'courier_commune_id')
    : undefined;
  const q = await adapter.quote({
    toWilaya: dest.wilaya,
    toCommune: mapped ? { name: mapped.courier_commune_name, id: mapped.courier_commune_id ?? undefined } : undefined,
    deliveryType: input.deliveryType,
  });
  const fee = input.deliveryType === 'home' ? q?.home : q?.stopdesk;
  if (fee === undefined || fee === null) {
    throw new AppError('not_found', `${adapter.displayName} does not offer ${input.deliveryType === 'home' ? 'home' : 'stop-desk'} delivery to wilaya ${dest.wilaya}`);
  }
  return { ...base, fee, source: 'live', delayDays: q?.delayDays ?? delay };
}

/**
 * Replaces the courier's synced tariffs for this workspace with a fresh grid (listTariffs, or one
 * quote per wilaya when the courier has no grid). Overrides are untouched. Returns rows written.
 */
export async function syncTariffs(ctx: AppContext, workspaceId: string, courierId: string): Promise<number> {
  const adapter = await courierAdapter(ctx, workspaceId, courierId);
  let grid: TariffRow[] | null = await adapter.listTariffs({});
  if (!grid) {
    grid = [];
    for (const w of await adapter.listWilayas()) {
      const q = await adapter.quote({ toWilaya: w.code, deliveryType: 'home' });
      if (q) grid.push({ wilayaCode: w.code, ...q });
    }
  }
  const rows = grid.flatMap((t) => {
    const communeCode = t.commune ? matchCommune({ wilayaCode: t.wilayaCode, name: t.commune.name }) : null;
    if (t.commune && !communeCode) return []; // a commune we cannot place: its wilaya rows still price it
    return (['home', 'stopdesk'] as const)
      .filter((type) => Number.isInteger(t[type]))
      .map((type) => ({
        workspace_id: workspaceId,
        courier: courierId,
        wilaya_code: t.wilayaCode,
        commune_code: communeCode,
        delivery_type: type,
        fee: t[type]!,
        return_fee: t.returnFee ?? null,
        delay_days: t.delayDays ?? null,
        source: 'synced',
      }));
  });
  await ctx.knex.transaction(async (trx) => {
    await trx('courier_tariffs').where({ workspace_id: workspaceId, courier: courierId, source: 'synced' }).delete();
    for (let i = 0; i < rows.length; i += 500) await trx('courier_tariffs').insert(rows.slice(i, i + 500));
    await trx('workspace_couriers').where({ workspace_id: workspaceId, courier: courierId }).update({ tariffs_synced_at: trx.fn.now() });
  });
  return rows.length;
}

export interface TariffOverride {
  wilayaCode: string | number;
  communeCode?: string | null;
  deliveryType: DeliveryType;
  /** Integer DZD; null removes the override. */
  fee: number | null;
  returnFee?: number | null;
  delayDays?: number | null;
}

/** The merchant's own price for a wilaya (or one commune); it wins over the courier's tariff. */
export async function setTariffOverride(ctx: AppContext, workspaceId: string, courierId: string, o: TariffOverride): Promise<void> {
  courierDefinition(ctx, courierId);
  const dest = destination({ wilayaCode: o.wilayaCode, communeCode: o.communeCode ?? undefined, deliveryType: o.deliveryType });
  const where = { workspace_id: workspaceId, courier: courierId, wilaya_code: dest.wilaya, delivery_type: o.deliveryType, source: 'override' };
  await ctx.knex.transaction(async (trx) => {
    const q = trx('courier_tariffs').where(where);
    if (dest.communeCode) q.where({ commune_code: dest.communeCode });
    else q.whereNull('commune_code');
    await q.delete();
    if (o.fee !== null) {
      if (!Number.isInteger(o.fee) || o.fee < 0) throw invalidInput('fee: must be a whole number of dinars, 0 or more');
      await trx('courier_tariffs').insert({ ...where, commune_code: dest.communeCode ?? null, fee: o.fee, return_fee: o.returnFee ?? null, delay_days: o.delayDays ?? null });
    }
  });
}

export async function listTariffs(ctx: AppContext, workspaceId: string, courierId: string, opts: { source?: 'synced' | 'override' } = {}) {
  const q = ctx.knex('courier_tariffs')
    .where({ workspace_id: workspaceId, courier: courierId })
    .orderBy([{ column: 'wilaya_code' }, { column: 'commune_code' }, { column: 'delivery_type' }])
    .select('wilaya_code', 'commune_code', 'delivery_type', 'fee', 'return_fee', 'delay_days', 'source', 'updated_at');
  if (opts.source) q.where({ source: opts.source });
  return q;
}
