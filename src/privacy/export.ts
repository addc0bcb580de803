import type { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { EXPORT_EXCLUDED_COLUMNS, EXPORT_EXCLUDED_TABLES, tenantTables } from './tenant-tables';

const PAGE = 500;

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
}

/**
 * Streams every row of a workspace as one JSON document, table by table, in keyset pages, so a
 * large workspace never sits in memory. Secrets and credentials are never included.
 */
export async function streamWorkspaceExport(knex: Knex, workspaceId: string, out: Writable): Promise<void> {
  const ws = await knex('workspaces').where({ id: workspaceId }).first();
  const members = await knex('memberships as m')
    .join('accounts as a', 'a.id', 'm.account_id')
    .where('m.workspace_id', workspaceId)
    .select('a.id', 'a.email', 'a.name', 'm.role', 'm.created_at');
  await write(out, `{"exported_at":${JSON.stringify(new Date().toISOString())},"workspace":${JSON.stringify(ws)},"members":${JSON.stringify(members)},"tables":{`);
  let firstTable = true;
  for (const table of await tenantTables(knex)) {
    if (EXPORT_EXCLUDED_TABLES.has(table)) continue;
    const cols = await knex('information_schema.columns').where({ table_schema: 'public', table_name: table }).pluck('column_name');
    const excluded = new Set(EXPORT_EXCLUDED_COLUMNS[table] ?? []);
    const selected = (cols as string[]).filter((c) => !excluded.has(c));
    const key = selected.includes('id') ? 'id' : null;
    await write(out, `${firstTable ? '' : ','}${JSON.stringify(table)}:[`);
    firstTable = false;
    let first = true;
    if (key) {
      let after: string | null = null;
      for (;;) {
        const q = knex(table).where({ workspace_id: workspaceId }).select(selected).orderBy(key).limit(PAGE);
        if (after !== null) q.where(key, '>', after);
        const rows: Array<Record<string, unknown>> = await q;
        for (const r of rows) {
          await write(out, (first ? '' : ',') + JSON.stringify(r));
          first = false;
        }
        if (rows.length < PAGE) break;
        after = String(rows[rows.length - 1]![key]);
      }
    } else {
      // Tables keyed by composite keys are small per workspace (memberships, sheet rows).
      const rows: Array<Record<string, unknown>> = await knex(table).where({ workspace_id: workspaceId }).select(selected);
      for (const r of rows) {
        await write(out, (first ? '' : ',') + JSON.stringify(r));
        first = false;
      }
    }
    await write(out, ']');
  }
  await write(out, '}}');
}
