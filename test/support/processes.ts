import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../bench/processes';

const ROOT = path.resolve(__dirname, '../..');

export interface AppProcess {
  name: string;
  role: 'web' | 'worker' | 'all';
  child: ChildProcess;
  /** Set for web/all. */
  url?: string;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  logs: string[];
  /** kill -9 (or another signal) to the whole process group; resolves when it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful), then SIGKILL after a grace period. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<AppProcess>();

// A jest worker that dies must not leave servers behind: kill whatever is still running.
process.once('exit', () => {
  for (const p of running) killGroup(p.child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * `src/main.ts` in its own process, as production runs it (node with the tsx loader, one process
 * per role), in its own process group so a SIGKILL takes everything it started with it.
 * Ready: /readyz answers (web, all) or the worker logged that it started.
 */
export async function spawnApp(opts: { role: 'web' | 'worker' | 'all'; env: Record<string, string>; name?: string; readyTimeoutMs?: number }): Promise<AppProcess> {
  const port = opts.role === 'worker' ? 0 : await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...opts.env, WAKIL_ROLE: opts.role, PORT: String(port) },
  });
  const logs: string[] = [];
  let started = false;
  const onData = (d: Buffer) => {
    for (const line of d.toString('utf8').split('\n')) {
      if (!line) continue;
      if (line.includes('Wakil worker started')) started = true;
      logs.push(line);
      if (logs.length > 400) logs.shift();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const p: AppProcess = {
    name: opts.name ?? opts.role,
    role: opts.role,
    child,
    url: opts.role === 'worker' ? undefined : `http://127.0.0.1:${port}`,
    logs,
    async kill(signal = 'SIGKILL') {
      killGroup(child, signal);
      await exited;
      running.delete(p);
    },
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(p);
        return;
      }
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      killGroup(child, 'SIGTERM');
      await exited;
      clearTimeout(timer);
      running.delete(p);
    },
  };
  running.add(p);

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(p);
      throw new Error(`${p.name} exited before it was ready:\n${logs.slice(-30).join('\n')}`);
    }
    if (p.url) {
      try {
        const r = await fetch(`${p.url}/readyz`);
        if (r.status === 200) return p;
      } catch {
        // not listening yet
      }
    } else if (started) {
      return p;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await p.kill();
  throw new Error(`${p.name} was not ready in time:\n${logs.slice(-30).join('\n')}`);
}

/** Stops every process this test file started (afterAll, also after a failure). */
export async function stopAllApps(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(5_000)));
}
