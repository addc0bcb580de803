import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort, startProcess, stopProcess } from '../processes';
import { APP_SECRET, benchDatabase, sign, whatsappTextBody } from '../support';

async function main() {
  const db = await benchDatabase();
  const port = await freePort();
  const key = 'q8hH0u6m6rYl3xJk6b6bYQe7kI0H2oZ0Jm6yQm8b9yA=';
  const app = await startProcess('src/main.ts', { PORT: String(port), DATABASE_URL: db.url, WAKIL_ROLE: 'web', NODE_OPTIONS: '--require /tmp/wdiag/prof.cjs', LOG_LEVEL: 'warn', NODE_ENV: 'production', FERNET_KEYS: key, META_APP_SECRET: APP_SECRET, META_VERIFY_TOKEN: 'bench' }, `http://127.0.0.1:${port}/readyz`);
  try {
    const out = execFileSync('node_modules/.bin/tsx', ['src/cli/index.ts', 'workspace', 'create', '--name', 'B', '--owner-email', `b${Date.now()}@example.test`, '--json'], { cwd: '/work/main', env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'silent', FERNET_KEYS: key }, encoding: 'utf8' });
    const { api_key } = JSON.parse(out);
    const pid = `1${Date.now()}`;
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/channels`, { method: 'POST', headers: { authorization: `Bearer ${api_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'whatsapp', external_id: pid, access_token: 'bench-token' }) });
    console.log('channel', r.status);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    for (const conns of [1]) {
      let n = 0;
      const waits: string[] = [];
      const iv = setInterval(async () => {
        const q = await pg.query("select wait_event_type, wait_event, left(query, 80) q from pg_stat_activity where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid()");
        for (const row of q.rows) waits.push(`${row.wait_event_type}/${row.wait_event} ${row.q}`);
      }, 100);
      const res = await autocannon({ url: `http://127.0.0.1:${port}`, duration: 15, connections: conns, requests: [{ method: 'POST', path: '/webhooks/meta', setupRequest: (req: Record<string, unknown>) => { n++; const body = whatsappTextBody(pid, `21366${String(n % 50).padStart(7, '0')}`, `wamid.${conns}.${n}`, 'salam'); return { ...req, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) } }; } }] });
      clearInterval(iv); require('node:fs').writeFileSync('/tmp/wdiag/stop', ''); await new Promise((r) => setTimeout(r, 1500));
      console.log(conns, 'rps', res.requests.average, 'p50', res.latency.p50, 'non2xx', res.non2xx);
      const counts = new Map<string, number>();
      for (const w of waits) counts.set(w, (counts.get(w) ?? 0) + 1);
      console.log([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12));
    }
    await pg.end();
  } finally {
    await stopProcess(app);
    await db.drop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
