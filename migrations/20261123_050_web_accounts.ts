import type { Knex } from 'knex';

/**
 * Accounts and access for the settings pages: workspace invites (single-use links, only the
 * SHA-256 of the token stored) and failed-login records for rate limiting. The limiter lives in
 * Postgres so it holds across restarts and across web processes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invites', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('workspaces.id').onDelete('CASCADE').index();
    t.text('token_hash').notNullable().unique();
    t.text('role').notNullable();
    t.text('email'); // optional hint shown on the invite page; anyone holding the link may accept
    t.uuid('created_by').references('accounts.id').onDelete('SET NULL');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('accepted_at', { useTz: true });
    t.uuid('accepted_by').references('accounts.id').onDelete('SET NULL');
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE invites ADD CONSTRAINT invites_role_ck CHECK (role IN ('admin','agent'))");

  await knex.schema.createTable('login_failures', (t) => {
    t.bigIncrements('id');
    t.text('key').notNullable(); // sha256(lower(email) + ip): no address or email stored in clear
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX login_failures_key_idx ON login_failures (key, created_at)');

  await knex.raw('CREATE INDEX sessions_expires_idx ON sessions (expires_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS sessions_expires_idx');
  await knex.schema.dropTableIfExists('login_failures');
  await knex.schema.dropTableIfExists('invites');
}
