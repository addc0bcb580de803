import type { Knex } from 'knex';

/**
 * Every table that holds a workspace's rows, read from the catalog rather than listed by hand, so
 * a table added by a later migration is exported and purged without anyone remembering to.
 */
export async function tenantTables(knex: Knex): Promise<string[]> {
  const rows = await knex('information_schema.columns')
    .where({ table_schema: 'public', column_name: 'workspace_id' })
    .whereNot('table_name', 'workspace_deletions')
    .select('table_name')
    .orderBy('table_name');
  return rows.map((r: { table_name: string }) => r.table_name);
}

/** Tables and columns never exported: secrets, credentials, session and key material. */
export const EXPORT_EXCLUDED_TABLES = new Set(['secrets', 'sessions', 'login_attempts', 'invites']);
export const EXPORT_EXCLUDED_COLUMNS: Record<string, string[]> = {
  api_keys: ['key_hash'],
  media: ['bytes'],
};
