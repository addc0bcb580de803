import type { Knex } from 'knex';

/**
 * The sales agent's own state: every tool call it made (the source of truth for which DZD amounts
 * the model may say), the customer message that confirmed an order, follow-up bookkeeping, and a
 * 'playground' channel kind so a merchant can talk to their own agent without Meta.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_tool_calls', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.text('turn_key').notNullable();
    t.text('name').notNullable();
    t.jsonb('input').notNullable();
    t.jsonb('output').notNullable();
    t.boolean('is_error').notNullable().defaultTo(false);
    // Every DZD figure the tool result carried: the integrity check allows only these.
    t.specificType('amounts', 'integer[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX agent_tool_calls_conv_idx ON agent_tool_calls (conversation_id, created_at)');

  await knex.schema.alterTable('orders', (t) => {
    t.uuid('confirmed_message_id').references('messages.id').onDelete('SET NULL');
    t.text('confirmed_by'); // customer | merchant | api
    t.timestamp('reminded_at', { useTz: true });
  });
  await knex.schema.alterTable('conversations', (t) => {
    t.timestamp('summary_until', { useTz: true }); // messages up to here are folded into summary
    t.timestamp('followed_up_at', { useTz: true });
  });
  // messages.created_at is Meta's timestamp (whole seconds, another clock): a customer answering
  // within a second of our reply would sort before it. The agent orders the thread by arrival here.
  await knex.raw('ALTER TABLE messages ADD COLUMN stored_at timestamptz');
  await knex.raw('UPDATE messages SET stored_at = created_at');
  await knex.raw('ALTER TABLE messages ALTER COLUMN stored_at SET DEFAULT clock_timestamp(), ALTER COLUMN stored_at SET NOT NULL');
  await knex.raw('CREATE INDEX messages_conversation_stored_idx ON messages (conversation_id, stored_at)');
  await knex.raw('ALTER TABLE channels DROP CONSTRAINT IF EXISTS channels_kind_ck');
  await knex.raw(
    "ALTER TABLE channels ADD CONSTRAINT channels_kind_ck CHECK (kind IN ('whatsapp','messenger','instagram','playground'))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE channels DROP CONSTRAINT IF EXISTS channels_kind_ck');
  await knex.raw("ALTER TABLE channels ADD CONSTRAINT channels_kind_ck CHECK (kind IN ('whatsapp','messenger','instagram'))");
  await knex.raw('DROP INDEX IF EXISTS messages_conversation_stored_idx');
  await knex.raw('ALTER TABLE messages DROP COLUMN IF EXISTS stored_at');
  await knex.schema.alterTable('conversations', (t) => {
    t.dropColumn('summary_until');
    t.dropColumn('followed_up_at');
  });
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('confirmed_message_id');
    t.dropColumn('confirmed_by');
    t.dropColumn('reminded_at');
  });
  await knex.schema.dropTableIfExists('agent_tool_calls');
}
