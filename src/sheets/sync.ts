import type { sheets_v4 } from '@googleapis/sheets';
import type { Knex } from 'knex';
import type { AppContext } from '../context';
import { ProviderError } from '../errors';
import { withBackoff, type BackoffOptions } from './backoff';
import { sheetsClient, type ServiceAccount } from './client';
import { loadConnection, recordError, recordSuccess, recordWaiting, type SheetConnection } from './connection-store';
import { classifyGoogleError, isGoogleError } from './google-errors';
import { checkHeader, columnsMovedMessage } from './header-check';
import { a1Tab, asLanguage, COL, columnLetter, firstRowOf, LEAD_COLUMNS, leadHeader, orderHeader, type Language } from './layout';
import { applyMerchantEdits, type NoteWrite, type SheetCell, type SheetEntity } from './read-back';
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
  /** One message per tab whose columns the merchant moved: nothing was read back from or written to it. */
  columnsMoved: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPEN_STATUSES = ['pending', 'confirmed', 'shipped'];

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
  const result: SyncResult = { appended: 0, updated: 0, applied: 0, rejected: 0, writes: 0, columnsMoved: [] };
  try {
    await withBackoff(() => runCycle(ctx, client, conn, lang, result), (e) => classifyGoogleError(e, who), opts.backoff);
    // Moved columns stay on the settings page (and the other tab kept syncing) until the merchant
    // restores the order; the first cycle that finds it right clears the error.
    if (result.columnsMoved.length) await recordError(ctx.knex, workspaceId, { problem: 'columns_moved', message: result.columnsMoved.join(' ') });
    else await recordSuccess(ctx.knex, workspaceId);
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
  result.columnsMoved = []; // a retried cycle judges the header afresh

  const tabs = await ensureTabs(knex, client, conn, lang, beforeWrite);
  const ot = a1Tab(tabs.orders.title);
  const lt = a1Tab(tabs.leads.title);
  const noteCol = columnLetter(COL.note);
  await dropOrphans(knex, workspaceId);

  // The one read of the cycle: ids + status of every order and lead row, the order notes, and
  // both header rows (so a moved column is caught before anything is written by position).
  const ranges = [`${ot}!A1:C`, `${ot}!${noteCol}1:${noteCol}`, `${lt}!A1:C`, `${ot}!1:1`, `${lt}!1:1`];
  const read = await client.spreadsheets.values.batchGet({ spreadsheetId, ranges, majorDimension: 'ROWS' });
  const grids = ranges.map((_, i) => (read.data.valueRanges?.[i]?.values ?? []) as unknown[][]);
  const header = { orders: checkHeader('orders', grids[3]![0] ?? []), leads: checkHeader('leads', grids[4]![0] ?? []) };
  const open = { orders: header.orders !== 'moved', leads: header.leads !== 'moved' };
  for (const kind of ['orders', 'leads'] as const) {
    if (!open[kind]) result.columnsMoved.push(columnsMovedMessage(kind, tabs[kind].title, lang));
  }

  const orderCells = open.orders ? cellsOf(grids[0]!, (i) => String(grids[1]![i]?.[0] ?? '')) : new Map<string, SheetCell>();
  const leadCells = open.leads ? cellsOf(grids[2]!) : new Map<string, SheetCell>();

  const notes: NoteWrite[] = [];
  for (const [entity, cells] of [['order', orderCells], ['lead', leadCells]] as const) {
    const readBack = await applyMerchantEdits(ctx, workspaceId, lang, entity, cells);
    result.applied += readBack.applied;
    result.rejected += readBack.rejected;
    notes.push(...readBack.notes);
  }

  // Open orders whose row the merchant deleted come back; closed ones only when they change again.
  const tracked = open.orders
    ? await knex('sheet_rows as sr')
        .join('orders as o', 'o.id', 'sr.entity_id')
        .where({ 'sr.workspace_id': workspaceId, 'sr.entity': 'order' })
        .andWhere('sr.synced_seq', '>', 0)
        .whereIn('o.status', OPEN_STATUSES)
        .pluck('o.id')
    : [];
  const missing = (tracked as string[]).filter((id) => !orderCells.has(id));

  // Loaded after the read-back, so a status the merchant just set is written back in Wakil's words now.
  const orders = open.orders ? await loadPendingOrders(knex, workspaceId, lang, missing) : [];
  const leads = open.leads ? await loadPendingLeads(knex, workspaceId, lang) : [];

  const data: sheets_v4.Schema$ValueRange[] = [];
  // A header row the merchant cleared is written again, inside the values write the cycle makes anyway.
  if (header.orders === 'empty') data.push({ range: `${ot}!A1:${noteCol}1`, values: [orderHeader(lang)] });
  if (header.leads === 'empty') data.push({ range: `${lt}!A1:${columnLetter(LEAD_COLUMNS.length)}1`, values: [leadHeader(lang)] });
  const updated = { order: [] as Synced[], lead: [] as Synced[] };
  const appends = { order: [] as PendingEntity[], lead: [] as PendingEntity[] };
  // Columns Wakil rewrites on update: on orders, everything before the merchant's Note column.
  for (const [entity, rows, cells, tab, wakilCols] of [
    ['order', orders, orderCells, ot, COL.note - 1],
    ['lead', leads, leadCells, lt, LEAD_COLUMNS.length],
  ] as const) {
    for (const e of rows) {
      const cell = cells.get(e.id);
      if (!cell) appends[entity].push(e);
      else updated[entity].push(rowUpdate(entity, tab, e, cell, wakilCols, data, notes));
    }
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
            start: { sheetId: n.entity === 'order' ? tabs.orders.sheetId : tabs.leads.sheetId, rowIndex: n.row - 1, columnIndex: COL.status - 1 },
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
    await markSynced(knex, workspaceId, 'order', updated.order);
    await markSynced(knex, workspaceId, 'lead', updated.lead);
    result.updated += updated.order.length + updated.lead.length;
  }
  for (const [entity, tab] of [['order', ot], ['lead', lt]] as const) {
    const rows = appends[entity];
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

/** Rows of an `A1:C` read keyed by id (header and non-id rows skipped); a pasted duplicate: the first row is the entity's. */
function cellsOf(grid: unknown[][], noteOf?: (index: number) => string): Map<string, SheetCell> {
  const cells = new Map<string, SheetCell>();
  grid.forEach((r, i) => {
    const id = String(r[0] ?? '').trim();
    if (i === 0 || !UUID.test(id) || cells.has(id)) return;
    cells.set(id, { row: i + 1, status: String(r[COL.status - 1] ?? ''), ...(noteOf ? { note: noteOf(i) } : {}) });
  });
  return cells;
}

/**
 * The in-place update of one row (columns A to `wakilCols`, the same Status column C on both tabs).
 * Do not fight the merchant: their rejected value stays until Wakil has a newer status to show.
 */
function rowUpdate(entity: SheetEntity, tab: string, e: PendingEntity, cell: SheetCell, wakilCols: number, data: sheets_v4.Schema$ValueRange[], notes: NoteWrite[]): Synced {
  const r = cell.row;
  const last = columnLetter(wakilCols);
  const label = String(e.values[COL.status - 1]);
  const keepTheirs = e.rejectedValue !== null && cell.status.trim() === e.rejectedValue && sameWord(label, e.writtenStatus);
  if (keepTheirs) {
    data.push({ range: `${tab}!A${r}:B${r}`, values: [e.values.slice(0, COL.status - 1)] });
    data.push({ range: `${tab}!D${r}:${last}${r}`, values: [e.values.slice(COL.status, wakilCols)] });
  } else {
    data.push({ range: `${tab}!A${r}:${last}${r}`, values: [e.values.slice(0, wakilCols)] });
    if (e.rejectedValue !== null && !notes.some((n) => n.entity === entity && n.id === e.id)) notes.push({ entity, id: e.id, row: r, note: null });
  }
  return { id: e.id, seq: e.seq, row: r, written: keepTheirs ? null : label };
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
