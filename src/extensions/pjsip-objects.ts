import { availableTransports } from '../pbx/render/pjsip.js';
import { permissionContext } from '../dial-permissions/context.js';
import { Composed, dialplanSafe, safe, section, type OptionValue } from '../pbx/render/text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { SnapshotExtension } from './snapshot.js';
import { extensionWhitelist, outboundWhitelistVariable, whitelistId } from '../whitelists/config.js';

/** PJSIP objects of IP extensions (F-4.1.2.a–c): endpoint, auth and aor. */

const codecNames: Record<string, string> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };
const videoCodecNames: Record<string, string> = { H261: 'h261', H263: 'h263', H263P: 'h263p', H264: 'h264', VP8: 'vp8' };
const dtmfModes: Record<string, string> = { RFC4733: 'rfc4733', INBAND: 'inband', SIP_INFO: 'info', AUTO: 'auto' };

function acl(ext: SnapshotExtension, snapshot: PbxSnapshot): [string, string][] {
  const permits = ext.trustedAddresses.length ? ext.trustedAddresses : !ext.remoteRegistration && snapshot.settings.sip.localNets.length ? [...snapshot.settings.sip.localNets, '127.0.0.0/8'] : [];
  if (!permits.length) return [];
  return [['deny', '0.0.0.0/0.0.0.0'], ['deny', '::/0'], ...permits.map((p): [string, string] => ['permit', p])];
}

/** `PBX_WHITELIST_OUT=<id>` for an extension linked to an OUTBOUND whitelist (F-4.5.10). */
export function outboundWhitelist(snapshot: PbxSnapshot, ext: SnapshotExtension): Composed | undefined {
  const list = extensionWhitelist(snapshot, ext);
  return list?.direction === 'OUTBOUND' ? new Composed(`${outboundWhitelistVariable}=${whitelistId(list.id)}`) : undefined;
}

export const callerId = (ext: SnapshotExtension) => new Composed(`"${safe(ext.name, `extension ${ext.number} name`)}" <${safe(ext.number, 'extension number')}>`);

function endpoint(ext: SnapshotExtension, snapshot: PbxSnapshot, available: Set<string>): string {
  const n = ext.number;
  const transport = `transport-${ext.transport.toLowerCase()}`;
  const codecs = ext.codecs.map((c) => codecNames[c]!).join(',');
  const options: [string, OptionValue][] = [
    ['type', 'endpoint'],
    ['transport', available.has(transport) ? transport : undefined],
    ['context', permissionContext(ext.dialPermission)],
    ['disallow', 'all'],
    ['allow', ext.videoEnabled ? `${codecs},${videoCodecNames[ext.videoCodec]}` : codecs],
    ['aors', n],
    ['auth', `${n}-auth`],
    ['callerid', callerId(ext)],
    ['dtmf_mode', dtmfModes[ext.dtmfMode]],
    ['media_encryption', ext.srtp ? 'sdes' : undefined],
    ['rtp_symmetric', ext.nat],
    ['force_rport', ext.nat],
    ['rewrite_contact', ext.nat],
    ['direct_media', false],
    ['ice_support', snapshot.settings.sip.iceEnabled],
    ['mailboxes', ext.voicemailEnabled ? `${n}@default` : undefined],
    ['language', ext.language === 'DEFAULT' ? undefined : ext.language],
    ['moh_suggest', ext.mohClass],
    ['named_call_group', ext.pickupGroups.join(',')],
    ['named_pickup_group', ext.pickupGroups.join(',')],
    ['send_pai', ext.sendPai],
    ['send_rpid', ext.sendRpid],
    ['trust_id_outbound', ext.sendPai || ext.sendRpid],
    ['rtp_timeout', ext.rtpTimeoutSeconds || undefined],
    ['inband_progress', ext.inbandProgress],
    // The dialplan reads the caller's recording mode from its channel (F-4.1.2.b, OUTBOUND/BOTH).
    ['set_var', new Composed(`PBX_RECORDING=${safe(ext.recording, `extension ${n} recording`)}`)],
    // Dial rules send one of the extension's outbound caller IDs, as each entry says (F-4.3.2.a).
    ['set_var', ext.outboundCallerId1 ? new Composed(`PBX_CID1=${dialplanSafe(ext.outboundCallerId1, `extension ${n} outbound caller ID 1`)}`) : undefined],
    ['set_var', ext.outboundCallerId2 ? new Composed(`PBX_CID2=${dialplanSafe(ext.outboundCallerId2, `extension ${n} outbound caller ID 2`)}`) : undefined],
    // An OUTBOUND whitelist: dial rules let it dial only the numbers of that list (F-4.5.10).
    ['set_var', outboundWhitelist(snapshot, ext)],
    ...acl(ext, snapshot),
  ];
  return section(n, options);
}

/**
 * pjsip.conf: per enabled extension an endpoint, an auth and an aor
 * (F-4.1.2.a–c). A disabled extension has none, so it can neither register
 * nor be called.
 */
export function pjsipObjects(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const available = availableTransports(snapshot);
  const warnings: string[] = [];
  const parts: string[] = [];
  for (const ext of snapshot.extensions) {
    if (!ext.enabled) continue;
    const n = ext.number;
    if (ext.transport === 'TLS' && !available.has('transport-tls')) warnings.push(`extension ${n} asks for TLS, but no TLS certificate is configured: it may register over UDP or TCP`);
    parts.push(
      `; extension ${n}\n` + endpoint(ext, snapshot, available),
      section(`${n}-auth`, [
        ['type', 'auth'],
        ['auth_type', 'userpass'],
        ['username', n],
        ['password', ext.password],
      ]),
      section(n, [
        ['type', 'aor'],
        ['max_contacts', ext.maxContacts],
        ['remove_existing', ext.maxContacts === 1],
        ['qualify_frequency', ext.qualifyFrequencySeconds],
        ['qualify_timeout', ext.qualifyTimeoutSeconds],
        ['default_expiration', ext.registrationExpirySeconds],
        ['maximum_expiration', Math.max(ext.registrationExpirySeconds, 3600)],
        ['mailboxes', ext.voicemailEnabled ? `${n}@default` : undefined],
      ]),
    );
  }
  return { parts, warnings };
}
