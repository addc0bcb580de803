import type { Knex } from 'knex';

/**
 * The core tables. Every tenant row carries workspace_id (ON DELETE CASCADE, so a workspace purge
 * leaves nothing behind) and is indexed by it. Ids are UUIDs made by Postgres.
 */
export async function up(knex: Knex): Promise<void> {
  const id = (t: Knex.CreateTableBuilder) => t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
  const ws = (t: Knex.CreateTableBuilder) =>
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
  const stamps = (t: Knex.CreateTableBuilder) => {
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  };

  await knex.schema.createTable('accounts', (t) => {
    id(t);
    t.text('email').notNullable();
    t.text('name');
    t.text('password_hash');
    t.text('locale').notNullable().defaultTo('fr');
    stamps(t);
  });
  await knex.raw('CREATE UNIQUE INDEX accounts_email_uq ON accounts (lower(email))');

  await knex.schema.createTable('workspaces', (t) => {
    id(t);
    t.text('name').notNullable();
    t.text('status').notNullable().defaultTo('active'); // active | deactivated | purged
    t.text('language').notNullable().defaultTo('fr');
    t.boolean('ai_enabled').notNullable().defaultTo(true);
    t.jsonb('agent').notNullable().defaultTo('{}'); // persona, tone, languages, policies, origin wilaya
    t.text('plan').notNullable().defaultTo('free');
    t.timestamp('deactivated_at', { useTz: true });
    stamps(t);
  });

  await knex.schema.createTable('memberships', (t) => {
    ws(t);
    t.uuid('account_id').notNullable().references('accounts.id').onDelete('CASCADE').index();
    t.text('role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['workspace_id', 'account_id']);
  });
  await knex.raw("ALTER TABLE memberships ADD CONSTRAINT memberships_role_ck CHECK (role IN ('owner','admin','agent'))");

  await knex.schema.createTable('api_keys', (t) => {
    id(t);
    ws(t);
    t.text('name').notNullable().defaultTo('default');
    t.text('prefix').notNullable();
    t.text('key_hash').notNullable().unique(); // sha256 hex of the whole key
    t.uuid('created_by').references('accounts.id').onDelete('SET NULL');
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('sessions', (t) => {
    t.text('id').primary(); // sha256 of the cookie value
    t.uuid('account_id').notNullable().references('accounts.id').onDelete('CASCADE').index();
    t.uuid('workspace_id').references('workspaces.id').onDelete('SET NULL');
    t.text('csrf_token').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('secrets', (t) => {
    id(t);
    ws(t);
    t.text('kind').notNullable(); // meta_token | sheets_service_account | courier_credentials | ...
    t.text('ref').notNullable().defaultTo(''); // which channel / courier the secret belongs to
    t.text('token').notNullable(); // Fernet token
    t.text('key_id').notNullable(); // fingerprint of the key that encrypted it (rotation progress)
    stamps(t);
    t.unique(['workspace_id', 'kind', 'ref']);
  });
  await knex.raw('CREATE INDEX secrets_key_id_idx ON secrets (key_id)');

  await knex.schema.createTable('channels', (t) => {
    id(t);
    ws(t);
    t.text('kind').notNullable();
    t.text('external_id').notNullable(); // phone_number_id | Page id | Instagram account id
    t.text('display_name');
    t.text('status').notNullable().defaultTo('active'); // active | error | disconnected
    t.text('status_detail');
    t.timestamp('last_inbound_at', { useTz: true });
    stamps(t);
    t.unique(['kind', 'external_id']);
  });
  await knex.raw("ALTER TABLE channels ADD CONSTRAINT channels_kind_ck CHECK (kind IN ('whatsapp','messenger','instagram'))");

  await knex.schema.createTable('customers', (t) => {
    id(t);
    ws(t);
    t.uuid('channel_id').notNullable().references('channels.id').onDelete('CASCADE');
    t.text('external_id').notNullable(); // WhatsApp user_id ?? wa_id, Messenger PSID, Instagram IGSID
    t.text('wa_id'); // WhatsApp phone as sent by Meta; may be absent since BSUIDs (2026)
    t.text('username');
    t.text('name');
    t.text('phone'); // delivery phone given by the customer, E.164
    stamps(t);
    t.unique(['channel_id', 'external_id']);
  });
  await knex.raw('CREATE INDEX customers_phone_idx ON customers (workspace_id, phone)');

  await knex.schema.createTable('conversations', (t) => {
    id(t);
    ws(t);
    t.uuid('channel_id').notNullable().references('channels.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('open');
    t.boolean('ai_paused').notNullable().defaultTo(false);
    t.timestamp('paused_until', { useTz: true }); // a human reply pauses the AI for a while
    t.text('paused_reason');
    t.boolean('needs_human').notNullable().defaultTo(false);
    t.text('handoff_reason');
    t.timestamp('last_inbound_at', { useTz: true });
    t.timestamp('last_outbound_at', { useTz: true });
    t.timestamp('last_human_at', { useTz: true });
    t.text('summary'); // rolling summary of older history
    t.jsonb('referral'); // Click-to-WhatsApp / ad attribution
    t.text('last_error');
    stamps(t);
    t.unique(['channel_id', 'customer_id']);
  });
  await knex.raw('CREATE INDEX conversations_ws_recent_idx ON conversations (workspace_id, updated_at DESC)');

  await knex.schema.createTable('messages', (t) => {
    id(t);
    ws(t);
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.uuid('channel_id').notNullable().references('channels.id').onDelete('CASCADE');
    t.text('direction').notNullable(); // in | out
    t.text('author').notNullable(); // customer | ai | human | system
    t.text('provider_message_id'); // Meta's id; null until an outbound is sent
    t.text('kind').notNullable().defaultTo('text');
    t.text('text');
    t.jsonb('payload'); // normalised extra fields (media ids, buttons, location, order cart, referral)
    t.jsonb('media'); // stored media references
    t.text('status').notNullable().defaultTo('received'); // received | pending | sent | delivered | read | failed
    t.text('error_code');
    t.text('error_message');
    t.text('idempotency_key'); // outbound: set before the send so a retry never sends twice
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.unique(['channel_id', 'provider_message_id']); // an inbound redelivery is a no-op
    t.unique(['channel_id', 'idempotency_key']);
  });
  await knex.raw('CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at)');

  await knex.schema.createTable('products', (t) => {
    id(t);
    ws(t);
    t.text('name').notNullable();
    t.text('description');
    t.text('sku');
    t.integer('price').notNullable(); // DZD
    t.integer('stock'); // null = not tracked
    t.jsonb('variants').notNullable().defaultTo('[]'); // [{ name, price_delta?, stock? }]
    t.jsonb('images').notNullable().defaultTo('[]');
    t.boolean('active').notNullable().defaultTo(true);
    stamps(t);
  });
  await knex.raw('CREATE UNIQUE INDEX products_sku_uq ON products (workspace_id, sku) WHERE sku IS NOT NULL');

  await knex.schema.createTable('orders', (t) => {
    id(t);
    ws(t);
    t.uuid('conversation_id').references('conversations.id').onDelete('SET NULL');
    t.uuid('customer_id').references('customers.id').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('pending');
    t.text('customer_name');
    t.text('phone');
    t.text('wilaya_code');
    t.text('commune_code');
    t.text('address');
    t.text('delivery_type').notNullable().defaultTo('home');
    t.text('stopdesk_id');
    t.integer('subtotal').notNullable().defaultTo(0);
    t.integer('delivery_fee').notNullable().defaultTo(0);
    t.integer('total').notNullable().defaultTo(0);
    t.text('note');
    t.text('source').notNullable().defaultTo('agent'); // agent | api | sheet
    t.text('courier');
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true }); // delivered | returned | cancelled: retention clock
    t.timestamp('anonymized_at', { useTz: true });
    stamps(t);
  });
  await knex.raw(
    "ALTER TABLE orders ADD CONSTRAINT orders_status_ck CHECK (status IN ('pending','confirmed','shipped','delivered','returned','cancelled','expired'))",
  );
  await knex.raw('CREATE INDEX orders_ws_created_idx ON orders (workspace_id, created_at DESC)');
  await knex.raw('CREATE INDEX orders_ws_status_idx ON orders (workspace_id, status)');

  await knex.schema.createTable('order_items', (t) => {
    id(t);
    ws(t);
    t.uuid('order_id').notNullable().references('orders.id').onDelete('CASCADE').index();
    t.uuid('product_id').references('products.id').onDelete('SET NULL');
    t.text('name').notNullable();
    t.text('variant');
    t.integer('unit_price').notNullable();
    t.integer('quantity').notNullable();
    t.integer('line_total').notNullable();
  });

  await knex.schema.createTable('leads', (t) => {
    id(t);
    ws(t);
    t.uuid('conversation_id').references('conversations.id').onDelete('SET NULL');
    t.uuid('customer_id').references('customers.id').onDelete('SET NULL');
    t.text('customer_name');
    t.text('phone');
    t.text('interest').notNullable();
    t.text('wilaya_code');
    t.text('status').notNullable().defaultTo('new');
    stamps(t);
  });

  await knex.schema.createTable('shipments', (t) => {
    id(t);
    ws(t);
    t.uuid('order_id').notNullable().unique().references('orders.id').onDelete('CASCADE');
    t.text('courier').notNullable();
    t.text('tracking');
    t.text('provider_id'); // the courier's own id when it differs from the tracking
    t.text('status').notNullable().defaultTo('booking'); // booking | canonical courier status | error
    t.text('raw_status');
    t.text('error'); // the courier's refusal in words
    t.jsonb('label');
    t.jsonb('history').notNullable().defaultTo('[]');
    stamps(t);
  });
  await knex.raw('CREATE INDEX shipments_tracking_idx ON shipments (courier, tracking)');

  await knex.schema.createTable('sheet_rows', (t) => {
    ws(t);
    t.text('entity').notNullable(); // order | lead
    t.uuid('entity_id').notNullable();
    t.integer('row_number');
    t.text('written_status'); // what Wakil last wrote, so it is not read back as a merchant edit
    t.timestamp('synced_at', { useTz: true });
    t.primary(['workspace_id', 'entity', 'entity_id']);
  });

  await knex.schema.createTable('usage', (t) => {
    id(t);
    ws(t);
    t.uuid('conversation_id').references('conversations.id').onDelete('SET NULL');
    t.text('model').notNullable();
    t.integer('input_tokens').notNullable().defaultTo(0);
    t.integer('output_tokens').notNullable().defaultTo(0);
    t.integer('cache_read_tokens').notNullable().defaultTo(0);
    t.integer('cache_creation_tokens').notNullable().defaultTo(0);
    t.bigInteger('cost_micro_usd').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX usage_ws_created_idx ON usage (workspace_id, created_at)');

  await knex.schema.createTable('audit_log', (t) => {
    id(t);
    ws(t);
    t.text('actor').notNullable(); // account:<id> | api_key:<id> | system | agent
    t.text('action').notNullable();
    t.text('target');
    t.jsonb('data');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'audit_log', 'usage', 'sheet_rows', 'shipments', 'leads', 'order_items', 'orders', 'products', 'messages',
    'conversations', 'customers', 'channels', 'secrets', 'sessions', 'api_keys', 'memberships', 'workspaces', 'accounts',
  ]) {
    await knex.schema.dropTableIfExists(t);
  }
}
