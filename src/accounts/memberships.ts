import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { conflict, forbidden, notFound } from '../errors';
import type { Role } from '../web/types';

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
export const InviteRole = z.enum(['admin', 'agent']);

const sha256 = (v: string) => crypto.createHash('sha256').update(v).digest('hex');

/** The workspaces an account belongs to, for the workspace switcher. */
export async function workspacesOf(knex: Knex, accountId: string): Promise<Array<{ id: string; name: string; role: Role }>> {
  return knex('memberships as m')
    .join('workspaces as w', 'w.id', 'm.workspace_id')
    .where({ 'm.account_id': accountId, 'w.status': 'active' })
    .orderBy('w.name')
    .select('w.id', 'w.name', 'm.role');
}

export async function listMembers(knex: Knex, workspaceId: string) {
  return knex('memberships as m')
    .join('accounts as a', 'a.id', 'm.account_id')
    .where({ 'm.workspace_id': workspaceId })
    .orderBy('m.created_at')
    .select('a.id as account_id', 'a.email', 'a.name', 'm.role', 'm.created_at');
}

/** Removes a member; the owner cannot be removed (a workspace always keeps its owner). */
export async function removeMember(knex: Knex, workspaceId: string, accountId: string, actor: string): Promise<void> {
  const m = await knex('memberships').where({ workspace_id: workspaceId, account_id: accountId }).first('role');
  if (!m) throw notFound('Member');
  if (m.role === 'owner') throw forbidden('The owner cannot be removed');
  await knex.transaction(async (trx) => {
    await trx('memberships').where({ workspace_id: workspaceId, account_id: accountId }).del();
    await trx('audit_log').insert({ workspace_id: workspaceId, actor, action: 'member.removed', target: accountId });
  });
}

/** Creates an invite link token (returned once; only its hash is stored). */
export async function createInvite(
  knex: Knex,
  workspaceId: string,
  input: { role: string; email?: string | null; createdBy: string },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const role = InviteRole.parse(input.role);
  const token = crypto.randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + INVITE_TTL_MS);
  const [row] = await knex('invites')
    .insert({ workspace_id: workspaceId, token_hash: sha256(token), role, email: input.email || null, created_by: input.createdBy, expires_at: expiresAt })
    .returning('id');
  await knex('audit_log').insert({ workspace_id: workspaceId, actor: `account:${input.createdBy}`, action: 'invite.created', target: row.id, data: { role } });
  return { id: row.id, token, expiresAt };
}

export async function listPendingInvites(knex: Knex, workspaceId: string) {
  return knex('invites')
    .where({ workspace_id: workspaceId })
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .where('expires_at', '>', knex.fn.now())
    .orderBy('created_at', 'desc')
    .select('id', 'role', 'email', 'expires_at', 'created_at');
}

export async function revokeInvite(knex: Knex, workspaceId: string, id: string): Promise<void> {
  const n = await knex('invites').where({ workspace_id: workspaceId, id }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: knex.fn.now() });
  if (!n) throw notFound('Invite');
}

/** What an invite link offers, or null when it is unknown, used, revoked or expired. */
export async function peekInvite(knex: Knex, token: string): Promise<{ workspaceName: string; role: Role; email: string | null } | null> {
  const row = await knex('invites as i')
    .join('workspaces as w', 'w.id', 'i.workspace_id')
    .where({ 'i.token_hash': sha256(token), 'w.status': 'active' })
    .whereNull('i.accepted_at')
    .whereNull('i.revoked_at')
    .where('i.expires_at', '>', knex.fn.now())
    .first('w.name', 'i.role', 'i.email');
  return row ? { workspaceName: row.name, role: row.role, email: row.email } : null;
}

/**
 * Accepts an invite for an account: single use (the UPDATE claims it atomically), and an account
 * that is already a member keeps its current role rather than being demoted or promoted.
 */
export async function acceptInvite(knex: Knex, token: string, accountId: string): Promise<{ workspaceId: string }> {
  return knex.transaction(async (trx) => {
    const [inv] = await trx('invites')
      .where({ token_hash: sha256(token) })
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .where('expires_at', '>', trx.fn.now())
      .update({ accepted_at: trx.fn.now(), accepted_by: accountId })
      .returning(['workspace_id', 'role', 'id']);
    if (!inv) throw notFound('Invite (it may have expired or been used already)');
    const existing = await trx('memberships').where({ workspace_id: inv.workspace_id, account_id: accountId }).first('role');
    if (existing) throw conflict('You are already a member of this workspace');
    await trx('memberships').insert({ workspace_id: inv.workspace_id, account_id: accountId, role: inv.role });
    await trx('audit_log').insert({ workspace_id: inv.workspace_id, actor: `account:${accountId}`, action: 'invite.accepted', target: inv.id });
    return { workspaceId: inv.workspace_id };
  });
}

/** Creates the account an invitee signs up with (no workspace of its own). */
export async function createInvitedAccount(
  knex: Knex,
  input: { email: string; name?: string | null; passwordHash: string; locale: string },
): Promise<string> {
  try {
    const [row] = await knex('accounts')
      .insert({ email: input.email, name: input.name || null, password_hash: input.passwordHash, locale: input.locale })
      .returning('id');
    return row.id;
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw conflict('An account with this email already exists: log in to accept');
    throw e;
  }
}
