import express from 'express';
import { z } from 'zod';
import { billingSummary } from '../../billing/allowance';
import { markNoticesRead } from '../../billing/notices';
import { ChargilyEvent, verifyChargilySignature } from '../../billing/chargily';
import { applyChargilyEvent, startCheckout } from '../../billing/subscriptions';
import { invalidInput, unauthorized } from '../../errors';
import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';

export const CheckoutInput = z.object({ plan: z.string(), locale: z.enum(['ar', 'fr', 'en']).optional() });

export const billingRoutes: RouteModule = (router, ctx) => {
  router.get('/billing', async (req, res) => {
    res.json(await billingSummary(ctx, workspaceOf(req)));
  });
  // Notices are the owner's (the billing page and its dashboard section are owner-only).
  router.post('/billing/notices/:id/read', requireRole('owner'), async (req, res) => {
    res.json({ read: await markNoticesRead(ctx.knex, workspaceOf(req), String(req.params.id)) });
  });
  router.post('/billing/notices/read', requireRole('owner'), async (req, res) => {
    res.json({ read: await markNoticesRead(ctx.knex, workspaceOf(req)) });
  });
  router.post('/billing/checkout', requireRole('owner'), async (req, res) => {
    const body = CheckoutInput.parse(req.body);
    res.status(201).json(await startCheckout(ctx, workspaceOf(req), body.plan, body.locale));
  });
};

export const chargilyWebhookRoutes: RouteModule = (router, ctx) => {
  router.post('/webhooks/chargily', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    const secret = ctx.config.chargily.secretKey;
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!secret || !verifyChargilySignature(raw, req.get('signature'), secret)) throw unauthorized('Invalid Chargily signature');
    let event;
    try {
      event = ChargilyEvent.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      throw invalidInput('Not a Chargily checkout event');
    }
    const outcome = await applyChargilyEvent(ctx, event);
    ctx.metrics.webhookEvents.inc({ source: 'chargily', outcome });
    res.json({ received: true, outcome });
  });
};
