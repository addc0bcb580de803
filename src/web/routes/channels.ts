import { z } from 'zod';
import { connectChannel, ConnectChannelInput, disconnectChannel, listChannels, testChannel } from '../../conversations/channel-accounts';
import { notFound } from '../../errors';
import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';

const channelId = (raw: unknown) => {
  const id = z.uuid().safeParse(raw);
  if (!id.success) throw notFound('Channel');
  return id.data;
};

/** Channel connections. Tokens are write-only: no response ever contains one. */
export const channelRoutes: RouteModule = (router, ctx) => {
  router.get('/channels', async (req, res) => {
    res.json({ channels: await listChannels(ctx, workspaceOf(req)) });
  });

  router.post('/channels', requireRole('admin'), async (req, res) => {
    const input = ConnectChannelInput.parse(req.body ?? {});
    const r = await connectChannel(ctx, workspaceOf(req), input);
    res.status(r.created ? 201 : 200).json({ channel: r.channel });
  });

  router.delete('/channels/:id', requireRole('admin'), async (req, res) => {
    await disconnectChannel(ctx, workspaceOf(req), channelId(req.params.id));
    res.status(204).end();
  });

  router.post('/channels/:id/test', requireRole('admin'), async (req, res) => {
    res.json(await testChannel(ctx, workspaceOf(req), channelId(req.params.id)));
  });
};
