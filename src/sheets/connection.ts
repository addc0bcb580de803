import { z } from 'zod';
import type { AppContext } from '../context';
import { invalidInput, notFound } from '../errors';
import { withBackoff } from './backoff';
import { ServiceAccountSchema, sheetsClient, spreadsheetIdFrom, type ServiceAccount } from './client';
import { loadConnection, recordError, recordSuccess } from './connection-store';
import { classifyGoogleError, isGoogleError, type SheetProblem } from './google-errors';
import { enqueueSheetSync, schedulePoll } from './jobs';
import { asLanguage } from './layout';
import { ensureTabs } from './tabs';
import { acquireWriteSlot } from './write-budget';

const TabName = z.string().trim().min(1).max(100).refine((s) => !/[[\]*?/\\:]/.test(s), 'a tab name cannot contain [ ] * ? / \\ :');

export const ConnectSheetInput = z.object({
  spreadsheet_id: z.string().trim().min(1, 'spreadsheet_id is required (the id or the URL of the spreadsheet)'),
  // The key file as uploaded: an object, or its text.
  service_account: z.union([z.string(), z.record(z.string(), z.unknown())]),
  orders_tab: TabName.optional(),
  leads_tab: TabName.optional(),
});
export type ConnectSheetInput = z.infer<typeof ConnectSheetInput>;

function parseServiceAccount(raw: ConnectSheetInput['service_account']): ServiceAccount {
  let obj: unknown = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch {
      throw invalidInput('service_account is not valid JSON: upload the key file Google gave you');
    }
  }
  const parsed = ServiceAccountSchema.safeParse(obj);
  // Messages only, never values: the input holds a private key.
  if (!parsed.success) {
    throw invalidInput('service_account is not a usable Google service-account key', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  }
  return parsed.data;
}

/**
 * Saves the sheet connection. The key goes to the vault (never returned); every existing order and
 * lead is marked pending so the sheet receives the history, and the first sync and the poll chain
 * are queued in the same transaction.
 */
export async function connectSheet(ctx: AppContext, workspaceId: string, input: ConnectSheetInput): Promise<SheetState> {
  const spreadsheetId = spreadsheetIdFrom(input.spreadsheet_id);
  if (!spreadsheetId) throw invalidInput('spreadsheet_id must be a spreadsheet id or a docs.google.com/spreadsheets/d/... URL');
  const sa = parseServiceAccount(input.service_account);
  await ctx.knex.transaction(async (trx) => {
    const before = await trx('sheet_connections').where({ workspace_id: workspaceId }).forUpdate().first();
    await ctx.vault.put(workspaceId, 'sheets_service_account', '', sa, trx);
    const sameSheet = before?.spreadsheet_id === spreadsheetId;
    const row = {
      spreadsheet_id: spreadsheetId,
      client_email: sa.client_email,
      orders_tab: input.orders_tab ?? before?.orders_tab ?? 'Orders',
      leads_tab: input.leads_tab ?? before?.leads_tab ?? 'Leads',
      orders_sheet_id: sameSheet && !input.orders_tab ? before.orders_sheet_id : null,
      leads_sheet_id: sameSheet && !input.leads_tab ? before.leads_sheet_id : null,
      state: 'pending',
      last_error: null,
      last_error_code: null,
      notice: null,
      updated_at: trx.fn.now(),
    };
    if (before) await trx('sheet_connections').where({ workspace_id: workspaceId }).update(row);
    else await trx('sheet_connections').insert({ workspace_id: workspaceId, ...row });
    if (!sameSheet) {
      // Another spreadsheet: everything is written again there (ids already present are updated, not duplicated).
      await trx('sheet_rows').where({ workspace_id: workspaceId }).update({ synced_seq: 0, row_number: null, written_status: null, rejected_value: null, sheet_note: null });
    }
    for (const [entity, table] of [['order', 'orders'], ['lead', 'leads']] as const) {
      await trx.raw(
        `INSERT INTO sheet_rows (workspace_id, entity, entity_id, change_seq)
         SELECT workspace_id, ?, id, 1 FROM ${table} WHERE workspace_id = ?
         ON CONFLICT (workspace_id, entity, entity_id) DO UPDATE SET change_seq = GREATEST(sheet_rows.change_seq, sheet_rows.synced_seq + 1)
         WHERE sheet_rows.synced_seq = 0`,
        [entity, workspaceId],
      );
    }
    await trx('audit_log').insert({ workspace_id: workspaceId, actor: 'system', action: 'sheet.connect', target: spreadsheetId });
    await enqueueSheetSync(ctx, workspaceId, trx, 0);
    await schedulePoll(ctx, workspaceId, trx);
  });
  return getSheetState(ctx, workspaceId);
}

export interface SheetState {
  connected: boolean;
  spreadsheet_id?: string;
  spreadsheet_url?: string;
  /** Share the spreadsheet with this address, as Editor. */
  service_account_email?: string;
  tabs?: { orders: string; leads: string };
  sync?: {
    state: string;
    last_success_at: Date | null;
    pending: number;
    last_error: string | null;
    last_error_code: string | null;
    last_error_at: Date | null;
    notice: string | null;
    last_poll_at: Date | null;
  };
}

export async function getSheetState(ctx: AppContext, workspaceId: string): Promise<SheetState> {
  const c = await loadConnection(ctx.knex, workspaceId);
  if (!c) return { connected: false };
  const pending = await ctx.knex('sheet_rows').where({ workspace_id: workspaceId }).whereRaw('change_seq > synced_seq').count({ n: '*' }).first();
  return {
    connected: true,
    spreadsheet_id: c.spreadsheet_id,
    spreadsheet_url: `https://docs.google.com/spreadsheets/d/${c.spreadsheet_id}/edit`,
    service_account_email: c.client_email,
    tabs: { orders: c.orders_tab, leads: c.leads_tab },
    sync: {
      state: c.state,
      last_success_at: c.last_success_at,
      pending: Number(pending?.n ?? 0),
      last_error: c.last_error,
      last_error_code: c.last_error_code,
      last_error_at: c.last_error_at,
      notice: c.notice,
      last_poll_at: c.last_poll_at,
    },
  };
}

export interface SheetTestResult {
  ok: boolean;
  problem?: SheetProblem;
  message: string;
  service_account_email: string;
  spreadsheet_title?: string;
  tabs?: { orders: string; leads: string };
}

/**
 * "Test connection": reads the spreadsheet and makes sure both tabs exist (creating them is the
 * first write Wakil needs anyway, so a read-only share is caught here too). Reports what is wrong
 * in words, naming the email to share with.
 */
export async function testSheet(ctx: AppContext, workspaceId: string): Promise<SheetTestResult> {
  const conn = await loadConnection(ctx.knex, workspaceId);
  const sa = conn && (await ctx.vault.get<ServiceAccount>(workspaceId, 'sheets_service_account'));
  if (!conn || !sa) throw notFound('Sheet connection');
  const ws = await ctx.knex('workspaces').where({ id: workspaceId }).first('language');
  const client = sheetsClient(ctx.config, sa);
  const who = { clientEmail: conn.client_email, spreadsheetId: conn.spreadsheet_id };
  try {
    const tabs = await withBackoff(
      () => ensureTabs(ctx.knex, client, conn, asLanguage(ws?.language), () => acquireWriteSlot(ctx.knex, conn.spreadsheet_id)),
      (e) => classifyGoogleError(e, who),
      { attempts: 3, maxWaitMs: 5000 },
    );
    await recordSuccess(ctx.knex, workspaceId);
    return {
      ok: true,
      message: `Connected to "${tabs.title}": Wakil writes orders to the tab "${tabs.orders.title}" and leads to "${tabs.leads.title}".`,
      service_account_email: conn.client_email,
      spreadsheet_title: tabs.title,
      tabs: { orders: tabs.orders.title, leads: tabs.leads.title },
    };
  } catch (err) {
    if (!isGoogleError(err)) throw err;
    const c = classifyGoogleError(err, who);
    await recordError(ctx.knex, workspaceId, c);
    return { ok: false, problem: c.problem, message: c.message, service_account_email: conn.client_email };
  }
}

export async function disconnectSheet(ctx: AppContext, workspaceId: string): Promise<void> {
  await ctx.knex.transaction(async (trx) => {
    const n = await trx('sheet_connections').where({ workspace_id: workspaceId }).delete();
    if (!n) throw notFound('Sheet connection');
    await ctx.vault.remove(workspaceId, 'sheets_service_account', '', trx);
    await trx('sheet_rows').where({ workspace_id: workspaceId }).delete();
    await trx('audit_log').insert({ workspace_id: workspaceId, actor: 'system', action: 'sheet.disconnect' });
  });
}
