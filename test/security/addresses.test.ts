import { describe, expect, it } from 'vitest';
import { canonical, contains, display, overlaps, parseAddress, parseNetwork } from '../../src/security/addresses.js';

const network = (text: string) => {
  const parsed = parseNetwork(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.network;
};

describe('addresses of bans and trusted networks', () => {
  it('reads IPv4 and IPv6 hosts and networks into one canonical form', () => {
    expect(canonical(network('203.0.113.7'))).toBe('203.0.113.7/32');
    expect(display(network('203.0.113.7'))).toBe('203.0.113.7');
    expect(display(network('203.0.113.7/32'))).toBe('203.0.113.7');
    expect(display(network('198.51.100.0/24'))).toBe('198.51.100.0/24');
    expect(display(network('2001:DB8:0:0::7'))).toBe('2001:db8::7');
    expect(canonical(network('2001:db8::/64'))).toBe('2001:db8::/64');
    // An IPv4-mapped IPv6 address is the IPv4 address, as Asterisk's ACLs treat it.
    expect(display(network('::ffff:192.0.2.1'))).toBe('192.0.2.1');
  });

  it('refuses anything that is not exactly an address or a network', () => {
    for (const bad of [
      '',
      'example.com',
      '192.0.2.256',
      '192.0.2',
      '0300.0.0.1',
      '3221225985',
      '0xc0.0.2.1',
      '192.0.2.1/33',
      '192.0.2.1/-1',
      '192.0.2.1/08',
      '192.0.2.1/',
      '2001:db8::1/129',
      'fe80::1%eth0',
      '192.0.2.1,10.0.0.1',
      '192.0.2.1\ndeny=0.0.0.0/0',
      ' 192.0.2.1',
      '192.0.2.1;x',
      '[2001:db8::1]',
      '::ffff:192.0.2.1/128',
    ]) {
      expect(parseNetwork(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('wants a network by its first address and names the one meant', () => {
    const parsed = parseNetwork('192.0.2.7/24');
    expect(parsed).toEqual({ ok: false, message: expect.stringContaining('did you mean 192.0.2.0/24') });
    expect(parseNetwork('2001:db8::7/64')).toEqual({ ok: false, message: expect.stringContaining('did you mean 2001:db8::/64') });
  });

  it('holds a minimum prefix when asked', () => {
    expect(parseNetwork('10.0.0.0/7', { ipv4: 8, ipv6: 16 }).ok).toBe(false);
    expect(parseNetwork('10.0.0.0/8', { ipv4: 8, ipv6: 16 }).ok).toBe(true);
    expect(parseNetwork('2000::/15', { ipv4: 8, ipv6: 16 }).ok).toBe(false);
    expect(parseNetwork('0.0.0.0/0').ok).toBe(true);
  });

  it('matches addresses to networks and networks to networks, never across families', () => {
    expect(contains(network('198.51.100.0/24'), parseAddress('198.51.100.99')!)).toBe(true);
    expect(contains(network('198.51.100.0/24'), parseAddress('198.51.101.1')!)).toBe(false);
    expect(contains(network('2001:db8::/32'), parseAddress('2001:db8:ffff::1')!)).toBe(true);
    expect(contains(network('0.0.0.0/0'), parseAddress('2001:db8::1')!)).toBe(false);
    expect(overlaps(network('10.0.0.0/8'), network('10.1.2.3'))).toBe(true);
    expect(overlaps(network('10.1.2.3'), network('10.0.0.0/8'))).toBe(true);
    expect(overlaps(network('10.0.0.0/16'), network('10.1.0.0/16'))).toBe(false);
  });
});
