import express from 'express';
import { z } from 'zod';
import { notFound } from '../errors';
import type { RouteModule } from '../web/types';
import { couriersOf } from './courier-accounts';
import { receiveCourierWebhook } from './tracking';

const courierParam = z.object({ courier: z.string().min(1).max(40) });

function queryOf(url: string): URLSearchParams {
  return new URL(url, 'http://local').searchParams;
}

/** Tracking pushes from couriers (DESIGN.md: POST /webhooks/couriers/:courier), signature checked on the raw bytes. */
export const courierWebhookRoutes: RouteModule = (router, ctx) => {
  // Subscription checks (Yalidine CRC: echo crc_token as plain text within 10 s).
  router.get('/webhooks/couriers/:courier', (req, res) => {
    const def = couriersOf(ctx)[courierParam.parse(req.params).courier];
    const answer = def?.webhook?.challenge?.(queryOf(req.originalUrl));
    if (answer === undefined || answer === null) throw notFound('Courier webhook challenge');
    res.type('text/plain').send(answer);
  });

  router.post('/webhooks/couriers/:courier', express.raw({ type: '*/*', limit: '5mb' }), async (req, res) => {
    const { courier } = courierParam.parse(req.params);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      const result = await receiveCourierWebhook(ctx, courier, req.headers, raw, queryOf(req.originalUrl));
      ctx.metrics.webhookEvents.inc({ source: `courier:${courier}`, outcome: 'accepted' });
      res.json(result);
    } catch (err) {
      ctx.metrics.webhookEvents.inc({ source: `courier:${courier}`, outcome: 'rejected' });
      throw err;
    }
  });
};
