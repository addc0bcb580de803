import type { Knex } from 'knex';

/**
 * The WhatsApp Business Account (WABA) a WhatsApp channel's number belongs to. Webhooks of a
 * number reach only apps subscribed to its WABA (`POST /{WABA_ID}/subscribed_apps`,
 * meta-channels.md §3.1), so the subscription check needs it. Null for Messenger/Instagram and for
 * WhatsApp channels connected before it was asked for (those are not checked).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('channels', (t) => {
    t.text('waba_id');
  });
  await knex.raw("ALTER TABLE channels ADD CONSTRAINT channels_waba_id_ck CHECK (waba_id IS NULL OR (kind = 'whatsapp' AND waba_id ~ '^[0-9]{5,30}$'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('channels', (t) => {
    t.dropColumn('waba_id');
  });
}
