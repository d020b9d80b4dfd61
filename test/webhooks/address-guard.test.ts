import { describe, expect, it } from 'vitest';
import { isPublicAddress, vetHost, type Resolver } from '../../src/webhooks/address-guard.js';
import { checkEventTypes, checkUrl } from '../../src/webhooks/endpoint-fields.js';

const resolver =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('SSRF: which receivers are allowed', () => {
  it('allows public unicast addresses only', () => {
    for (const address of ['8.8.8.8', '93.184.216.34', '2001:4860:4860::8888']) expect(isPublicAddress(address), address).toBe(true);
    const internal = ['127.0.0.1', '127.8.9.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '192.0.2.1'];
    // ::/96 (IPv4-compatible, deprecated) embeds an IPv4 address as ::ffff:0:0/96 does: ::7f00:1 is ::127.0.0.1.
    const internal6 = ['::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'ff02::1', '::7f00:1', '::127.0.0.1', '::a00:1'];
    for (const address of [...internal, ...internal6]) expect(isPublicAddress(address), address).toBe(false);
  });

  it('refuses a host any of whose addresses is internal, and one that does not resolve', async () => {
    const resolve = resolver({ 'hooks.example.com': ['93.184.216.34'], 'mixed.example.com': ['93.184.216.34', '10.1.1.1'], 'metadata.example.com': ['169.254.169.254'] });
    await expect(vetHost('hooks.example.com', false, resolve)).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
    await expect(vetHost('mixed.example.com', false, resolve)).rejects.toMatchObject({ code: 'PRIVATE_ADDRESS', message: expect.stringContaining('10.1.1.1 (private)') });
    await expect(vetHost('metadata.example.com', false, resolve)).rejects.toMatchObject({ code: 'PRIVATE_ADDRESS', message: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE') });
    await expect(vetHost('127.0.0.1', false, resolve)).rejects.toMatchObject({ code: 'PRIVATE_ADDRESS' });
    await expect(vetHost('::1', false, resolve)).rejects.toMatchObject({ code: 'PRIVATE_ADDRESS' });
    await expect(vetHost('nowhere.example.com', false, resolve)).rejects.toMatchObject({ code: 'UNRESOLVABLE' });
  });

  it('allows internal receivers when WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const resolve = resolver({ 'intranet.local': ['192.168.1.20'] });
    await expect(vetHost('intranet.local', true, resolve)).resolves.toEqual([{ address: '192.168.1.20', family: 4 }]);
    await expect(vetHost('127.0.0.1', true, resolve)).resolves.toHaveLength(1);
  });

  it('reads an IPv4 address written in other notations as the address it is', () => {
    // The URL parser normalises them, so the guard sees 127.0.0.1.
    expect(checkUrl('http://2130706433/', ['url']).url?.hostname).toBe('127.0.0.1');
    expect(checkUrl('http://0x7f.1/', ['url']).url?.hostname).toBe('127.0.0.1');
  });
});

describe('endpoint fields', () => {
  it('takes http and https URLs only, without credentials', () => {
    expect(checkUrl('https://crm.example.com/pbx?token=x', ['input', 'url']).issues).toEqual([]);
    expect(checkUrl('ftp://crm.example.com/', ['input', 'url']).issues).toEqual([{ path: ['input', 'url'], message: expect.stringContaining('http and https'), code: 'UNSUPPORTED_SCHEME' }]);
    expect(checkUrl('file:///etc/passwd', ['input', 'url']).issues[0]!.code).toBe('UNSUPPORTED_SCHEME');
    expect(checkUrl('not a url', ['input', 'url']).issues[0]!.code).toBe('INVALID_FORMAT');
    expect(checkUrl('https://user:pass@crm.example.com/', ['input', 'url']).issues[0]!.message).toMatch(/credentials/);
    expect(checkUrl(`https://crm.example.com/${'a'.repeat(2000)}`, ['input', 'url']).issues[0]!.code).toBe('OUT_OF_BOUNDS');
  });

  it('takes known event types, each once, at least one', () => {
    expect(checkEventTypes(['call.ringing', 'callRecord.created'], ['input', 'eventTypes'])).toEqual({ types: ['call.ringing', 'callRecord.created'], issues: [] });
    expect(checkEventTypes([], ['input', 'eventTypes']).issues).toEqual([{ path: ['input', 'eventTypes'], message: expect.stringContaining('at least one'), code: 'REQUIRED' }]);
    expect(checkEventTypes(['call.ringing', 'call.rung', 'call.ringing'], ['input', 'eventTypes']).issues).toEqual([
      { path: ['input', 'eventTypes', '1'], message: expect.stringContaining('unknown event type call.rung'), code: 'INVALID_VALUE' },
      { path: ['input', 'eventTypes', '2'], message: 'call.ringing is listed twice', code: 'DUPLICATE' },
    ]);
    expect(checkEventTypes(['webhook.test'], ['input', 'eventTypes']).issues[0]!.code).toBe('INVALID_VALUE');
  });
});
