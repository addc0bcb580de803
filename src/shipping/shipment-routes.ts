import { z } from 'zod';
import { requireRole, workspaceOf } from '../web/auth';
import type { RouteModule } from '../web/types';
import { shipmentLabel, shipOrderByHand } from './booking';
import { getShippingSettings, putShippingSettings, ShippingSettingsPut } from './notify';
import { getReturnRisk } from './return-risk';
import { courierWebhookView, saveCourierWebhookSecret } from './tracking';

const Id = z.object({ id: z.string() });
const courierParam = z.object({ courier: z.string().min(1).max(40) });
export const CourierWebhookSecretPut = z.object({ secret: z.string().trim().min(8, 'secret: paste the signing secret from the courier dashboard').max(500) });
export const ReturnRiskQuery = z.object({ phone: z.string().min(6).max(40) });

/** Booking by hand, labels, tracking webhook set-up, delivery notifications and return risk. */
export const shipmentRoutes: RouteModule = (router, ctx) => {
  router.post('/orders/:id/ship', async (req, res) => {
    const r = await shipOrderByHand(ctx, workspaceOf(req), Id.parse(req.params).id);
    res.status(r.outcome === 'retrying' ? 202 : 200).json(r);
  });

  router.get('/orders/:id/label', async (req, res) => {
    const label = await shipmentLabel(ctx, workspaceOf(req), Id.parse(req.params).id);
    if (label.kind === 'pdf') {
      res.type('application/pdf').set('content-disposition', 'inline; filename="label.pdf"').send(label.bytes);
      return;
    }
    res.json({ label: { kind: label.kind, url: label.url } });
  });

  router.get('/couriers/:courier/webhook', requireRole('admin'), async (req, res) => {
    res.json({ webhook: await courierWebhookView(ctx, workspaceOf(req), courierParam.parse(req.params).courier) });
  });

  router.put('/couriers/:courier/webhook', requireRole('admin'), async (req, res) => {
    const { secret } = CourierWebhookSecretPut.parse(req.body ?? {});
    res.json({ webhook: await saveCourierWebhookSecret(ctx, workspaceOf(req), courierParam.parse(req.params).courier, secret) });
  });

  router.get('/shipping/settings', async (req, res) => {
    res.json({ settings: await getShippingSettings(ctx, workspaceOf(req)) });
  });

  router.put('/shipping/settings', requireRole('admin'), async (req, res) => {
    res.json({ settings: await putShippingSettings(ctx, workspaceOf(req), ShippingSettingsPut.parse(req.body ?? {})) });
  });

  router.get('/customers/return-risk', async (req, res) => {
    const { phone } = ReturnRiskQuery.parse(req.query);
    res.json({ return_risk: await getReturnRisk(ctx, workspaceOf(req), phone) });
  });
};
