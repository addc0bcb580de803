import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context';
import { AppError } from '../errors';

/**
 * Per-API-key rate limit (fixed one-minute windows in Postgres, so every web process shares it)
 * and the API usage log (endpoint, time, key, status). Session traffic from the settings pages is
 * logged but not limited here (logins have their own limiter).
 */
export function apiUsage(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const auth = req.auth;
    if (!auth) return next();
    const keyId = auth.actor.startsWith('api_key:') ? auth.actor.slice(8) : null;
    // Express resets baseUrl when an error leaves the router, so take it now.
    const base = req.baseUrl;
    res.on('finish', () => {
      const route = req.route?.path ? `${base}${req.route.path}` : base;
      void ctx
        .knex('api_usage_log')
        .insert({ workspace_id: auth.workspaceId, api_key_id: keyId, actor: auth.actor, method: req.method, route, status: res.statusCode })
        .catch((err: unknown) => ctx.logger.warn({ err }, 'api usage log write failed'));
    });
    if (keyId) {
      const window = new Date(Math.floor(Date.now() / 60_000) * 60_000);
      const r = await ctx.knex.raw(
        `INSERT INTO api_rate_windows (api_key_id, window_start, count) VALUES (?, ?, 1)
         ON CONFLICT (api_key_id, window_start) DO UPDATE SET count = api_rate_windows.count + 1 RETURNING count`,
        [keyId, window],
      );
      const count = Number(r.rows[0].count);
      const limit = ctx.config.api.rateLimitPerMinute;
      res.setHeader('x-ratelimit-limit', String(limit));
      res.setHeader('x-ratelimit-remaining', String(Math.max(0, limit - count)));
      if (count > limit) {
        res.setHeader('retry-after', String(Math.ceil((window.getTime() + 60_000 - Date.now()) / 1000)));
        throw new AppError('rate_limited', `Rate limit of ${limit} requests per minute reached for this API key; retry after the Retry-After delay`);
      }
    }
    next();
  };
}
