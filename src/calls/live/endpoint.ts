import type { LegEndpoint } from '../contract.js';
import type { PbxNumbers } from './pbx-numbers.js';

/** `PJSIP/<resource>-<sequence>` and `IAX2/<resource>-<call number>`: the channels of endpoints and peers. */
const deviceChannel = /^(PJSIP|IAX2)\/(.+)-[0-9a-f]+$/i;

/**
 * What a channel is in this PBX, by its name: an extension (its endpoint is
 * the extension number: digits only), a trunk (a trunk name, which starts
 * with a letter; or the trunk inbound routing named in PBX_TRUNK), or
 * something else (Local channels, unknown endpoints).
 */
export function endpointOf(channelName: string, numbers: PbxNumbers, trunkVariable: string): LegEndpoint {
  const match = deviceChannel.exec(channelName);
  if (!match) return { kind: 'OTHER', name: channelName.replace(/-[0-9a-f]+(;\d)?$/i, '') };
  const resource = match[2]!;
  if (/^[0-9]+$/.test(resource)) return { kind: 'EXTENSION', name: resource };
  if (numbers.trunks.has(resource) || resource === trunkVariable) return { kind: 'TRUNK', name: resource };
  return { kind: 'OTHER', name: `${match[1]}/${resource}` };
}

/**
 * The number a Dial() dialled, from the Dial event's dialstring (the target
 * without its technology): `<number>@<trunk>` (PJSIP through a trunk),
 * `<trunk>/<number>` (IAX2), `<endpoint>/sip:<contact>` (a PJSIP contact), or a bare number.
 */
export function dialledNumber(dialstring: string): string {
  const slash = dialstring.indexOf('/');
  const at = dialstring.indexOf('@');
  if (slash >= 0 && at > slash) return dialstring.slice(0, slash);
  if (at > 0) return dialstring.slice(0, at);
  if (slash >= 0) return dialstring.slice(dialstring.lastIndexOf('/') + 1);
  return dialstring;
}
