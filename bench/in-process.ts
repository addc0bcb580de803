import type { AppContext } from '../src/context';
import { startServer } from '../src/server';
import { benchConfig, silentLogger } from './support';

export interface InProcessApp {
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

/**
 * The whole app (web + workers) inside the bench process, for suites that count things (tokens,
 * write requests) rather than time them, and need the context to set up a shop directly.
 */
export async function startInProcessApp(databaseUrl: string, env: Record<string, string> = {}): Promise<InProcessApp> {
  const running = await startServer(benchConfig(databaseUrl, env), silentLogger(), { port: 0 });
  return { ctx: running.ctx, url: running.url!.replace('localhost', '127.0.0.1'), stop: running.stop };
}
