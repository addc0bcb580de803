import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../accounts/api-keys';
import { notFound } from '../../errors';
import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';

export const ApiKeyInput = z.object({ name: z.string().trim().min(1).max(80).default('default') });

export const workspaceRoutes: RouteModule = (router, ctx) => {
  router.get('/workspace', async (req, res) => {
    const ws = await ctx.knex('workspaces')
      .where({ id: workspaceOf(req) })
      .first('id', 'name', 'status', 'language', 'ai_enabled', 'plan', 'created_at');
    if (!ws) throw notFound('Workspace');
    res.json({ workspace: ws, role: req.auth!.role });
  });

  router.get('/api-keys', requireRole('admin'), async (req, res) => {
    res.json({ api_keys: await listApiKeys(ctx.knex, workspaceOf(req)) });
  });

  router.post('/api-keys', requireRole('admin'), async (req, res) => {
    const body = ApiKeyInput.parse(req.body ?? {});
    const key = await createApiKey(ctx.knex, workspaceOf(req), { name: body.name, createdBy: req.auth!.accountId });
    // The only time the plain key is ever shown.
    res.status(201).json({ id: key.id, prefix: key.prefix, api_key: key.key });
  });

  router.delete('/api-keys/:id', requireRole('admin'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success || !(await revokeApiKey(ctx.knex, workspaceOf(req), id.data))) throw notFound('API key');
    res.status(204).end();
  });
};
