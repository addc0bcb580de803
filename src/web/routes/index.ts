import type { RouteModule } from '../types';
import { channelRoutes } from './channels';
import { conversationRoutes } from './conversations';
import { geoRoutes } from './geo';
import { metaWebhookRoutes } from './meta-webhooks';
import { billingRoutes, chargilyWebhookRoutes } from './billing';
import { merchantWebhookRoutes } from './merchant-webhooks';
import { privacyRoutes } from './privacy';
import { promoCodeRoutes } from './promo-codes';
import { salesRoutes } from './sales';
import { sheetRoutes } from '../../sheets/routes';
import { courierRoutes } from '../../shipping/routes';
import { shipmentRoutes } from '../../shipping/shipment-routes';
import { courierWebhookRoutes } from '../../shipping/webhook-routes';
import { workspaceRoutes } from './workspace';
import { webPages } from '../pages';
import { openApiRoutes } from '../openapi';

/**
 * Merchant API modules, mounted under /api/v1 behind authentication. A feature adds its routes
 * here with one line.
 */
export const apiRoutes: RouteModule[] = [
  channelRoutes,
  conversationRoutes,
  workspaceRoutes,
  privacyRoutes,
  merchantWebhookRoutes,
  billingRoutes,
  sheetRoutes,
  salesRoutes,
  promoCodeRoutes,
  geoRoutes,
  courierRoutes,
  shipmentRoutes,
];

/** Public routes (webhooks from Meta, couriers, Chargily; pages) mounted at the root. */
export const publicRoutes: RouteModule[] = [
  openApiRoutes,
  chargilyWebhookRoutes,
  metaWebhookRoutes,
  courierWebhookRoutes,
  webPages,
];
