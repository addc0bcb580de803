import type { Knex } from 'knex';
import type { ClassifiedError } from './google-errors';

export interface SheetConnection {
  workspace_id: string;
  spreadsheet_id: string;
  client_email: string;
  orders_tab: string;
  leads_tab: string;
  orders_sheet_id: number | null;
  leads_sheet_id: number | null;
  state: 'pending' | 'ok' | 'error' | 'waiting';
  last_success_at: Date | null;
  last_error: string | null;
  last_error_code: string | null;
  last_error_at: Date | null;
  notice: string | null;
  notice_at: Date | null;
  last_poll_at: Date | null;
}

export async function loadConnection(knex: Knex, workspaceId: string): Promise<SheetConnection | null> {
  return ((await knex('sheet_connections').where({ workspace_id: workspaceId }).first()) as SheetConnection | undefined) ?? null;
}

export async function recordSuccess(knex: Knex, workspaceId: string): Promise<void> {
  await knex('sheet_connections')
    .where({ workspace_id: workspaceId })
    .update({ state: 'ok', last_success_at: knex.fn.now(), last_error: null, last_error_code: null, updated_at: knex.fn.now() });
}

export async function recordError(knex: Knex, workspaceId: string, err: Pick<ClassifiedError, 'problem' | 'message'>): Promise<void> {
  await knex('sheet_connections').where({ workspace_id: workspaceId }).update({
    state: 'error', last_error: err.message, last_error_code: err.problem, last_error_at: knex.fn.now(), updated_at: knex.fn.now(),
  });
}

export async function recordWaiting(knex: Knex, workspaceId: string): Promise<void> {
  await knex('sheet_connections').where({ workspace_id: workspaceId }).update({ state: 'waiting', updated_at: knex.fn.now() });
}

export async function recordNotice(knex: Knex, workspaceId: string, notice: string): Promise<void> {
  await knex('sheet_connections').where({ workspace_id: workspaceId }).update({ notice, notice_at: knex.fn.now(), updated_at: knex.fn.now() });
}
