import type { Knex } from 'knex';

/**
 * A reply longer than the channel's limit goes out in parts, each with its own provider id
 * (messages.payload.provider_ids); only the first is messages.provider_message_id. Statuses of
 * the later parts find their message through this index (a failed part must not go unnoticed).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX messages_provider_ids_idx ON messages USING gin ((payload->'provider_ids')) WHERE direction = 'out'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_provider_ids_idx');
}
