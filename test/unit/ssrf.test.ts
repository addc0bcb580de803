import { isBlockedAddress, resolveSafeTarget, type Lookup } from '../../src/merchant-webhooks/ssrf';

const dnsOf = (table: Record<string, string[]>): Lookup => async (host) => (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('SSRF guard for merchant webhook URLs', () => {
  it.each([
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://10.1.2.3/hook', '10/8'],
    ['https://172.20.0.1/hook', '172.16/12'],
    ['https://192.168.1.10/hook', '192.168/16'],
    ['https://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['https://100.64.0.7/hook', 'CGNAT'],
    ['https://[::1]/hook', 'IPv6 loopback'],
    ['https://[::ffff:10.0.0.1]/hook', 'IPv4-mapped private'],
    ['https://[fd00::1]/hook', 'IPv6 unique local'],
    ['https://[fe80::1]/hook', 'IPv6 link-local'],
    ['https://0.0.0.0/hook', 'unspecified'],
  ])('refuses %s (%s)', async (url) => {
    await expect(resolveSafeTarget(url, { lookup: dnsOf({}) })).rejects.toThrow(/private or reserved/);
  });

  it('refuses a DNS name that resolves to a private address, even alongside a public one', async () => {
    const lookup = dnsOf({ 'internal.example.com': ['10.0.0.5'], 'mixed.example.com': ['93.184.216.34', '192.168.0.2'] });
    await expect(resolveSafeTarget('https://internal.example.com/h', { lookup })).rejects.toThrow(/private/);
    await expect(resolveSafeTarget('https://mixed.example.com/h', { lookup })).rejects.toThrow(/private/);
  });

  it('refuses plain http, unusual ports, credentials in the URL and names that do not resolve', async () => {
    const lookup = dnsOf({ 'shop.example.com': ['93.184.216.34'] });
    await expect(resolveSafeTarget('http://shop.example.com/h', { lookup })).rejects.toThrow(/https/);
    await expect(resolveSafeTarget('https://shop.example.com:22/h', { lookup })).rejects.toThrow(/Port 22/);
    await expect(resolveSafeTarget('https://user:pw@shop.example.com/h', { lookup })).rejects.toThrow(/credentials/);
    await expect(resolveSafeTarget('https://nowhere.example.com/h', { lookup })).rejects.toThrow(/does not resolve/);
    await expect(resolveSafeTarget('not a url', { lookup })).rejects.toThrow(/not a valid URL/);
  });

  it('accepts a public HTTPS endpoint and pins the checked address', async () => {
    const t = await resolveSafeTarget('https://shop.example.com:8443/hook', { lookup: dnsOf({ 'shop.example.com': ['93.184.216.34'] }) });
    expect(t.address).toBe('93.184.216.34');
    expect(isBlockedAddress('8.8.8.8')).toBe(false);
    expect(isBlockedAddress('2a00:1450:4007::1')).toBe(false);
  });
});
