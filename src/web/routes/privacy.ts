import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';
import { streamWorkspaceExport } from '../../privacy/export';
import { requestWorkspaceDeletion } from '../../privacy/delete-workspace';
import { forgetCustomer } from '../../privacy/forget-customer';
import { notFound } from '../../errors';
import { z } from 'zod';

export const privacyRoutes: RouteModule = (router, ctx) => {
  router.get('/export', requireRole('owner'), async (req, res) => {
    const ws = workspaceOf(req);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="wakil-export-${ws}.json"`);
    await streamWorkspaceExport(ctx.knex, ws, res);
    res.end();
  });

  router.post('/customers/:id/forget', requireRole('admin'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw notFound('Customer');
    res.json({ forgotten: await forgetCustomer(ctx, workspaceOf(req), id.data, req.auth!.actor) });
  });

  router.delete('/workspace', requireRole('owner'), async (req, res) => {
    const r = await requestWorkspaceDeletion(ctx, workspaceOf(req), req.auth!.actor);
    res.status(202).json({ status: 'deactivated', purge_due_at: r.purge_due_at.toISOString() });
  });
};
