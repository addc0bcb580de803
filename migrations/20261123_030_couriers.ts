import type { Knex } from 'knex';

/**
 * Couriers per workspace: the connected account (credentials live in `secrets`, kind
 * courier_credentials, ref = courier id), the courier's geography mapped to our ONS commune codes,
 * its stop desks, and tariffs (synced from the courier, or the merchant's own overrides, which win).
 * Geography is per workspace because Ecotrack tenants each serve their own list.
 */
export async function up(knex: Knex): Promise<void> {
  const ws = (t: Knex.CreateTableBuilder) =>
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
  const now = (t: Knex.CreateTableBuilder, name: string) => t.timestamp(name, { useTz: true }).notNullable().defaultTo(knex.fn.now());

  await knex.schema.createTable('workspace_couriers', (t) => {
    ws(t);
    t.text('courier').notNullable();
    t.jsonb('settings').notNullable().defaultTo('{}'); // validated by the courier's settings schema
    t.boolean('active').notNullable().defaultTo(false);
    t.text('last_test_status'); // ok | failed
    t.text('last_test_message');
    t.timestamp('last_test_at', { useTz: true });
    t.timestamp('reference_synced_at', { useTz: true });
    t.timestamp('tariffs_synced_at', { useTz: true });
    t.text('last_sync_error');
    now(t, 'created_at');
    now(t, 'updated_at');
    t.primary(['workspace_id', 'courier']);
  });
  // One active courier per workspace (the booking target and the quote source).
  await knex.raw('CREATE UNIQUE INDEX workspace_couriers_one_active_uq ON workspace_couriers (workspace_id) WHERE active');

  await knex.schema.createTable('courier_communes', (t) => {
    t.bigIncrements('id');
    ws(t);
    t.text('courier').notNullable();
    t.text('commune_code'); // our ONS code; null = not matched yet (manual review)
    t.integer('wilaya_code').notNullable(); // the courier's wilaya, 1..58
    t.text('courier_wilaya_key'); // when the courier keys wilayas by name/UUID
    t.text('courier_commune_name').notNullable(); // byte for byte as the courier spells it
    t.text('courier_commune_id');
    t.text('courier_commune_uuid');
    t.boolean('has_stopdesk').notNullable().defaultTo(false);
    t.boolean('deliverable').notNullable().defaultTo(true);
    t.integer('delivery_days');
    t.boolean('manual_override').notNullable().defaultTo(false); // a merchant's mapping: a re-sync keeps it
    now(t, 'synced_at');
    t.unique(['workspace_id', 'courier', 'wilaya_code', 'courier_commune_name']);
  });
  await knex.raw('CREATE INDEX courier_communes_lookup_idx ON courier_communes (workspace_id, courier, commune_code)');

  await knex.schema.createTable('courier_stopdesks', (t) => {
    t.bigIncrements('id');
    ws(t);
    t.text('courier').notNullable();
    t.text('desk_id').notNullable(); // what create takes: center_id, code_postal, station_code, hub UUID
    t.text('name').notNullable();
    t.integer('wilaya_code').notNullable();
    t.text('commune_code');
    t.text('courier_commune_name');
    t.text('address');
    t.double('lat');
    t.double('lng');
    now(t, 'synced_at');
    t.unique(['workspace_id', 'courier', 'desk_id']);
  });
  await knex.raw('CREATE INDEX courier_stopdesks_wilaya_idx ON courier_stopdesks (workspace_id, courier, wilaya_code)');

  await knex.schema.createTable('courier_tariffs', (t) => {
    t.bigIncrements('id');
    ws(t);
    t.text('courier').notNullable();
    t.integer('wilaya_code').notNullable(); // courier numbering 1..58
    t.text('commune_code'); // null = the whole wilaya
    t.text('delivery_type').notNullable();
    t.integer('fee').notNullable(); // DZD
    t.integer('return_fee');
    t.integer('delay_days');
    t.text('source').notNullable(); // synced | override
    now(t, 'updated_at');
  });
  await knex.raw("ALTER TABLE courier_tariffs ADD CONSTRAINT courier_tariffs_type_ck CHECK (delivery_type IN ('home','stopdesk'))");
  await knex.raw("ALTER TABLE courier_tariffs ADD CONSTRAINT courier_tariffs_source_ck CHECK (source IN ('synced','override'))");
  await knex.raw('ALTER TABLE courier_tariffs ADD CONSTRAINT courier_tariffs_fee_ck CHECK (fee >= 0)');
  await knex.raw(
    "CREATE UNIQUE INDEX courier_tariffs_uq ON courier_tariffs (workspace_id, courier, wilaya_code, (coalesce(commune_code, '')), delivery_type, source)",
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['courier_tariffs', 'courier_stopdesks', 'courier_communes', 'workspace_couriers']) await knex.schema.dropTableIfExists(t);
}
