import express from 'express';
import { safeEqual, verifyMetaSignature } from '../../../channels/meta/signature';
import { ingestMetaWebhook } from '../../conversations/ingest';
import { metaRequestStatus, recordMetaAppRequest } from '../../conversations/meta-app-requests';
import { AppError } from '../../errors';
import type { RouteModule } from '../types';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One callback for WhatsApp, Messenger and Instagram (DESIGN.md ▶ HTTP surface). */
export const metaWebhookRoutes: RouteModule = (router, ctx) => {
  router.get('/webhooks/meta', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    const expected = ctx.config.meta.verifyToken;
    if (mode === 'subscribe' && expected && typeof token === 'string' && safeEqual(token, expected) && typeof challenge === 'string') {
      // Bare text: a JSON-quoted challenge fails the dashboard check.
      res.status(200).type('text/plain').send(challenge);
      return;
    }
    res.sendStatus(403);
  });

  // Raw bytes: the signature covers Meta's escaped form, which parsing would lose (§1.2).
  router.post('/webhooks/meta', express.raw({ type: () => true, limit: '5mb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyMetaSignature(raw, req.get('x-hub-signature-256'), [ctx.config.meta.appSecret])) {
      ctx.metrics.webhookEvents.inc({ source: 'meta', outcome: 'rejected' });
      throw new AppError('unauthorized', 'Missing or invalid X-Hub-Signature-256');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AppError('invalid_input', 'Body is not JSON');
    }
    const summary = await ingestMetaWebhook(ctx, body);
    res.status(200).json({ ok: true, events: summary.events });
  });

  const form = express.urlencoded({ extended: false, limit: '64kb' });

  router.post('/webhooks/meta/data-deletion', form, async (req, res) => {
    const r = await recordMetaAppRequest(ctx, 'data_deletion', (req.body as Record<string, unknown> | undefined)?.signed_request);
    res.json({ url: r.url, confirmation_code: r.code });
  });

  router.post('/webhooks/meta/deauthorize', form, async (req, res) => {
    await recordMetaAppRequest(ctx, 'deauthorize', (req.body as Record<string, unknown> | undefined)?.signed_request);
    res.json({ ok: true });
  });

  router.get('/webhooks/meta/deletion-status/:code', async (req, res) => {
    const row = await metaRequestStatus(ctx, String(req.params.code));
    if (!row) {
      res.status(404).type('text/html').send('<!doctype html><title>Wakil</title><p>Unknown confirmation code.</p>');
      return;
    }
    const status = row.status === 'completed' ? 'completed' : 'received and being processed';
    res.type('text/html').send(
      `<!doctype html><meta charset="utf-8"><title>Wakil: data deletion</title>` +
        `<h1>Data deletion request</h1><p>Confirmation code: <code>${escapeHtml(row.confirmation_code)}</code></p>` +
        `<p>Status: ${escapeHtml(status)}</p><p>Received: ${new Date(row.created_at).toISOString()}</p>`,
    );
  });
};
