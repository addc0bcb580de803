import type { Knex } from 'knex';

/**
 * Google Sheets mirror. One connection per workspace; sheet_rows (core) gains a change counter so
 * pending writes survive restarts and a change made while a sync runs is never marked done by it;
 * sheet_write_budget is the per-spreadsheet write limiter shared by every worker process.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sheet_connections', (t) => {
    t.uuid('workspace_id').primary().references('workspaces.id').onDelete('CASCADE');
    t.text('spreadsheet_id').notNullable();
    t.text('client_email').notNullable(); // shown to the merchant: "share the sheet with ..."
    t.text('orders_tab').notNullable().defaultTo('Orders');
    t.text('leads_tab').notNullable().defaultTo('Leads');
    // The numeric sheetId (gid) survives a rename; the title does not (reference/apis.md §2.6).
    t.integer('orders_sheet_id');
    t.integer('leads_sheet_id');
    t.text('state').notNullable().defaultTo('pending'); // pending | ok | error | waiting
    t.timestamp('last_success_at', { useTz: true });
    t.text('last_error'); // in words for the merchant, never a secret
    t.text('last_error_code');
    t.timestamp('last_error_at', { useTz: true });
    t.text('notice'); // e.g. "the tab was renamed", kept until the next connect
    t.timestamp('notice_at', { useTz: true });
    t.timestamp('last_poll_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.alterTable('sheet_rows', (t) => {
    t.integer('change_seq').notNullable().defaultTo(0); // bumped by the order/lead hooks
    t.integer('synced_seq').notNullable().defaultTo(0); // the change_seq last written to the sheet
    t.text('rejected_value'); // a merchant value Wakil could not apply, already noted once
    t.text('sheet_note'); // the merchant's Note column as last read
  });
  await knex.raw('CREATE INDEX sheet_rows_pending_idx ON sheet_rows (workspace_id, entity) WHERE change_seq > synced_seq');

  await knex.schema.createTable('sheet_write_budget', (t) => {
    t.text('key').primary(); // spreadsheet id
    t.specificType('stamps', 'timestamptz[]').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sheet_write_budget');
  await knex.raw('DROP INDEX IF EXISTS sheet_rows_pending_idx');
  await knex.schema.alterTable('sheet_rows', (t) => {
    t.dropColumns('change_seq', 'synced_seq', 'rejected_value', 'sheet_note');
  });
  await knex.schema.dropTableIfExists('sheet_connections');
}
