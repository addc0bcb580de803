import dns from 'node:dns';
import net from 'node:net';

/**
 * Tests talk only to this machine: the real Postgres and local fake servers. A forgotten base URL
 * (graph.facebook.com, api.yalidine.app, ...) fails loudly here instead of hanging or leaking.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

const origLookup = dns.lookup;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
(dns as any).lookup = function lookup(hostname: string, ...rest: any[]) {
  if (!isLoopback(hostname)) {
    const cb = rest[rest.length - 1];
    const err = Object.assign(new Error(`network disabled in tests: lookup of ${hostname}`), { code: 'ENOTFOUND' });
    if (typeof cb === 'function') return process.nextTick(() => cb(err));
    throw err;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (origLookup as any).call(dns, hostname, ...rest);
};

const origConnect = net.Socket.prototype.connect;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
(net.Socket.prototype as any).connect = function connect(this: net.Socket, ...args: any[]) {
  const opts = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  const host: string | undefined = opts.host;
  if (!opts.path && host && net.isIP(host) && !isLoopback(host)) {
    throw new Error(`network disabled in tests: connect to ${host}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (origConnect as any).apply(this, args);
};
