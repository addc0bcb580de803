import { z } from 'zod';
import { playgroundTurn, PlaygroundInput } from '../../agent/playground';
import { AgentSettingsPut, getAgentSettings, putAgentSettings } from '../../agent/settings';
import { createProduct, deleteProduct, getProduct, listProducts, ProductInput, ProductPatch, updateProduct } from '../../catalog/products';
import { importProductsCsv } from '../../catalog/import';
import { listLeads, updateLeadStatus } from '../../leads/leads';
import { LEAD_STATUSES } from '../../leads/status';
import { OrderCreateInput, OrderPatch, resolveNewOrder, resolveOrderChanges } from '../../orders/new-order';
import { createOrder, getOrder, listOrders, transitionOrder, updateOrder } from '../../orders/service';
import { workspaceStats } from '../../orders/stats';
import { assertTransition, ORDER_STATUSES } from '../../orders/status';
import { requireRole, workspaceOf } from '../auth';
import type { RouteModule } from '../types';

const Id = z.object({ id: z.string() });
export const OrderQuery = z.object({
  status: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(ORDER_STATUSES)))
    .optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  wilaya: z.string().regex(/^\d{1,2}$/, 'a wilaya code such as 16').transform((w) => w.padStart(2, '0')).optional(),
  courier: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a courier id such as yalidine').optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  before: z.iso.datetime().optional(),
});
export const StatsQuery = z.object({ from: z.coerce.date().optional(), to: z.coerce.date().optional() });

export const ProductImportInput = z.object({
  csv: z.string().min(1, 'csv: paste the CSV text (header row: name,price,stock,sku,description,variants)').max(1_500_000),
  dry_run: z.boolean().default(false),
});

/** POST /orders and PATCH /orders/:id bodies (defined with the order input module the page shares). */
export { OrderCreateInput, OrderPatch };
export const LeadStatusPatch = z.object({ status: z.enum(LEAD_STATUSES) });
export const LeadQuery = z.object({ status: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(200).optional() });

/** Catalog, agent settings, orders, leads, stats and the playground (the sales side of the API). */
export const salesRoutes: RouteModule = (router, ctx) => {
  router.get('/products', async (req, res) => {
    res.json({ products: await listProducts(ctx.knex, workspaceOf(req)) });
  });
  router.post('/products/import', requireRole('admin'), async (req, res) => {
    const body = ProductImportInput.parse(req.body ?? {});
    res.json({ import: await importProductsCsv(ctx, workspaceOf(req), body.csv, { dryRun: body.dry_run }) });
  });
  router.get('/products/:id', async (req, res) => {
    res.json({ product: await getProduct(ctx.knex, workspaceOf(req), Id.parse(req.params).id) });
  });
  router.post('/products', requireRole('admin'), async (req, res) => {
    res.status(201).json({ product: await createProduct(ctx, workspaceOf(req), ProductInput.parse(req.body ?? {})) });
  });
  router.patch('/products/:id', requireRole('admin'), async (req, res) => {
    res.json({ product: await updateProduct(ctx, workspaceOf(req), Id.parse(req.params).id, ProductPatch.parse(req.body ?? {})) });
  });
  router.delete('/products/:id', requireRole('admin'), async (req, res) => {
    await deleteProduct(ctx, workspaceOf(req), Id.parse(req.params).id);
    res.status(204).end();
  });

  router.get('/agent', async (req, res) => {
    res.json({ agent: await getAgentSettings(ctx.knex, workspaceOf(req)) });
  });
  router.put('/agent', requireRole('admin'), async (req, res) => {
    res.json({ agent: await putAgentSettings(ctx.knex, workspaceOf(req), AgentSettingsPut.parse(req.body ?? {})) });
  });

  router.get('/orders', async (req, res) => {
    const q = OrderQuery.parse(req.query);
    res.json({ orders: await listOrders(ctx.knex, workspaceOf(req), q) });
  });
  router.get('/orders/:id', async (req, res) => {
    res.json({ order: await getOrder(ctx.knex, workspaceOf(req), Id.parse(req.params).id) });
  });
  // A phone order typed by the merchant: priced, quoted and hooked exactly like the agent's.
  router.post('/orders', async (req, res) => {
    const input = await resolveNewOrder(ctx, workspaceOf(req), OrderCreateInput.parse(req.body ?? {}));
    res.status(201).json({ order: await createOrder(ctx, workspaceOf(req), input, req.auth!.actor) });
  });
  // The fields first, then the status, so "fix the address and confirm" is one call.
  router.patch('/orders/:id', async (req, res) => {
    const { status, ...fields } = OrderPatch.parse(req.body ?? {});
    const ws = workspaceOf(req);
    const id = Id.parse(req.params).id;
    let order = await getOrder(ctx.knex, ws, id);
    // Refuse an impossible status before any field is written (they are two transactions).
    if (status) assertTransition(order.status, status);
    if (Object.values(fields).some((v) => v !== undefined)) {
      order = await updateOrder(ctx, ws, id, await resolveOrderChanges(ctx, ws, order, fields), req.auth!.actor);
    }
    if (status) order = await transitionOrder(ctx, ws, id, status, req.auth!.actor, { confirmedBy: 'merchant' });
    res.json({ order });
  });

  router.get('/leads', async (req, res) => {
    const q = LeadQuery.parse(req.query);
    res.json({ leads: await listLeads(ctx.knex, workspaceOf(req), q) });
  });
  router.patch('/leads/:id', async (req, res) => {
    const body = LeadStatusPatch.parse(req.body ?? {});
    const lead = await updateLeadStatus(ctx, workspaceOf(req), Id.parse(req.params).id, body.status, req.auth!.actor);
    res.json({ lead });
  });

  router.get('/stats', async (req, res) => {
    const q = StatsQuery.parse(req.query);
    const to = q.to ?? new Date(Date.now() + 60_000);
    const from = q.from ?? new Date(to.getTime() - 30 * 86_400_000);
    res.json({ stats: await workspaceStats(ctx, workspaceOf(req), { from, to }) });
  });

  router.post('/playground', requireRole('admin'), async (req, res) => {
    res.json(await playgroundTurn(ctx, workspaceOf(req), PlaygroundInput.parse(req.body ?? {})));
  });
};
