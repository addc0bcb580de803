import type { Knex } from 'knex';

/**
 * Channels issue: stored media copies and Meta data-deletion / deauthorize requests.
 *
 * Media bytes live in Postgres (bytea), not under DATA_DIR: the database is already the one thing
 * that is backed up and shared by web and worker processes (which may run on different hosts),
 * files cascade away with their message/workspace (customer forgetting needs no file sweep), and
 * it works the same on PGlite. Sizes are capped (16 MB) so rows stay reasonable.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('media', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
    t.uuid('message_id').notNullable().unique().references('messages.id').onDelete('CASCADE');
    t.text('mime').notNullable();
    t.integer('size').notNullable();
    t.text('sha256').notNullable();
    t.binary('bytes').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // App-level (not tenant) rows: Meta sends the app-scoped id of a person who removed the app.
  await knex.schema.createTable('meta_app_requests', (t) => {
    t.text('confirmation_code').primary();
    t.text('kind').notNullable(); // data_deletion | deauthorize
    t.text('user_id').notNullable();
    t.text('status').notNullable().defaultTo('received');
    t.timestamp('issued_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('meta_app_requests');
  await knex.schema.dropTableIfExists('media');
}
