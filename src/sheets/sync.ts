import type { sheets_v4 } from '@googleapis/sheets';
import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';
import { withBackoff, type BackoffOptions } from './backoff';
import { sheetsClient, type ServiceAccount } from './client';
import { loadConnection, recordError, recordSuccess, recordWaiting, type SheetConnection } from './connection-store';
import { classifyGoogleError, isGoogleError } from './google-errors';
import { a1Tab, asLanguage, COL, columnLetter, firstRowOf, type Language } from './layout';
import { applyMerchantEdits, type NoteWrite, type SheetCell } from './read-back';
import { dropOrphans, loadPendingLeads, loadPendingOrders, type PendingEntity } from './rows';
import { sameWord } from './status-words';
import { ensureTabs } from './tabs';
import { acquireWriteSlot, WriteBudgetExhausted } from './write-budget';

export interface SyncResult {
  appended: number;
  updated: number;
  applied: number;
  rejected: number;
  /** Write requests this sync sent (including retried ones). */
  writes: number;
  /** Set when the per-minute write budget ran out: run again after this many ms. */
  waitMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPEN_STATUSES = ['pending', 'confirmed', 'shipped'];
/** The last column Wakil rewrites on update: everything before the merchant's Note column. */
const LAST_WAKIL_COL = columnLetter(COL.note - 1);

/**
 * One sync of a workspace's sheet: read back the merchant's edits, then write what is pending.
 * Retryable Google failures (429, 5xx, network) restart the whole cycle after a backoff that
 * honours Retry-After; the cycle re-reads the id column first, so nothing is appended twice.
 * Refusals the merchant must fix (not shared, API disabled, ...) are recorded in words for the
 * settings page and do not throw: the next poll or order change tries again.
 */
export async function syncSheet(ctx: AppContext, workspaceId: string, opts: { backoff?: Partial<BackoffOptions> } = {}): Promise<SyncResult | null> {
  const conn = await loadConnection(ctx.knex, workspaceId);
  if (!conn) return null;
  const sa = await ctx.vault.get<ServiceAccount>(workspaceId, 'sheets_service_account');
  if (!sa) {
    await recordError(ctx.knex, workspaceId, { problem: 'invalid_key', message: 'The service-account key is missing: connect the sheet again.' });
    return null;
  }
  const ws = await ctx.knex('workspaces').where({ id: workspaceId }).first('language');
  const lang = asLanguage(ws?.language);
  const client = sheetsClient(ctx.config, sa);
  const who = { clientEmail: conn.client_email, spreadsheetId: conn.spreadsheet_id };
  const result: SyncResult = { appended: 0, updated: 0, applied: 0, rejected: 0, writes: 0 };
  try {
    await withBackoff(() => runCycle(ctx, client, conn, lang, result), (e) => classifyGoogleError(e, who), opts.backoff);
    await recordSuccess(ctx.knex, workspaceId);
    return result;
  } catch (err) {
    if (err instanceof WriteBudgetExhausted) {
      await recordWaiting(ctx.knex, workspaceId);
      return { ...result, waitMs: err.waitMs };
    }
    if (!isGoogleError(err)) throw err;
    const c = classifyGoogleError(err, who);
    await recordError(ctx.knex, workspaceId, c);
    ctx.logger.warn({ workspaceId, problem: c.problem, status: c.status }, 'sheet sync failed');
    if (c.retryable) throw new ProviderError('google_sheets', c.message, true, c.status, c.problem);
    return null;
  }
}

async function runCycle(ctx: AppContext, client: sheets_v4.Sheets, conn: SheetConnection, lang: Language, result: SyncResult): Promise<void> {
  const { knex } = ctx;
  const workspaceId = conn.workspace_id;
  const spreadsheetId = conn.spreadsheet_id;
  const beforeWrite = async () => {
    await acquireWriteSlot(knex, spreadsheetId);
    result.writes += 1;
  };

  const tabs = await ensureTabs(knex, client, conn, lang, beforeWrite);
  const ot = a1Tab(tabs.orders.title);
  const lt = a1Tab(tabs.leads.title);
  const noteCol = columnLetter(COL.note);
  await dropOrphans(knex, workspaceId);
  const leadsPending = !!(await knex('sheet_rows').where({ workspace_id: workspaceId, entity: 'lead' }).whereRaw('change_seq > synced_seq').first('entity_id'));

  // The one read of the cycle: ids + status of every order row, their notes, and lead ids if needed.
  const ranges = [`${ot}!A1:C`, `${ot}!${noteCol}1:${noteCol}`, ...(leadsPending ? [`${lt}!A1:A`] : [])];
  const read = await client.spreadsheets.values.batchGet({ spreadsheetId, ranges, majorDimension: 'ROWS' });
  const grids = ranges.map((_, i) => (read.data.valueRanges?.[i]?.values ?? []) as unknown[][]);
  const orderCells = new Map<string, SheetCell>();
  grids[0]!.forEach((r, i) => {
    const id = String(r[0] ?? '').trim();
    if (i === 0 || !UUID.test(id) || orderCells.has(id)) return; // a pasted duplicate: the first row is the order's
    orderCells.set(id, { row: i + 1, status: String(r[COL.status - 1] ?? ''), note: String(grids[1]![i]?.[0] ?? '') });
  });
  const leadRows = new Map<string, number>();
  (grids[2] ?? []).forEach((r, i) => {
    const id = String(r[0] ?? '').trim();
    if (i > 0 && UUID.test(id) && !leadRows.has(id)) leadRows.set(id, i + 1);
  });

  const readBack = await applyMerchantEdits(ctx, workspaceId, lang, orderCells);
  result.applied += readBack.applied;
  result.rejected += readBack.rejected;

  // Open orders whose row the merchant deleted come back; closed ones only when they change again.
  const tracked = await knex('sheet_rows as sr')
    .join('orders as o', 'o.id', 'sr.entity_id')
    .where({ 'sr.workspace_id': workspaceId, 'sr.entity': 'order' })
    .andWhere('sr.synced_seq', '>', 0)
    .whereIn('o.status', OPEN_STATUSES)
    .pluck('o.id');
  const missing = (tracked as string[]).filter((id) => !orderCells.has(id));

  const orders = await loadPendingOrders(knex, workspaceId, lang, missing);
  const leads = leadsPending ? await loadPendingLeads(knex, workspaceId, lang) : [];

  const notes: NoteWrite[] = [...readBack.notes];
  const data: sheets_v4.Schema$ValueRange[] = [];
  const updatedOrders: Synced[] = [];
  const newOrders: PendingEntity[] = [];
  for (const o of orders) {
    const cell = orderCells.get(o.id);
    if (!cell) {
      newOrders.push(o);
      continue;
    }
    const r = cell.row;
    const label = String(o.values[COL.status - 1]);
    // Do not fight the merchant: their rejected value stays until Wakil has a newer status to show.
    const keepTheirs = o.rejectedValue !== null && cell.status.trim() === o.rejectedValue && sameWord(label, o.writtenStatus);
    if (keepTheirs) {
      data.push({ range: `${ot}!A${r}:B${r}`, values: [o.values.slice(0, COL.status - 1)] });
      data.push({ range: `${ot}!D${r}:${LAST_WAKIL_COL}${r}`, values: [o.values.slice(COL.status, COL.note - 1)] });
    } else {
      data.push({ range: `${ot}!A${r}:${LAST_WAKIL_COL}${r}`, values: [o.values.slice(0, COL.note - 1)] });
      if (o.rejectedValue !== null && !notes.some((n) => n.orderId === o.id)) notes.push({ orderId: o.id, row: r, note: null });
    }
    updatedOrders.push({ id: o.id, seq: o.seq, row: r, written: keepTheirs ? null : label });
  }
  const updatedLeads: Synced[] = [];
  const newLeads: PendingEntity[] = [];
  for (const l of leads) {
    const r = leadRows.get(l.id);
    if (!r) {
      newLeads.push(l);
      continue;
    }
    data.push({ range: `${lt}!A${r}:${columnLetter(l.values.length)}${r}`, values: [l.values] });
    updatedLeads.push({ id: l.id, seq: l.seq, row: r, written: String(l.values[COL.status - 1]) });
  }

  // Writes, in an order where row numbers read above stay valid: notes and in-place updates first,
  // appends (which may insert rows) last.
  if (notes.length) {
    await beforeWrite();
    await client.spreadsheets.batchUpdate({
      spreadsheetId,
      requestBody: {
        requests: notes.map((n) => ({
          updateCells: {
            start: { sheetId: tabs.orders.sheetId, rowIndex: n.row - 1, columnIndex: COL.status - 1 },
            rows: [{ values: [n.note ? { note: n.note } : {}] }],
            fields: 'note',
          },
        })),
      },
    });
  }
  if (data.length) {
    await beforeWrite();
    await client.spreadsheets.values.batchUpdate({ spreadsheetId, requestBody: { valueInputOption: 'RAW', data } });
    await markSynced(knex, workspaceId, 'order', updatedOrders);
    await markSynced(knex, workspaceId, 'lead', updatedLeads);
    result.updated += updatedOrders.length + updatedLeads.length;
  }
  for (const [entity, rows, tab] of [['order', newOrders, ot], ['lead', newLeads, lt]] as const) {
    if (!rows.length) continue;
    await beforeWrite();
    // RAW: customer text is stored as typed, never parsed as a formula (reference/apis.md §2.4).
    const res = await client.spreadsheets.values.append({
      spreadsheetId,
      range: `${tab}!A1`,
      valueInputOption: 'RAW',
      insertDataOption: 'INSERT_ROWS',
      requestBody: { values: rows.map((e) => e.values) },
    });
    const first = firstRowOf(res.data.updates?.updatedRange);
    await markSynced(knex, workspaceId, entity, rows.map((e, i) => ({ id: e.id, seq: e.seq, row: first === null ? null : first + i, written: String(e.values[COL.status - 1]) })));
    result.appended += rows.length;
  }
}

interface Synced {
  id: string;
  seq: number;
  row: number | null;
  /** The status text written, or null when the Status cell was left alone. */
  written: string | null;
}

/** Marks rows written up to the change counter read: a change made meanwhile stays pending. */
async function markSynced(knex: Knex, workspaceId: string, entity: 'order' | 'lead', rows: Synced[]): Promise<void> {
  if (!rows.length) return;
  await knex.raw(
    `UPDATE sheet_rows sr SET synced_seq = GREATEST(sr.synced_seq, v.seq), row_number = v.row, synced_at = now(),
        written_status = COALESCE(v.written, sr.written_status),
        rejected_value = CASE WHEN v.written IS NULL THEN sr.rejected_value ELSE NULL END
       FROM unnest(?::uuid[], ?::int[], ?::int[], ?::text[]) AS v(id, seq, row, written)
      WHERE sr.workspace_id = ? AND sr.entity = ? AND sr.entity_id = v.id`,
    // nulls inside the arrays are fine for pg; knex's binding type just does not say so
    [rows.map((r) => r.id), rows.map((r) => r.seq), rows.map((r) => r.row) as number[], rows.map((r) => r.written) as string[], workspaceId, entity],
  );
}
