import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

let spawned = 0;

/**
 * BENCH_CHILD_LOG_DIR=<dir> keeps each child's output in <dir>/<n>-<entry>.log, to see why a
 * process misbehaved under load (run with LOG_LEVEL-raising env in the suite if needed).
 * BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of each child into <dir> when it exits (open it
 * in Chrome DevTools), to see where a figure's time goes.
 */
function spawnEntry(entry: string, env: Record<string, string>): ChildProcess {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  // Node refuses --cpu-prof in NODE_OPTIONS: run node itself, with tsx as a loader (as npm start does).
  const [cmd, args] = profileDir
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`, '--import', 'tsx', path.join(ROOT, entry)]]
    : [TSX, [path.join(ROOT, entry)]];
  const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const dir = process.env.BENCH_CHILD_LOG_DIR;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    const log = fs.createWriteStream(path.join(dir, `${++spawned}-${path.basename(entry, '.ts')}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  return child;
}

/** Starts a TypeScript entry point in its own process (so load generator and server do not share a core's event loop). */
export async function startProcess(entry: string, env: Record<string, string>, readyUrl: string, timeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawnEntry(entry, env);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  child.stdout?.resume();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${entry} exited: ${stderr.slice(-2000)}`);
    try {
      const r = await fetch(readyUrl);
      if (r.status < 500) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${entry} did not become ready: ${stderr.slice(-2000)}`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts a process that serves no HTTP (a WAKIL_ROLE=worker) and waits for a line on its stdout
 * that says it is running. Needs LOG_LEVEL=info or lower for the app's start-up log line.
 */
export async function startQuietProcess(entry: string, env: Record<string, string>, readyLine: RegExp, timeoutMs = 60_000): Promise<ChildProcess> {
  const child = spawnEntry(entry, env);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not report ready: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-4096);
      if (!readyLine.test(out)) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve();
    };
    child.stdout?.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited: ${stderr.slice(-2000)}`));
    });
  });
  return child;
}

/**
 * Resident memory of the Node process that runs the entry. tsx starts the script in a child
 * node process; that leaf is what we measure (the tsx launcher is the same for every side).
 */
export function rssBytes(child: ChildProcess): number {
  let pid = child.pid!;
  for (;;) {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (!kids.length) break;
    pid = Number(kids[0]);
  }
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}
