import { requireRole, workspaceOf } from '../web/auth';
import type { RouteModule } from '../web/types';
import { connectSheet, ConnectSheetInput, disconnectSheet, getSheetState, testSheet } from './connection';

/** The merchant's Google Sheet: connect, state, test, disconnect. The key is never returned. */
export const sheetRoutes: RouteModule = (router, ctx) => {
  router.get('/sheet', async (req, res) => {
    res.json(await getSheetState(ctx, workspaceOf(req)));
  });

  router.put('/sheet', requireRole('admin'), async (req, res) => {
    res.json(await connectSheet(ctx, workspaceOf(req), ConnectSheetInput.parse(req.body ?? {})));
  });

  router.post('/sheet/test', requireRole('admin'), async (req, res) => {
    res.json(await testSheet(ctx, workspaceOf(req)));
  });

  router.delete('/sheet', requireRole('admin'), async (req, res) => {
    await disconnectSheet(ctx, workspaceOf(req));
    res.status(204).end();
  });
};
