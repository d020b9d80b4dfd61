import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * SSRF protection: who may register a webhook must not make this server
 * probe the network it sits in. A receiver's host must resolve to public
 * unicast addresses only (no loopback, private, link-local, unique-local,
 * carrier-grade NAT, reserved or multicast ranges, IPv4-mapped ones
 * included), unless WEBHOOK_ALLOW_PRIVATE=true. Checked when an endpoint is
 * saved and again before every request, whose connection then goes to the
 * addresses checked (DNS may change in between).
 */

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  constructor(
    message: string,
    readonly code: 'PRIVATE_ADDRESS' | 'UNRESOLVABLE',
  ) {
    super(message);
  }
}

export const systemResolver: Resolver = async (host) => {
  const found = await dnsLookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * The range of an address as ipaddr.js names it, with one more: ::/96, the deprecated IPv4-compatible
 * IPv6 addresses (::7f00:1 is ::127.0.0.1), which ipaddr.js counts as unicast but which embed an IPv4
 * address that a host may reach.
 */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return parsed.range();
}

/** Whether an address is public unicast (what a receiver on the internet has). */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * The addresses a request to `host` may connect to: all of them public, or
 * any when private ones are allowed. Throws AddressRefusedError.
 */
export async function vetHost(host: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new AddressRefusedError(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'UNRESOLVABLE');
    }
  }
  if (!addresses.length) throw new AddressRefusedError(`${host} does not resolve`, 'UNRESOLVABLE');
  if (allowPrivate) return addresses;
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  if (refused) {
    const range = addressRange(refused.address);
    throw new AddressRefusedError(
      `${host} resolves to ${refused.address} (${range}): receivers on loopback, private, link-local or reserved addresses are refused unless the server runs with WEBHOOK_ALLOW_PRIVATE=true`,
      'PRIVATE_ADDRESS',
    );
  }
  return addresses;
}
