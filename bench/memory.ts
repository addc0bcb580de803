import { sendRecipient, startTurnFakes } from './fakes';
import type { Section } from './lib';
import { freePort, rssBytes, startProcess, stopProcess } from './processes';
import { customerPhone, openShop, postFromEach } from './shop';
import { appEnv, benchDatabase, sign, whatsappTextBody } from './support';

const CONVERSATIONS = 1000;
const PREFIX = 78;
const MB = 1024 * 1024;
const settle = () => new Promise((r) => setTimeout(r, 3000));

/** The same signed webhooks to either server, so both have served traffic before they are measured. */
async function warm(url: string, phoneNumberId: string, n = 50): Promise<void> {
  for (let i = 0; i < n; i++) {
    const body = whatsappTextBody(phoneNumberId, customerPhone(i, 55), `wamid.warm.${Date.now()}.${i}`, 'salam');
    const res = await fetch(`${url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) }, body });
    await res.arrayBuffer();
  }
}

/**
 * Memory: resident set of the server process idle, and once 1,000 distinct customers have each
 * sent a message and had their turn answered (zero-latency fake model). Baseline: the bare express
 * endpoint's process, started the same way (tsx) and warmed with the same requests.
 */
export async function benchMemory(): Promise<Section> {
  const db = await benchDatabase();
  const fakes = await startTurnFakes();
  const barePort = await freePort();
  const appPort = await freePort();
  const bare = await startProcess('bench/bare-server.ts', { PORT: String(barePort) }, `http://127.0.0.1:${barePort}/webhooks/meta`);
  const app = await startProcess('src/main.ts', appEnv(db.url, { ...fakes.env, PORT: String(appPort) }), `http://127.0.0.1:${appPort}/readyz`);
  let sampler: NodeJS.Timeout | undefined;
  try {
    const url = `http://127.0.0.1:${appPort}`;
    const shop = await openShop(db.url, url);
    await warm(`http://127.0.0.1:${barePort}`, shop.phoneNumberId);
    await warm(url, shop.phoneNumberId);
    await settle();
    const bareRss = rssBytes(bare);
    const idleRss = rssBytes(app);

    let peak = idleRss;
    sampler = setInterval(() => (peak = Math.max(peak, rssBytes(app))), 500);
    const started = Date.now();
    const phones = Array.from({ length: CONVERSATIONS }, (_, i) => customerPhone(i, PREFIX));
    await postFromEach(url, shop.phoneNumberId, phones, 'salam, ch7al la robe?');
    const wanted = new Set(phones);
    const deadline = Date.now() + 240_000;
    for (;;) {
      const answered = new Set(fakes.graph.requests.map(sendRecipient).filter((p): p is string => !!p && wanted.has(p)));
      if (answered.size === CONVERSATIONS) break;
      if (Date.now() > deadline) throw new Error(`memory: only ${answered.size} of ${CONVERSATIONS} conversations answered in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    await settle();
    const loadedRss = rssBytes(app);
    const mb = (b: number) => Number((b / MB).toFixed(1));
    return {
      title: 'Memory: resident set of the server process',
      method: `WAKIL_ROLE=all on Postgres, its own process; RSS of the Node process (from /proc) after warm-up and 3 s idle, then after ${CONVERSATIONS} distinct customers each sent one message and got their reply (${seconds.toFixed(0)} s, peak sampled every 500 ms), then 3 s idle. Baseline: the bare express endpoint, started and warmed the same way.`,
      figures: [
        { name: 'idle RSS', value: mb(idleRss), unit: 'MB', baseline: { name: 'bare express process', value: mb(bareRss) }, ratio: idleRss / bareRss },
        { name: `RSS after ${CONVERSATIONS} active conversations`, value: mb(loadedRss), unit: 'MB', baseline: { name: 'idle RSS', value: mb(idleRss) }, ratio: loadedRss / idleRss },
        { name: 'peak RSS during the 1,000 turns', value: mb(peak), unit: 'MB', baseline: { name: 'idle RSS', value: mb(idleRss) }, ratio: peak / idleRss },
      ],
    };
  } finally {
    clearInterval(sampler);
    await stopProcess(app);
    await stopProcess(bare);
    await fakes.close();
    await db.drop();
  }
}
