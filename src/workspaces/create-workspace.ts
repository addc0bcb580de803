import type { Knex } from 'knex';
import { z } from 'zod';
import { createApiKey } from '../accounts/api-keys';
import { hashPassword } from '../accounts/passwords';
import { conflict } from '../errors';

export const CreateWorkspaceInput = z.object({
  name: z.string().trim().min(1, 'a workspace name is required').max(120),
  ownerEmail: z.email('owner email is not a valid email address').transform((e) => e.toLowerCase()),
  ownerName: z.string().trim().max(120).optional(),
  ownerPassword: z.string().min(10, 'password must have at least 10 characters').optional(),
  language: z.enum(['fr', 'ar', 'en']).default('fr'),
});
export type CreateWorkspaceInput = z.input<typeof CreateWorkspaceInput>;

export interface CreatedWorkspace {
  workspace_id: string;
  account_id: string;
  api_key: string;
  api_key_prefix: string;
}

/** Creates a workspace, its owner (reusing the account when the email exists) and a first API key. */
export async function createWorkspace(knex: Knex, input: CreateWorkspaceInput): Promise<CreatedWorkspace> {
  const data = CreateWorkspaceInput.parse(input);
  const passwordHash = data.ownerPassword ? await hashPassword(data.ownerPassword) : null;
  return knex.transaction(async (trx) => {
    const created = await insertWorkspaceAndOwner(trx, data, passwordHash, { reuseAccount: true });
    const key = await createApiKey(trx, created.workspace_id, { name: 'default', createdBy: created.account_id });
    return { ...created, api_key: key.key, api_key_prefix: key.prefix };
  });
}

/**
 * Self-service sign-up from the settings pages: always a NEW account (an existing email is a
 * conflict, never a silent reuse, or anyone could attach themselves to someone else's account)
 * and no API key (the merchant creates one on the API keys page, where it is shown once).
 */
export async function signUpWorkspace(
  knex: Knex,
  input: CreateWorkspaceInput & { ownerPassword: string },
): Promise<{ workspace_id: string; account_id: string }> {
  const data = CreateWorkspaceInput.parse(input);
  const passwordHash = await hashPassword(data.ownerPassword!);
  try {
    return await knex.transaction((trx) => insertWorkspaceAndOwner(trx, data, passwordHash, { reuseAccount: false }));
  } catch (e) {
    // Two sign-ups racing for one email: the unique index on lower(email) decides.
    if ((e as { code?: string }).code === '23505') throw conflict('An account with this email already exists');
    throw e;
  }
}

async function insertWorkspaceAndOwner(
  trx: Knex.Transaction,
  data: z.output<typeof CreateWorkspaceInput>,
  passwordHash: string | null,
  opts: { reuseAccount: boolean },
): Promise<{ workspace_id: string; account_id: string }> {
  let account = await trx('accounts').whereRaw('lower(email) = ?', [data.ownerEmail]).first('id');
  if (account && !opts.reuseAccount) throw conflict('An account with this email already exists');
  const [ws] = await trx('workspaces').insert({ name: data.name, language: data.language }).returning('id');
  if (!account) {
    [account] = await trx('accounts')
      .insert({ email: data.ownerEmail, name: data.ownerName ?? null, password_hash: passwordHash, locale: data.language })
      .returning('id');
  }
  await trx('memberships').insert({ workspace_id: ws.id, account_id: account.id, role: 'owner' });
  await trx('audit_log').insert({ workspace_id: ws.id, actor: `account:${account.id}`, action: 'workspace.created' });
  return { workspace_id: ws.id, account_id: account.id };
}

/** A further workspace for an existing account (a merchant with a second shop), owned by it. */
export async function createWorkspaceForAccount(knex: Knex, accountId: string, name: string, language: 'fr' | 'ar' | 'en' = 'fr'): Promise<string> {
  const n = CreateWorkspaceInput.shape.name.parse(name);
  return knex.transaction(async (trx) => {
    const [ws] = await trx('workspaces').insert({ name: n, language }).returning('id');
    await trx('memberships').insert({ workspace_id: ws.id, account_id: accountId, role: 'owner' });
    await trx('audit_log').insert({ workspace_id: ws.id, actor: `account:${accountId}`, action: 'workspace.created' });
    return ws.id as string;
  });
}
