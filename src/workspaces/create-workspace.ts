import type { Knex } from 'knex';
import { z } from 'zod';
import { createApiKey } from '../accounts/api-keys';
import { hashPassword } from '../accounts/passwords';

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
    const [ws] = await trx('workspaces').insert({ name: data.name, language: data.language }).returning('id');
    let account = await trx('accounts').whereRaw('lower(email) = ?', [data.ownerEmail]).first('id');
    if (!account) {
      [account] = await trx('accounts')
        .insert({ email: data.ownerEmail, name: data.ownerName ?? null, password_hash: passwordHash, locale: data.language })
        .returning('id');
    }
    await trx('memberships').insert({ workspace_id: ws.id, account_id: account.id, role: 'owner' });
    const key = await createApiKey(trx, ws.id, { name: 'default', createdBy: account.id });
    await trx('audit_log').insert({ workspace_id: ws.id, actor: `account:${account.id}`, action: 'workspace.created' });
    return { workspace_id: ws.id, account_id: account.id, api_key: key.key, api_key_prefix: key.prefix };
  });
}
