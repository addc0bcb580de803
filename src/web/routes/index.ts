import type { RouteModule } from '../types';
import { workspaceRoutes } from './workspace';

/**
 * Merchant API modules, mounted under /api/v1 behind authentication. A feature adds its routes
 * here with one line.
 */
export const apiRoutes: RouteModule[] = [workspaceRoutes];

/** Public routes (webhooks from Meta, couriers, Chargily; pages) mounted at the root. */
export const publicRoutes: RouteModule[] = [];
