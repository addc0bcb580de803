import type { Knex } from 'knex';

/**
 * Deletion records outlive the workspace they describe (no foreign key): they are the proof that
 * a purge completed, and the status page of a Meta data-deletion request reads them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workspace_deletions', (t) => {
    t.uuid('workspace_id').primary();
    t.text('requested_by').notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('purge_due_at', { useTz: true }).notNullable();
    t.timestamp('purged_at', { useTz: true });
    t.jsonb('rows_deleted');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('workspace_deletions');
}
