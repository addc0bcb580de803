import type { NextFunction, Request, Response } from 'express';
import { authenticateApiKey } from '../accounts/api-keys';
import type { AppContext } from '../context';
import { forbidden, unauthorized } from '../errors';
import type { Auth, Role } from './types';

/**
 * Resolves `Authorization: Bearer <merchant API key>` (a session cookie resolver is added by the
 * web app) and sets req.auth. An API key acts with its creator's role in the workspace.
 */
export function authenticate(ctx: AppContext, extra: Array<(req: Request) => Promise<Auth | null>> = []) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (header?.startsWith('Bearer ')) {
      const principal = await authenticateApiKey(ctx.knex, header.slice(7).trim());
      if (!principal) throw unauthorized('Invalid or revoked API key');
      req.auth = { workspaceId: principal.workspaceId, role: principal.role, actor: `api_key:${principal.keyId}` };
      return next();
    }
    for (const resolve of extra) {
      const auth = await resolve(req);
      if (auth) {
        req.auth = auth;
        return next();
      }
    }
    throw unauthorized('Send Authorization: Bearer <API key>, or log in');
  };
}

const RANK: Record<Role, number> = { agent: 1, admin: 2, owner: 3 };

/** Guards a route by role: agents reach the inbox and orders, admins settings, owners everything. */
export function requireRole(min: Role) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.auth) throw unauthorized();
    if (RANK[req.auth.role] < RANK[min]) throw forbidden(`This needs the ${min} role`);
    next();
  };
}

/** The authenticated workspace id (routes run after authenticate, so it is always there). */
export function workspaceOf(req: Request): string {
  if (!req.auth) throw unauthorized();
  return req.auth.workspaceId;
}
