import type { Knex } from 'knex';

/**
 * Booking and tracking state on top of the core `shipments` table:
 * - a booking lease (booking_until) instead of a row lock held across a courier call, so a slow
 *   courier never pins a database connection, and `attempts` (a retry must look the parcel up by
 *   our reference before creating another one);
 * - status time (out-of-order webhook events must not move a parcel backwards) and poll time;
 * - processed courier webhook event ids (couriers retry and batch: dedupe by event id);
 * - customer notifications per shipment step (idempotent, with the reason when skipped);
 * - per-workspace notification settings (the WhatsApp template for messages outside 24 h).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shipments', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('booking_until', { useTz: true });
    t.boolean('needs_validation').notNullable().defaultTo(false);
    t.integer('cod_amount');
    t.timestamp('status_at', { useTz: true });
    t.timestamp('polled_at', { useTz: true });
  });
  await knex.raw(
    "CREATE INDEX shipments_poll_idx ON shipments (workspace_id, courier, polled_at NULLS FIRST) WHERE tracking IS NOT NULL AND status NOT IN ('delivered','returned','cancelled','lost')",
  );
  // Return risk counts a customer's closed orders by phone.
  await knex.raw("CREATE INDEX orders_ws_phone_closed_idx ON orders (workspace_id, phone) WHERE status IN ('delivered','returned')");

  await knex.schema.createTable('courier_webhook_events', (t) => {
    t.bigIncrements('id');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE');
    t.text('courier').notNullable();
    t.text('event_id').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'courier', 'event_id']);
  });

  await knex.schema.createTable('shipment_notifications', (t) => {
    t.bigIncrements('id');
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
    t.uuid('shipment_id').notNullable().references('shipments.id').onDelete('CASCADE');
    t.text('step_key').notNullable(); // step + occurrence: a second failed attempt is a new message
    t.text('step').notNullable();
    t.text('status').notNullable(); // sent | skipped | failed
    t.text('reason');
    t.uuid('message_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['shipment_id', 'step_key']);
  });

  await knex.schema.createTable('shipping_settings', (t) => {
    t.uuid('workspace_id').primary().references('workspaces.id').onDelete('CASCADE');
    t.boolean('notify_customers').notNullable().defaultTo(true);
    t.text('template_name'); // approved WhatsApp template used outside the 24 h window
    t.text('template_language').notNullable().defaultTo('fr');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('shipping_settings');
  await knex.schema.dropTableIfExists('shipment_notifications');
  await knex.schema.dropTableIfExists('courier_webhook_events');
  await knex.raw('DROP INDEX IF EXISTS orders_ws_phone_closed_idx');
  await knex.raw('DROP INDEX IF EXISTS shipments_poll_idx');
  await knex.schema.alterTable('shipments', (t) => {
    for (const c of ['attempts', 'booking_until', 'needs_validation', 'cod_amount', 'status_at', 'polled_at']) t.dropColumn(c);
  });
}
