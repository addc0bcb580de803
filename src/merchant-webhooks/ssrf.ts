import dns from 'node:dns';
import net from 'node:net';
import { invalidInput } from '../errors';

/**
 * Merchant webhook URLs are typed by merchants, so they are attacker-controlled: a URL must not
 * reach our own network (loopback, private ranges, link-local incl. the cloud metadata address,
 * CGNAT, multicast, reserved and documentation ranges, and their IPv6 / IPv4-mapped forms).
 * Checked on every resolved address, at registration and at every delivery and redirect hop,
 * and the connection is pinned to the checked address so DNS cannot change its answer in between.
 */
const BLOCKED = new net.BlockList();
for (const [net4, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, 169.254.169.254 = cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net4, prefix, 'ipv4');
}
for (const [net6, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 can reach IPv4 ranges
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net6, prefix, 'ipv6');
}

export const ALLOWED_PORTS = new Set([443, 8443]);

export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return true;
}

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
export const systemLookup: Lookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface SafeTarget {
  url: URL;
  address: string;
  family: number;
}

/**
 * Validates a webhook URL and resolves it to one address that is safe to connect to.
 * `allowLoopback` exists for local development and tests; production config refuses it.
 */
export async function resolveSafeTarget(raw: string, opts: { lookup?: Lookup; allowLoopback?: boolean } = {}): Promise<SafeTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidInput('The webhook URL is not a valid URL');
  }
  if (url.username || url.password) throw invalidInput('The webhook URL must not contain credentials');
  const loopbackOk = (a: string) => opts.allowLoopback === true && (a === '::1' || a.startsWith('127.'));
  if (url.protocol !== 'https:' && !(opts.allowLoopback && url.protocol === 'http:')) {
    throw invalidInput('The webhook URL must use https://');
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (!ALLOWED_PORTS.has(port) && !opts.allowLoopback) throw invalidInput(`Port ${port} is not allowed for webhooks: use 443 or 8443`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await (opts.lookup ?? systemLookup)(host).catch(() => []);
  if (addresses.length === 0) throw invalidInput(`The webhook host ${host} does not resolve`);
  // Every answer must be public: a name with one public and one private address is refused,
  // since the client could be steered to either.
  for (const a of addresses) {
    if (isBlockedAddress(a.address) && !loopbackOk(a.address)) {
      throw invalidInput(`The webhook URL points to a private or reserved address (${host}); use a public HTTPS endpoint`);
    }
  }
  return { url, address: addresses[0]!.address, family: addresses[0]!.family };
}
