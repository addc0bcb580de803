import type { Knex } from 'knex';
import { z } from 'zod';
import { notFound } from '../errors';

/**
 * The merchant dismisses a notice (or all of them): it leaves the billing page, the dashboard and
 * GET /api/v1/billing, and stays in the table with its read_at. Another workspace's notice id is
 * not found.
 */
export async function markNoticesRead(knex: Knex, workspaceId: string, noticeId?: string): Promise<number> {
  const q = knex('workspace_notices').where({ workspace_id: workspaceId }).whereNull('read_at');
  if (noticeId !== undefined) {
    if (!z.uuid().safeParse(noticeId).success) throw notFound('Notice');
    const exists = await knex('workspace_notices').where({ workspace_id: workspaceId, id: noticeId }).first('id');
    if (!exists) throw notFound('Notice');
    q.where({ id: noticeId });
  }
  return q.update({ read_at: knex.fn.now() });
}
