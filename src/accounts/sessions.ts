import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Role } from '../web/types';

/** Absolute lifetime: a phone stays logged in for a month, then the merchant logs in again. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export interface SessionView {
  id: string;
  accountId: string;
  email: string;
  name: string | null;
  locale: string;
  csrfToken: string;
  /** The current workspace and the account's role there; null when it belongs to none. */
  workspaceId: string | null;
  role: Role | null;
}

const sha256 = (v: string) => crypto.createHash('sha256').update(v).digest('hex');

/** Opens a session: the cookie value is returned once, only its SHA-256 is stored. */
export async function createSession(
  knex: Knex,
  accountId: string,
  workspaceId: string | null,
): Promise<{ cookie: string; expiresAt: Date }> {
  const cookie = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await knex('sessions').insert({
    id: sha256(cookie),
    account_id: accountId,
    workspace_id: workspaceId ?? (await firstWorkspaceOf(knex, accountId)),
    csrf_token: crypto.randomBytes(24).toString('base64url'),
    expires_at: expiresAt,
  });
  return { cookie, expiresAt };
}

/**
 * The live session for a cookie value, with the role read from memberships on every request so a
 * removed member or a changed role takes effect at once. A session whose workspace the account
 * no longer belongs to falls back to another of its workspaces (or none).
 */
export async function resolveSession(knex: Knex, cookie: string): Promise<SessionView | null> {
  if (!cookie || cookie.length > 200) return null;
  const row = await knex('sessions as s')
    .join('accounts as a', 'a.id', 's.account_id')
    .leftJoin('memberships as m', function () {
      this.on('m.account_id', 's.account_id').andOn('m.workspace_id', 's.workspace_id');
    })
    .leftJoin('workspaces as w', 'w.id', 's.workspace_id')
    .where('s.id', sha256(cookie))
    .where('s.expires_at', '>', knex.fn.now())
    .first('s.id', 's.account_id', 's.workspace_id', 's.csrf_token', 'a.email', 'a.name', 'a.locale', 'm.role', 'w.status as ws_status');
  if (!row) return null;
  let workspaceId: string | null = row.workspace_id;
  let role: Role | null = row.role ?? null;
  if (!role || row.ws_status !== 'active') {
    workspaceId = await firstWorkspaceOf(knex, row.account_id);
    role = null;
    if (workspaceId) {
      await knex('sessions').where({ id: row.id }).update({ workspace_id: workspaceId });
      role = (await knex('memberships').where({ account_id: row.account_id, workspace_id: workspaceId }).first('role'))?.role ?? null;
    }
  }
  return {
    id: row.id,
    accountId: row.account_id,
    email: row.email,
    name: row.name,
    locale: row.locale,
    csrfToken: row.csrf_token,
    workspaceId,
    role,
  };
}

export async function destroySession(knex: Knex, sessionId: string): Promise<void> {
  await knex('sessions').where({ id: sessionId }).del();
}

/** Ends every other session of an account (after a password change). */
export async function destroyOtherSessions(knex: Knex, accountId: string, keepSessionId: string): Promise<void> {
  await knex('sessions').where({ account_id: accountId }).whereNot({ id: keepSessionId }).del();
}

/** Moves a session to another workspace the account is a member of; false when it is not one. */
export async function switchWorkspace(knex: Knex, session: SessionView, workspaceId: string): Promise<boolean> {
  const member = await knex('memberships as m')
    .join('workspaces as w', 'w.id', 'm.workspace_id')
    .where({ 'm.account_id': session.accountId, 'm.workspace_id': workspaceId, 'w.status': 'active' })
    .first('m.role');
  if (!member) return false;
  await knex('sessions').where({ id: session.id }).update({ workspace_id: workspaceId });
  return true;
}

export async function purgeExpiredSessions(knex: Knex): Promise<number> {
  return knex('sessions').where('expires_at', '<', knex.fn.now()).del();
}

async function firstWorkspaceOf(knex: Knex, accountId: string): Promise<string | null> {
  const m = await knex('memberships as m')
    .join('workspaces as w', 'w.id', 'm.workspace_id')
    .where({ 'm.account_id': accountId, 'w.status': 'active' })
    .orderBy('m.created_at', 'asc')
    .first('m.workspace_id');
  return m?.workspace_id ?? null;
}
