import type { CourierCommune } from '../../couriers/contract';
import type { AppContext } from '../context';
import { courierWilayaCode, listCommunes, type Commune } from '../geo/algeria';
import { courierAdapter } from './courier-accounts';

/**
 * Name key for matching a courier's commune spelling to ours: case, accents, apostrophes and
 * hyphens ignored ("Bir Mourad Rais" = "Bir Mourad Raïs", "Tessala El Merdja" = "Tessala-El-Merdja").
 * Exact on that key only: never fuzzy at dispatch time (reference/couriers.md §9).
 */
export function communeKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’‘'`´\-_.]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

let index: Map<string, Commune[]> | null = null;
/** Our communes keyed by (courier wilaya 1..58, name key): moved communes sit under their former wilaya. */
function ourIndex(): Map<string, Commune[]> {
  if (index) return index;
  index = new Map();
  for (const c of listCommunes()) {
    const k = `${courierWilayaCode(c)}|${communeKey(c.nameFr)}`;
    index.set(k, [...(index.get(k) ?? []), c]);
  }
  return index;
}

/** Our ONS code for a courier commune, or null when there is no single exact match. */
export function matchCommune(c: Pick<CourierCommune, 'wilayaCode' | 'name'>): string | null {
  const hits = ourIndex().get(`${c.wilayaCode}|${communeKey(c.name)}`);
  return hits?.length === 1 ? hits[0]!.code : null;
}

export interface ReferenceSyncResult {
  communes: number;
  matched: number;
  unmatched: string[];
  stopdesks: number;
}

/**
 * Fetches the courier's communes and stop desks for one workspace account and maps them to our ONS
 * codes. Rows a merchant mapped by hand (manual_override) keep their commune_code. Idempotent.
 */
export async function syncCourierReference(ctx: AppContext, workspaceId: string, courierId: string): Promise<ReferenceSyncResult> {
  const adapter = await courierAdapter(ctx, workspaceId, courierId);
  try {
    const communes = await adapter.listCommunes();
    const desks = adapter.capabilities.stopDesks ? await adapter.listStopDesks() : [];
    const unmatched: string[] = [];
    let matched = 0;
    const rows = communes.map((c) => {
      const code = matchCommune(c);
      if (code) matched += 1;
      else unmatched.push(`${c.wilayaCode}: ${c.name}`);
      return {
        workspace_id: workspaceId,
        courier: courierId,
        commune_code: code,
        wilaya_code: c.wilayaCode,
        courier_wilaya_key: c.wilayaKey ?? null,
        courier_commune_name: c.name,
        courier_commune_id: c.id ?? null,
        courier_commune_uuid: c.uuid ?? null,
        has_stopdesk: c.hasStopDesk,
        deliverable: c.deliverable,
        delivery_days: c.deliveryDays ?? null,
      };
    });
    await ctx.knex.transaction(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) {
        await trx('courier_communes')
          .insert(rows.slice(i, i + 500))
          .onConflict(['workspace_id', 'courier', 'wilaya_code', 'courier_commune_name'])
          .merge({
            commune_code: trx.raw('CASE WHEN courier_communes.manual_override THEN courier_communes.commune_code ELSE excluded.commune_code END'),
            courier_wilaya_key: trx.raw('excluded.courier_wilaya_key'),
            courier_commune_id: trx.raw('excluded.courier_commune_id'),
            courier_commune_uuid: trx.raw('excluded.courier_commune_uuid'),
            has_stopdesk: trx.raw('excluded.has_stopdesk'),
            deliverable: trx.raw('excluded.deliverable'),
            delivery_days: trx.raw('excluded.delivery_days'),
            synced_at: trx.fn.now(),
          });
      }
      await trx('courier_stopdesks').where({ workspace_id: workspaceId, courier: courierId }).delete();
      if (desks.length) {
        await trx('courier_stopdesks').insert(
          desks.map((d) => ({
            workspace_id: workspaceId,
            courier: courierId,
            desk_id: d.id,
            name: d.name,
            wilaya_code: d.wilayaCode,
            commune_code: d.communeName ? matchCommune({ wilayaCode: d.wilayaCode, name: d.communeName }) : null,
            courier_commune_name: d.communeName ?? null,
            address: d.address ?? null,
            lat: d.gps?.lat ?? null,
            lng: d.gps?.lng ?? null,
          })),
        );
      }
      await trx('workspace_couriers').where({ workspace_id: workspaceId, courier: courierId }).update({ reference_synced_at: trx.fn.now(), last_sync_error: null });
    });
    return { communes: communes.length, matched, unmatched, stopdesks: desks.length };
  } catch (err) {
    await ctx.knex('workspace_couriers').where({ workspace_id: workspaceId, courier: courierId }).update({ last_sync_error: (err as Error).message });
    throw err;
  }
}

/** The courier's own key for one of our communes (what createShipment sends), or null when unmapped. */
export async function courierCommuneFor(ctx: AppContext, workspaceId: string, courierId: string, communeCode: string) {
  return ctx.knex('courier_communes')
    .where({ workspace_id: workspaceId, courier: courierId, commune_code: communeCode })
    .orderBy('manual_override', 'desc')
    .first('courier_commune_name', 'courier_commune_id', 'courier_commune_uuid', 'courier_wilaya_key', 'wilaya_code', 'has_stopdesk', 'delivery_days');
}
