import path from 'node:path';
import express from 'express';
import type { RouteModule } from '../types';
import { authPages } from './auth-pages';
import { homePage } from './home-page';
import { agentPage } from './agent-page';
import { billingPage } from './billing-page';
import { catalogImportPage } from './catalog-import-page';
import { catalogPage } from './catalog-page';
import { channelsPage } from './channels-page';
import { courierTariffsPage } from './courier-tariffs-page';
import { couriersPage } from './couriers-page';
import { dashboardStats } from './dashboard-stats';
import { inboxPage } from './inbox-page';
import { promoCodesPage } from './promo-codes-page';
import { salesPages } from './sales-pages';
import { sheetPage } from './sheet-page';
import { workspacePages } from './workspace-pages';

const ASSETS = path.join(__dirname, '..', 'assets');

/**
 * The merchant's settings and controls pages, served at the root. Only exact page paths are
 * registered (no catch-all middleware), so webhooks and /api/v1 never pass through page code.
 */
export const webPages: RouteModule = (router, ctx) => {
  router.use('/assets', express.static(ASSETS, { maxAge: ctx.config.env === 'production' ? '1h' : 0, index: false }));
  // catalogImportPage before catalogPage: /catalog/import must not be taken for a product id.
  const mounts = [homePage, billingPage, dashboardStats, authPages, workspacePages, channelsPage, agentPage, catalogImportPage, catalogPage, promoCodesPage, couriersPage, courierTariffsPage, sheetPage, inboxPage, salesPages];
  for (const mount of mounts) mount(router, ctx);
};
