import { z } from 'zod';
import { notFound } from '../../errors';
import { CreateEndpointInput, createEndpoint, deleteEndpoint, listDeliveries, listEndpoints } from '../../merchant-webhooks/endpoints';
import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';

export const merchantWebhookRoutes: RouteModule = (router, ctx) => {
  router.get('/webhooks', requireRole('admin'), async (req, res) => {
    res.json({ webhooks: await listEndpoints(ctx.knex, workspaceOf(req)) });
  });
  router.post('/webhooks', requireRole('admin'), async (req, res) => {
    const ep = await createEndpoint(ctx, workspaceOf(req), CreateEndpointInput.parse(req.body));
    // The signing secret is shown this once.
    res.status(201).json({ webhook: ep });
  });
  router.delete('/webhooks/:id', requireRole('admin'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw notFound('Webhook endpoint');
    await deleteEndpoint(ctx, workspaceOf(req), id.data);
    res.status(204).end();
  });
  router.get('/webhooks/:id/deliveries', requireRole('admin'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw notFound('Webhook endpoint');
    const ep = await ctx.knex('webhook_endpoints').where({ workspace_id: workspaceOf(req), id: id.data }).first('id');
    if (!ep) throw notFound('Webhook endpoint');
    res.json({ deliveries: await listDeliveries(ctx.knex, workspaceOf(req), id.data) });
  });
};
