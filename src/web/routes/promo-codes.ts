import { z } from 'zod';
import { createPromoCode, deletePromoCode, listPromoCodes, PromoCodeInput, PromoCodePatch, updatePromoCode } from '../../orders/promo-codes';
import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';

const Id = z.object({ id: z.string() });

/** The merchant's promo codes: the only discounts an order can carry. */
export const promoCodeRoutes: RouteModule = (router, ctx) => {
  router.get('/promo-codes', async (req, res) => {
    res.json({ promo_codes: await listPromoCodes(ctx.knex, workspaceOf(req)) });
  });
  router.post('/promo-codes', requireRole('admin'), async (req, res) => {
    res.status(201).json({ promo_code: await createPromoCode(ctx, workspaceOf(req), PromoCodeInput.parse(req.body ?? {}), req.auth!.actor) });
  });
  router.patch('/promo-codes/:id', requireRole('admin'), async (req, res) => {
    const patch = PromoCodePatch.parse(req.body ?? {});
    res.json({ promo_code: await updatePromoCode(ctx, workspaceOf(req), Id.parse(req.params).id, patch, req.auth!.actor) });
  });
  router.delete('/promo-codes/:id', requireRole('admin'), async (req, res) => {
    await deletePromoCode(ctx, workspaceOf(req), Id.parse(req.params).id, req.auth!.actor);
    res.status(204).end();
  });
};
