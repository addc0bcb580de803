import type { Knex } from 'knex';

/**
 * Merchant-defined promo codes (the only way a customer gets a discount: the model never sets one)
 * and the discount an order carries. `code` is stored upper-cased and trimmed, so lookups compare
 * exactly. orders.promo_code is the code's text, not a foreign key: an order keeps its discount and
 * the code it was given after the merchant deletes the code.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('promo_codes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
    t.text('code').notNullable();
    t.text('kind').notNullable(); // percent | amount
    t.integer('value').notNullable(); // percent 1–90, or DZD
    t.integer('min_subtotal').notNullable().defaultTo(0); // DZD, items only
    t.integer('max_uses'); // null = unlimited
    t.integer('uses').notNullable().defaultTo(0);
    t.timestamp('starts_at', { useTz: true });
    t.timestamp('ends_at', { useTz: true });
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'code']);
  });
  await knex.raw("ALTER TABLE promo_codes ADD CONSTRAINT promo_codes_code_ck CHECK (code ~ '^[A-Z0-9_-]{2,32}$')");
  await knex.raw(
    "ALTER TABLE promo_codes ADD CONSTRAINT promo_codes_value_ck CHECK ((kind = 'percent' AND value BETWEEN 1 AND 90) OR (kind = 'amount' AND value >= 1))",
  );
  await knex.raw('ALTER TABLE promo_codes ADD CONSTRAINT promo_codes_uses_ck CHECK (uses >= 0 AND min_subtotal >= 0 AND (max_uses IS NULL OR max_uses >= 1))');

  await knex.schema.alterTable('orders', (t) => {
    t.integer('discount').notNullable().defaultTo(0); // DZD off the items subtotal, never off the fee
    t.text('promo_code');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => {
    t.dropColumn('promo_code');
    t.dropColumn('discount');
  });
  await knex.schema.dropTableIfExists('promo_codes');
}
