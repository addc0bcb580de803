import { z } from 'zod';
import { requireRole, workspaceOf } from '../web/auth';
import type { RouteModule } from '../web/types';
import { couriersOf, listCourierAccounts, saveCourierAccount, testCourierAccount } from './courier-accounts';
import { syncCourierReference } from './reference-sync';
import { listTariffs, setTariffOverride, syncTariffs } from './tariffs';

const courierParam = z.object({ courier: z.string().min(1).max(40) });

export const overrideSchema = z.object({
  wilaya_code: z.union([z.string(), z.number().int()]),
  commune_code: z.string().nullish(),
  delivery_type: z.enum(['home', 'stopdesk']),
  fee: z.number().int().min(0).nullable(),
  return_fee: z.number().int().min(0).nullish(),
  delay_days: z.number().int().min(0).nullish(),
});

export const CourierAccountPut = z.object({ credentials: z.unknown().optional(), settings: z.unknown().optional(), active: z.boolean().default(true) });
export const TariffOverridesPut = z.object({ overrides: z.array(overrideSchema).min(1).max(2000) });
export const TariffQuery = z.object({ source: z.enum(['synced', 'override']).optional() });

/** Merchant API for couriers (DESIGN.md): secrets go in, never come out. */
export const courierRoutes: RouteModule = (router, ctx) => {
  // Builds and validates the registry at start-up: a bad adapter stops the boot with every problem listed.
  couriersOf(ctx);

  router.get('/couriers', requireRole('admin'), async (req, res) => {
    const reg = couriersOf(ctx);
    res.json({
      couriers: await listCourierAccounts(ctx, workspaceOf(req)),
      available: Object.values(reg).map((d) => ({ id: d.id, display_name: d.displayName, capabilities: d.capabilities })),
    });
  });

  router.put('/couriers/:courier', requireRole('admin'), async (req, res) => {
    const { courier } = courierParam.parse(req.params);
    const body = CourierAccountPut.parse(req.body ?? {});
    res.json({ courier: await saveCourierAccount(ctx, workspaceOf(req), courier, body) });
  });

  router.post('/couriers/:courier/test', requireRole('admin'), async (req, res) => {
    const { courier } = courierParam.parse(req.params);
    res.json(await testCourierAccount(ctx, workspaceOf(req), courier));
  });

  router.post('/couriers/:courier/sync', requireRole('admin'), async (req, res) => {
    const { courier } = courierParam.parse(req.params);
    const reference = await syncCourierReference(ctx, workspaceOf(req), courier);
    const tariffs = await syncTariffs(ctx, workspaceOf(req), courier);
    res.json({ reference: { ...reference, unmatched: reference.unmatched.slice(0, 200) }, tariffs });
  });

  router.get('/couriers/:courier/tariffs', requireRole('admin'), async (req, res) => {
    const { courier } = courierParam.parse(req.params);
    const { source } = TariffQuery.parse({ source: req.query.source });
    res.json({ tariffs: await listTariffs(ctx, workspaceOf(req), courier, { source }) });
  });

  router.put('/couriers/:courier/tariffs', requireRole('admin'), async (req, res) => {
    const { courier } = courierParam.parse(req.params);
    const body = TariffOverridesPut.parse(req.body ?? {});
    for (const o of body.overrides) {
      await setTariffOverride(ctx, workspaceOf(req), courier, {
        wilayaCode: o.wilaya_code,
        communeCode: o.commune_code,
        deliveryType: o.delivery_type,
        fee: o.fee,
        returnFee: o.return_fee,
        delayDays: o.delay_days,
      });
    }
    res.json({ tariffs: await listTariffs(ctx, workspaceOf(req), courier, { source: 'override' }) });
  });
};
