import crypto from 'node:crypto';
import type { Knex } from 'knex';

export interface ApiKeyPrincipal {
  keyId: string;
  workspaceId: string;
  /** A key acts with its creator's current role in the workspace (admin when the creator left). */
  role: 'owner' | 'admin' | 'agent';
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

/** Creates a merchant API key. The plain key is returned once and only its SHA-256 is stored. */
export async function createApiKey(
  knex: Knex,
  workspaceId: string,
  opts: { name?: string; createdBy?: string } = {},
): Promise<{ id: string; key: string; prefix: string }> {
  const key = `wk_live_${crypto.randomBytes(24).toString('base64url')}`;
  const prefix = key.slice(0, 12);
  const [row] = await knex('api_keys')
    .insert({ workspace_id: workspaceId, name: opts.name ?? 'default', prefix, key_hash: hashApiKey(key), created_by: opts.createdBy ?? null })
    .returning('id');
  return { id: row.id, key, prefix };
}

/** The workspace a live key belongs to, or null. A revoked key or a deactivated workspace fails. */
export async function authenticateApiKey(knex: Knex, key: string): Promise<ApiKeyPrincipal | null> {
  const row = await knex('api_keys as k')
    .join('workspaces as w', 'w.id', 'k.workspace_id')
    .where({ 'k.key_hash': hashApiKey(key), 'w.status': 'active' })
    .leftJoin('memberships as m', function () {
      this.on('m.workspace_id', '=', 'k.workspace_id').andOn('m.account_id', '=', 'k.created_by');
    })
    .whereNull('k.revoked_at')
    .first('k.id', 'k.workspace_id', 'm.role');
  if (!row) return null;
  // Best effort: a lost update of last_used_at is harmless and must not slow the request.
  void knex('api_keys').where({ id: row.id }).update({ last_used_at: knex.fn.now() }).catch(() => undefined);
  return { keyId: row.id, workspaceId: row.workspace_id, role: row.role ?? 'admin' };
}

export async function listApiKeys(knex: Knex, workspaceId: string) {
  return knex('api_keys')
    .where({ workspace_id: workspaceId })
    .orderBy('created_at', 'desc')
    .select('id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at');
}

export async function revokeApiKey(knex: Knex, workspaceId: string, id: string): Promise<boolean> {
  const n = await knex('api_keys').where({ workspace_id: workspaceId, id }).whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
  return n > 0;
}
