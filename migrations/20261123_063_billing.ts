import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workspaces', (t) => {
    t.timestamp('plan_until', { useTz: true }); // paid plan valid until; null or past = free
  });
  await knex.schema.createTable('billing_checkouts', (t) => {
    t.text('id').primary(); // Chargily checkout id
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
    t.text('plan').notNullable();
    t.integer('amount').notNullable(); // DZD
    t.text('status').notNullable().defaultTo('pending');
    t.text('checkout_url');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('paid_at', { useTz: true });
  });
  // Every Chargily event id seen once: a replayed webhook is a no-op.
  await knex.schema.createTable('billing_events', (t) => {
    t.text('id').primary();
    t.uuid('workspace_id').references('workspaces.id').onDelete('CASCADE');
    t.text('type');
    t.text('checkout_id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Conversations the AI took on per month: the plan's limit counts these.
  await knex.schema.createTable('billing_usage', (t) => {
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('period').notNullable(); // YYYY-MM (Africa/Algiers)
    t.uuid('conversation_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['workspace_id', 'period', 'conversation_id']);
  });
  await knex.schema.createTable('workspace_notices', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // plan_near_limit | plan_limit_reached | ...
    t.text('key').notNullable(); // dedup: one notice per kind and period
    t.text('message').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('read_at', { useTz: true });
    t.unique(['workspace_id', 'kind', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['workspace_notices', 'billing_usage', 'billing_events', 'billing_checkouts']) await knex.schema.dropTableIfExists(t);
  await knex.schema.alterTable('workspaces', (t) => t.dropColumn('plan_until'));
}
