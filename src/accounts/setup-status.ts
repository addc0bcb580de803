import type { Knex } from 'knex';

export type SetupStep = 'channel' | 'products' | 'courier' | 'sheet' | 'playground';

/**
 * The onboarding checklist, each step read from the data it stands for (not a stored flag), so a
 * disconnected channel or a deleted catalog shows as to-do again.
 */
export async function setupStatus(knex: Knex, workspaceId: string): Promise<Array<{ step: SetupStep; done: boolean }>> {
  const exists = async (table: string, extra?: (q: Knex.QueryBuilder) => void) => {
    const q = knex(table).where({ workspace_id: workspaceId }).first(knex.raw('1 as x'));
    extra?.(q);
    return !!(await q);
  };
  const [channel, products, courier, sheet, playground] = await Promise.all([
    exists('channels', (q) => q.whereIn('kind', ['whatsapp', 'messenger', 'instagram']).whereNot({ status: 'disconnected' })),
    exists('products'),
    exists('workspace_couriers', (q) => q.where({ active: true })),
    exists('sheet_connections'),
    // The playground keeps its own channel; a conversation there means the merchant tried it.
    exists('conversations', (q) => q.whereIn('channel_id', knex('channels').where({ workspace_id: workspaceId, kind: 'playground' }).select('id'))),
  ]);
  return [
    { step: 'channel', done: channel },
    { step: 'products', done: products },
    { step: 'courier', done: courier },
    { step: 'sheet', done: sheet },
    { step: 'playground', done: playground },
  ];
}
