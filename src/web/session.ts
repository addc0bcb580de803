import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { resolveSession, type SessionView } from '../accounts/sessions';
import type { AppContext } from '../context';
import { forbidden } from '../errors';
import type { Auth } from './types';

export const SESSION_COOKIE = 'wakil_session';
/** Double-submit token for the forms shown before there is a session (log in, sign up). */
export const PRELOGIN_COOKIE = 'wakil_csrf';

declare module 'express-serve-static-core' {
  interface Request {
    session?: SessionView | null;
    /** The CSRF token the page's forms carry: the session's, or the pre-login cookie's. */
    csrfToken?: string;
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (!k || k in out) continue;
    try {
      out[k] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A malformed cookie is ignored rather than failing the request.
    }
  }
  return out;
}

function cookieFlags(ctx: AppContext, maxAgeSeconds: number): string {
  const secure = ctx.config.env === 'production' ? '; Secure' : '';
  return `; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export function setSessionCookie(ctx: AppContext, res: Response, value: string, expiresAt: Date): void {
  const maxAge = Math.floor((expiresAt.getTime() - Date.now()) / 1000);
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}${cookieFlags(ctx, maxAge)}`);
}

export function clearSessionCookie(ctx: AppContext, res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${cookieFlags(ctx, 0)}`);
}

const tokensEqual = (a: string | undefined, b: string | undefined) =>
  !!a && !!b && a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * For page routes: loads the session (or null) and the CSRF token forms must carry. Without a
 * session a random pre-login token is set as a cookie and echoed in the form (double submit).
 */
export function loadSession(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const cookies = parseCookies(req.get('cookie'));
    req.session = cookies[SESSION_COOKIE] ? await resolveSession(ctx.knex, cookies[SESSION_COOKIE]) : null;
    if (req.session) {
      req.csrfToken = req.session.csrfToken;
    } else {
      let pre = cookies[PRELOGIN_COOKIE];
      if (!pre || !/^[\w-]{20,64}$/.test(pre)) {
        pre = crypto.randomBytes(24).toString('base64url');
        res.append('Set-Cookie', `${PRELOGIN_COOKIE}=${pre}${cookieFlags(ctx, 24 * 3600)}`);
      }
      req.csrfToken = pre;
    }
    next();
  };
}

/** Rejects an unsafe page request whose `_csrf` field or x-csrf-token header does not match. */
export function verifyCsrf(req: Request): void {
  if (SAFE.has(req.method)) return;
  const sent = (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ?? req.get('x-csrf-token');
  if (!tokensEqual(sent, req.csrfToken)) throw forbidden('The form expired or came from another site: reload the page and try again');
}

/**
 * The /api/v1 resolver for the settings pages' own fetch() calls: a session cookie authenticates
 * as the account's role in its current workspace. Mutations must carry x-csrf-token (a cookie is
 * sent by the browser on cross-site requests too; the header is not).
 */
export function sessionAuthResolver(ctx: AppContext) {
  return async (req: Request): Promise<Auth | null> => {
    const value = parseCookies(req.get('cookie'))[SESSION_COOKIE];
    if (!value) return null;
    const session = await resolveSession(ctx.knex, value);
    if (!session || !session.workspaceId || !session.role) return null;
    if (!SAFE.has(req.method) && !tokensEqual(req.get('x-csrf-token'), session.csrfToken)) {
      throw forbidden('Missing or wrong x-csrf-token header for a session-authenticated request');
    }
    return { workspaceId: session.workspaceId, role: session.role, actor: `account:${session.accountId}`, accountId: session.accountId };
  };
}
