import ipaddr from 'ipaddr.js';

/**
 * IP addresses and networks of bans and trusted networks: parsed strictly,
 * stored and rendered in one canonical form (`203.0.113.7/32`,
 * `2001:db8::/64`), so what reaches pjsip.conf is always an address
 * Asterisk's ACL parser accepts. An ACL value Asterisk cannot parse makes
 * res_pjsip_acl deny every SIP request, so nothing else may reach a file.
 */
export type Network = { family: 'ipv4' | 'ipv6'; address: ipaddr.IPv4 | ipaddr.IPv6; prefix: number };

export type ParseResult = { ok: true; network: Network } | { ok: false; message: string };

const IPV4 = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/** One address, IPv4 (dotted decimal, no leading zeros) or IPv6 (no zone); an IPv4-mapped IPv6 address becomes IPv4, as Asterisk's ACLs treat it. */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (IPV4.test(text)) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
  if (IPV6.test(text) && text.includes(':') && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return null;
}

/**
 * An address (a host: /32 or /128) or a network in CIDR notation. The
 * network must be given by its first address (`192.0.2.0/24`, not
 * `192.0.2.7/24`), so what is stored is what was meant.
 */
export function parseNetwork(text: string, minPrefix: { ipv4: number; ipv6: number } = { ipv4: 0, ipv6: 0 }): ParseResult {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const address = parseAddress(addressText);
  if (!address) return { ok: false, message: 'an IPv4 or IPv6 address (e.g. 203.0.113.7 or 2001:db8::7), optionally with a CIDR prefix (/24)' };
  const family = address.kind();
  const max = family === 'ipv4' ? 32 : 128;
  // An IPv4-mapped address with an IPv6 prefix has no IPv4 meaning: refused rather than guessed.
  if (prefixText !== null && family === 'ipv4' && addressText.includes(':')) return { ok: false, message: 'an IPv4-mapped IPv6 address cannot take a prefix; give the IPv4 address' };
  if (prefixText !== null && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return { ok: false, message: `the prefix after / must be a number 0–${max}` };
  const prefix = prefixText === null ? max : Number(prefixText);
  if (prefix > max) return { ok: false, message: `the prefix after / must be a number 0–${max}` };
  if (prefix < minPrefix[family]) return { ok: false, message: `the network may be at most a /${minPrefix[family]} (${family === 'ipv4' ? 'IPv4' : 'IPv6'})` };
  const first = networkAddress(address, prefix);
  if (first.toString() !== address.toString()) return { ok: false, message: `${addressText}/${prefix} is not the first address of its network; did you mean ${first.toString()}/${prefix}?` };
  return { ok: true, network: { family, address, prefix } };
}

function networkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
}

/** The stored and rendered form: the canonical address, then `/prefix` (also for a single host). */
export function canonical(network: Network): string {
  return `${network.address.toString()}/${network.prefix}`;
}

/** Parses a stored (canonical) network; null when it is not one (a row written by hand). */
export function storedNetwork(text: string): Network | null {
  const parsed = parseNetwork(text);
  return parsed.ok ? parsed.network : null;
}

/** Whether `address` lies in `network`. */
export function contains(network: Network, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (network.family !== address.kind()) return false;
  return network.family === 'ipv4' ? (address as ipaddr.IPv4).match(network.address, network.prefix) : (address as ipaddr.IPv6).match(network.address, network.prefix);
}

/** Whether two networks share an address (one contains the other's first address, for prefix networks). */
export function overlaps(a: Network, b: Network): boolean {
  if (a.family !== b.family) return false;
  return a.prefix <= b.prefix ? contains(a, b.address) : contains(b, a.address);
}

/** `203.0.113.7/32` reads `203.0.113.7`; a network keeps its prefix. */
export function display(network: Network): string {
  const host = network.prefix === (network.family === 'ipv4' ? 32 : 128);
  return host ? network.address.toString() : canonical(network);
}

/**
 * The host's own loopback addresses (127.0.0.1, ::1): what the PBX itself, and a proxy or SBC in
 * front of it on the same machine, send from. Like fail2ban's default `ignoreip`, they are never
 * banned: a ban would cut the PBX off from itself, or from every phone behind such a proxy. The
 * rest of 127.0.0.0/8 stays bannable (a local test may play an attacker from 127.0.0.66).
 */
const ownAddresses: readonly Network[] = [parseNetwork('127.0.0.1'), parseNetwork('::1')].map((parsed) => {
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.network;
});

/** The host's own address that `network` contains, if any. */
export function ownAddressIn(network: Network): Network | null {
  return ownAddresses.find((own) => overlaps(network, own)) ?? null;
}

/** Whether `address` is one of the host's own addresses. */
export function isOwnAddress(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return ownAddresses.some((own) => contains(own, address));
}

/**
 * A local network as the manual writes it, `ip/netmask` (192.168.1.0/255.255.255.0), or in CIDR
 * notation (192.168.1.0/24, 2001:db8::/32), given by its first address: Asterisk reads both in
 * `local_net` and in an ACL. The netmask must be contiguous (255.255.0.0, not 255.0.255.0).
 */
export function parseLocalNet(text: string): ParseResult {
  const slash = text.indexOf('/');
  const mask = slash < 0 ? '' : text.slice(slash + 1);
  if (!mask.includes('.')) return parseNetwork(text);
  const prefix = ipaddr.IPv4.isValidFourPartDecimal(mask) ? ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask() : null;
  if (prefix === null) return { ok: false, message: `${mask} is not a netmask (e.g. 255.255.255.0: ones, then zeros)` };
  const address = text.slice(0, slash);
  if (address.includes(':')) return { ok: false, message: 'an IPv6 network takes a CIDR prefix (2001:db8::/32), not a netmask' };
  return parseNetwork(`${address}/${prefix}`);
}
