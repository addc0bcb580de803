import crypto from 'node:crypto';
import { z } from 'zod';
import { listConversations, listMessages, setAiPaused } from '../../conversations/inbox';
import { sendText } from '../../conversations/outbound';
import { notFound } from '../../errors';
import { workspaceOf } from '../auth';
import type { RouteModule } from '../types';

const convId = (raw: unknown) => {
  const id = z.uuid().safeParse(raw);
  if (!id.success) throw notFound('Conversation');
  return id.data;
};

export const ConversationQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.iso.datetime({ offset: true }).optional() });
export const MessageQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const PauseBody = z.object({ reason: z.string().trim().max(300).optional() });
export const HumanReply = z.object({ text: z.string().trim().min(1).max(20_000) });

/** The merchant's inbox: read, pause/resume the AI, reply as a human. */
export const conversationRoutes: RouteModule = (router, ctx) => {
  router.get('/conversations', async (req, res) => {
    const q = ConversationQuery.parse(req.query);
    res.json({ conversations: await listConversations(ctx, workspaceOf(req), q) });
  });

  router.get('/conversations/:id/messages', async (req, res) => {
    const q = MessageQuery.parse(req.query);
    res.json({ messages: await listMessages(ctx, workspaceOf(req), convId(req.params.id), q) });
  });

  router.post('/conversations/:id/pause', async (req, res) => {
    const body = PauseBody.parse(req.body ?? {});
    res.json({ conversation: await setAiPaused(ctx, workspaceOf(req), convId(req.params.id), true, body.reason) });
  });

  router.post('/conversations/:id/resume', async (req, res) => {
    res.json({ conversation: await setAiPaused(ctx, workspaceOf(req), convId(req.params.id), false) });
  });

  router.post('/conversations/:id/messages', async (req, res) => {
    const body = HumanReply.parse(req.body ?? {});
    const key = req.get('idempotency-key');
    const r = await sendText(ctx, {
      workspaceId: workspaceOf(req),
      conversationId: convId(req.params.id),
      text: body.text,
      author: 'human',
      // A client retry with the same Idempotency-Key never sends twice.
      idempotencyKey: key && /^[\w.:-]{1,128}$/.test(key) ? `api:${key}` : `api:${crypto.randomUUID()}`,
    });
    res.status(r.status === 'sent' ? 201 : 200).json({ message: { id: r.messageId, status: r.status, error: r.error ?? null } });
  });
};
