import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { section } from '../pbx/render/text.js';
import { canonical, display, ownAddressIn, storedNetwork } from './addresses.js';

/** The res_pjsip_acl object of the bans. */
export const BANS_ACL = 'intrusion-bans';

/**
 * pjsip.conf: the SIP bans as one global ACL (res_pjsip_acl). Every inbound
 * SIP request passes every `type=acl` object before anything else; one that
 * an ACL denies is answered 403 statelessly (no response to an ACK) and goes
 * no further: no endpoint lookup, no authentication, no security event.
 * Within an ACL the last matching rule wins and an address no rule matches
 * is allowed, so a list of `deny=` lines refuses exactly those addresses.
 * No `permit=` lines: a trusted network never overlaps a ban (the service
 * refuses such a ban and lifts it when a trusted network arrives), and an
 * ACL object here does not touch the endpoints' own permit/deny lists.
 *
 * Each value is re-parsed and written in canonical CIDR form: a value
 * Asterisk could not parse would make res_pjsip_acl deny all SIP traffic.
 * A stored value that is not an address, or a ban that holds this host's own
 * address, is left out with a warning.
 */
export function renderBansAcl(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const denies: [string, string][] = [];
  for (const stored of snapshot.security?.sipBans ?? []) {
    const network = storedNetwork(stored);
    if (!network) {
      warnings.push(`IP ban ${JSON.stringify(stored)} is not an address or network and is not enforced`);
      continue;
    }
    // A ban stored before this host's own address was protected (or written by hand) is not enforced.
    const own = ownAddressIn(network);
    if (own) {
      warnings.push(`IP ban ${display(network)} holds ${display(own)}, this host's own address, and is not enforced`);
      continue;
    }
    denies.push(['deny', canonical(network)]);
  }
  if (!denies.length) return { parts: [], warnings };
  return { parts: [section(BANS_ACL, [['type', 'acl'], ...denies])], warnings };
}
