import { startTurnFakes, isSendTo } from '../fakes';
import { freePort, startProcess, stopProcess } from '../processes';
import { openShop, postText } from '../shop';
import { appEnv, benchDatabase } from '../support';
async function main() {
  const db = await benchDatabase();
  const fakes = await startTurnFakes();
  const port = await freePort();
  const app = await startProcess('src/main.ts', appEnv(db.url, { ...fakes.env, PORT: String(port), LOG_LEVEL: 'info', JOBS_POLL_INTERVAL_MS: '50' }), `http://127.0.0.1:${port}/readyz`);
  app.stdout?.on('data', (d) => process.stdout.write(String(d).split('\n').filter((l) => !/"req"/.test(l)).join('\n')));
  try {
    const url = `http://127.0.0.1:${port}`;
    const body = JSON.stringify({ model: 'claude-haiku-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'salam' }] });
    for (let i = 0; i < 3; i++) { const res = await fetch(`${fakes.ai.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'bench', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body }); console.log(res.status, await res.text()); }
    const shop = await openShop(db.url, url);
    for (let i = 0; i < 25; i++) {
      const phone = `21360${String(i).padStart(7, '0')}`;
      const reply = fakes.graphArrivals.next(isSendTo(phone), 20000);
      await postText(url, shop.phoneNumberId, phone, 'salam, 3andkom la robe noire?', `wamid.turn.60.${i}.${Date.now()}`);
      const t0 = Date.now(); const ok = await reply.then(() => true, () => false); console.log('ms', Date.now() - t0);
      console.log('TURN', i, ok, fakes.ai.requests.length, fakes.graph.requests.length);
      if (!ok) break;
    }
    console.log('ai', fakes.ai.requests.length, 'graph', JSON.stringify(fakes.graph.requests.map((r) => [r.path, r.body])).slice(0, 1000));
  } finally { await stopProcess(app); await fakes.close(); await db.drop(); }
}
main();
