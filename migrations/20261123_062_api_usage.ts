import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Kept 90 days (src/privacy/retention.ts); endpoint, time, key and status — never bodies.
  await knex.schema.createTable('api_usage_log', (t) => {
    t.bigIncrements('id');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.uuid('api_key_id').references('api_keys.id').onDelete('SET NULL');
    t.text('actor').notNullable();
    t.text('method').notNullable();
    t.text('route').notNullable();
    t.integer('status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX api_usage_log_ws_idx ON api_usage_log (workspace_id, created_at)');
  await knex.raw('CREATE INDEX api_usage_log_created_idx ON api_usage_log (created_at)');
  // Fixed one-minute windows per API key, shared by every web process.
  await knex.schema.createTable('api_rate_windows', (t) => {
    t.uuid('api_key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.primary(['api_key_id', 'window_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_rate_windows');
  await knex.schema.dropTableIfExists('api_usage_log');
}
