import type { Router } from 'express';
import type { AppContext } from '../context';

export type Role = 'owner' | 'admin' | 'agent';

/** Who is calling, resolved once by src/web/auth.ts. Every query is scoped by workspaceId. */
export interface Auth {
  workspaceId: string;
  role: Role;
  /** 'api_key:<id>' or 'account:<id>' for the audit log. */
  actor: string;
  accountId?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: Auth;
    requestId?: string;
  }
}

/** A module's routes: mounted under /api/v1 (authenticated) or at the root (webhooks, pages). */
export type RouteModule = (router: Router, ctx: AppContext) => void;
