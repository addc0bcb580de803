import type http from 'node:http';
import type { Config } from './config';
import { warmGeoIndex } from './geo/resolve';
import { createContext, type AppContext } from './context';
import { registerJobs } from './jobs/register';
import type { Logger } from './observability/logger';
import { createApp, type AppOptions } from './web/app';
import { sessionAuthResolver } from './web/session';

export interface RunningServer {
  ctx: AppContext;
  server?: http.Server;
  url?: string;
  stop(): Promise<void>;
}

/**
 * Starts what WAKIL_ROLE asks for: the HTTP server (web), the job workers (worker), or both (all).
 * stop() closes the HTTP server, lets running jobs finish, then closes the database.
 */
export async function startServer(config: Config, logger: Logger, opts: AppOptions & { port?: number } = {}): Promise<RunningServer> {
  const ctx = await createContext(config, logger);
  registerJobs(ctx);
  // Workers resolve place names on every order: build the index now, not on the first customer.
  if (config.role !== 'web') warmGeoIndex();
  await ctx.jobs.start({ work: config.role !== 'web' });

  let server: http.Server | undefined;
  let url: string | undefined;
  if (config.role !== 'worker') {
    // The settings pages' session cookie authenticates /api/v1 too (with CSRF on mutations).
    const app = createApp(ctx, { ...opts, authResolvers: [sessionAuthResolver(ctx), ...(opts.authResolvers ?? [])] });
    server = await new Promise<http.Server>((resolve, reject) => {
      const s = app.listen(opts.port ?? config.port, () => resolve(s));
      s.once('error', reject);
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    url = `http://localhost:${port}`;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (server) {
        server.closeIdleConnections?.();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      await ctx.jobs.stop();
      await ctx.db.close();
    })());
  return { ctx, server, url, stop };
}
