import crypto from 'node:crypto';
import express, { type Request } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AppContext } from '../context';
import { migrationsApplied } from '../db/migrate';
import { notFound } from '../errors';
import { apiUsage } from './api-usage';
import { authenticate } from './auth';
import { errorHandler } from './error-handler';
import { apiRoutes, publicRoutes } from './routes';
import type { Auth } from './types';

export interface AppOptions {
  /** Extra ways to authenticate /api/v1 requests (the settings page's session cookie). */
  authResolvers?: Array<(req: Request) => Promise<Auth | null>>;
}

export function createApp(ctx: AppContext, opts: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    res.setHeader('x-request-id', req.requestId);
    next();
  });
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req) => (req as Request).requestId ?? crypto.randomUUID(),
      // Only method, path and status: query strings, headers and bodies can carry tokens and PII.
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  app.use(helmet());
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await ctx.knex.raw('select 1');
      if (!(await migrationsApplied(ctx.knex))) {
        res.status(503).json({ status: 'migrations_pending' });
        return;
      }
      res.json({ status: 'ready', database: ctx.db.kind });
    } catch {
      res.status(503).json({ status: 'database_unreachable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    ctx.metrics.jobs.reset();
    for (const c of await ctx.jobs.counts().catch(() => [])) ctx.metrics.jobs.set({ queue: c.name, state: c.state }, c.count);
    res.setHeader('content-type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });

  // Webhook routes parse their own raw bodies (signatures are computed on the exact bytes).
  const root = express.Router();
  for (const mount of publicRoutes) mount(root, ctx);
  app.use(root);

  const api = express.Router();
  api.use(express.json({ limit: '2mb' }));
  api.use(authenticate(ctx, opts.authResolvers));
  api.use(apiUsage(ctx));
  for (const mount of apiRoutes) mount(api, ctx);
  app.use('/api/v1', api);

  app.use(() => {
    throw notFound('Route');
  });
  app.use(errorHandler(ctx));
  return app;
}
