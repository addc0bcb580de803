import type { Knex } from 'knex';
import { getCommune, getWilaya } from '../geo/algeria';
import { deliveryLabel, leadStatusLabel, promoLabel, sheetDate, statusLabel, type Language } from './layout';

/** An order or lead to write, with the change counter read now (marked synced only up to it). */
export interface PendingEntity {
  id: string;
  seq: number;
  status: string;
  writtenStatus: string | null;
  rejectedValue: string | null;
  /** Full row, columns A.. in layout order. */
  values: Array<string | number>;
}

const BATCH = 500; // rows per cycle: well under Google's recommended 2 MB payload

function wilayaName(lang: Language, code: string | null): string {
  if (!code) return '';
  const w = getWilaya(code);
  return w ? `${w.code} ${lang === 'ar' ? w.nameAr : w.nameFr}` : code;
}

function communeName(lang: Language, code: string | null): string {
  if (!code) return '';
  const c = getCommune(code);
  return c ? (lang === 'ar' ? c.nameAr : c.nameFr) : code;
}

/**
 * Orders whose change counter is past what was written, plus `alsoIds` (rows the merchant deleted
 * that must come back), oldest first, with everything a row shows.
 */
export async function loadPendingOrders(knex: Knex, workspaceId: string, lang: Language, alsoIds: string[] = []): Promise<PendingEntity[]> {
  const rows = await knex('sheet_rows as sr')
    .join('orders as o', function () {
      this.on('o.id', 'sr.entity_id').andOn('o.workspace_id', 'sr.workspace_id');
    })
    .leftJoin('shipments as s', 's.order_id', 'o.id')
    .where('sr.workspace_id', workspaceId)
    .andWhere('sr.entity', 'order')
    .andWhere((q) => {
      q.whereRaw('sr.change_seq > sr.synced_seq');
      if (alsoIds.length) q.orWhereIn('sr.entity_id', alsoIds);
    })
    .orderBy('o.created_at')
    .limit(BATCH)
    .select(
      'o.id', 'o.status', 'o.created_at', 'o.customer_name', 'o.phone', 'o.wilaya_code', 'o.commune_code', 'o.address',
      'o.total', 'o.discount', 'o.promo_code', 'o.delivery_type', 'o.courier', 'o.note', 's.tracking', 's.courier as shipment_courier',
      'sr.change_seq', 'sr.written_status', 'sr.rejected_value',
    );
  if (!rows.length) return [];
  const items = await knex('order_items')
    .whereIn('order_id', rows.map((r) => r.id))
    .select('order_id', 'name', 'variant', 'quantity');
  const itemsOf = new Map<string, string[]>();
  for (const it of items) {
    const text = `${it.quantity}× ${it.name}${it.variant ? ` (${it.variant})` : ''}`;
    itemsOf.set(it.order_id, [...(itemsOf.get(it.order_id) ?? []), text]);
  }
  return rows.map((r) => ({
    id: r.id,
    seq: r.change_seq,
    status: r.status,
    writtenStatus: r.written_status,
    rejectedValue: r.rejected_value,
    values: [
      r.id,
      sheetDate(r.created_at),
      statusLabel(lang, r.status),
      r.customer_name ?? '',
      r.phone ?? '',
      wilayaName(lang, r.wilaya_code),
      communeName(lang, r.commune_code),
      r.address ?? '',
      [...(itemsOf.get(r.id) ?? []), ...(r.promo_code ? [promoLabel(lang, r.promo_code, Number(r.discount))] : [])].join(', '),
      Number(r.total),
      deliveryLabel(lang, r.delivery_type),
      r.shipment_courier ?? r.courier ?? '',
      r.tracking ?? '',
      r.note ?? '',
    ],
  }));
}

export async function loadPendingLeads(knex: Knex, workspaceId: string, lang: Language): Promise<PendingEntity[]> {
  const rows = await knex('sheet_rows as sr')
    .join('leads as l', function () {
      this.on('l.id', 'sr.entity_id').andOn('l.workspace_id', 'sr.workspace_id');
    })
    .where('sr.workspace_id', workspaceId)
    .andWhere('sr.entity', 'lead')
    .whereRaw('sr.change_seq > sr.synced_seq')
    .orderBy('l.created_at')
    .limit(BATCH)
    .select('l.id', 'l.status', 'l.created_at', 'l.customer_name', 'l.phone', 'l.wilaya_code', 'l.interest', 'sr.change_seq', 'sr.written_status', 'sr.rejected_value');
  return rows.map((r) => {
    const status = leadStatusLabel(lang, r.status);
    return {
      id: r.id,
      seq: r.change_seq,
      status: r.status,
      writtenStatus: r.written_status,
      rejectedValue: r.rejected_value,
      values: [r.id, sheetDate(r.created_at), status, r.customer_name ?? '', r.phone ?? '', wilayaName(lang, r.wilaya_code), r.interest ?? ''],
    };
  });
}

/** Pending marks whose order or lead no longer exists (erased): nothing to write, stop retrying. */
export async function dropOrphans(knex: Knex, workspaceId: string): Promise<void> {
  await knex.raw(
    `UPDATE sheet_rows sr SET synced_seq = sr.change_seq
      WHERE sr.workspace_id = ? AND sr.change_seq > sr.synced_seq
        AND NOT EXISTS (SELECT 1 FROM orders o WHERE sr.entity = 'order' AND o.id = sr.entity_id)
        AND NOT EXISTS (SELECT 1 FROM leads l WHERE sr.entity = 'lead' AND l.id = sr.entity_id)`,
    [workspaceId],
  );
}
