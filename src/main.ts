import { ConfigError, loadConfig } from './config';
import { createLogger } from './observability/logger';
import { initSentry } from './observability/sentry';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = createLogger({ level: config.logLevel });
  // Before express is loaded, so Sentry's instrumentation can hook it.
  initSentry(config.sentryDsn, config.env);
  const { startServer } = await import('./server');
  const running = await startServer(config, logger);
  if (running.url) {
    logger.info({ database: running.ctx.db.kind, role: config.role }, `Wakil is listening on ${running.url}`);
    process.stdout.write(`\nWakil is up (${running.ctx.db.kind} database, role ${config.role}).\n  Settings page: ${config.publicBaseUrl}/\n  Health:        ${running.url}/readyz\n\n`);
  } else {
    logger.info({ role: config.role }, 'Wakil worker started');
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Wakil failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
