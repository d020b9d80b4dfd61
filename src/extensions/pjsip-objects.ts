import { availableTransports } from '../pbx/render/pjsip.js';
import { permissionContext } from '../dial-permissions/context.js';
import { createHash } from 'node:crypto';
import { Composed, safe, section } from '../pbx/render/text.js';
import type { ObjectField, PushedObject } from '../pbx/objects/types.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import type { SnapshotExtension } from './snapshot.js';
import { extensionWhitelist, outboundWhitelistVariable, whitelistId } from '../whitelists/config.js';

/** PJSIP objects of IP extensions (F-4.1.2.a–c): endpoint, auth and aor. */

const codecNames: Record<string, string> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };
const videoCodecNames: Record<string, string> = { H261: 'h261', H263: 'h263', H263P: 'h263p', H264: 'h264', VP8: 'vp8' };
const dtmfModes: Record<string, string> = { RFC4733: 'rfc4733', INBAND: 'inband', SIP_INFO: 'info', AUTO: 'auto' };

/**
 * The addresses an extension may register and call from, or none for anywhere:
 * its trusted addresses, else the local networks when it may not register from
 * outside (F-4.1.2.c).
 */
function permittedAddresses(ext: SnapshotExtension, snapshot: PbxSnapshot): string[] {
  if (ext.trustedAddresses.length) return ext.trustedAddresses;
  return !ext.remoteRegistration && snapshot.settings.sip.localNets.length ? [...snapshot.settings.sip.localNets, '127.0.0.0/8'] : [];
}

/**
 * A named ACL of acl.conf per distinct address list, named by a digest of it, so a
 * name always means the same addresses. Endpoints name it in their single `acl`
 * option: Asterisk appends ACL options on every update of a pushed object, and
 * does not store `permit`/`deny` of such an object in astdb at all.
 */
export const aclName = (permits: string[]) => `pbx-acl-${createHash('sha256').update(permits.join(',')).digest('hex').slice(0, 12)}`;

/** acl.conf: the named ACLs the extensions use. */
export function extensionAcls(snapshot: PbxSnapshot): { parts: string[] } {
  const lists = new Map<string, string[]>();
  for (const ext of snapshot.extensions) {
    const permits = ext.enabled ? permittedAddresses(ext, snapshot) : [];
    if (permits.length) lists.set(aclName(permits), permits);
  }
  const parts = [...lists]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, permits]) => section(name, [['deny', '0.0.0.0/0.0.0.0'], ['deny', '::/0'], ...permits.map((p): [string, string] => ['permit', safe(p, `trusted address ${p}`)])]));
  return { parts };
}

/** The id of the OUTBOUND whitelist an extension links to, or '' (F-4.5.10). */
function outboundWhitelistId(snapshot: PbxSnapshot, ext: SnapshotExtension): string {
  const list = extensionWhitelist(snapshot, ext);
  return list?.direction === 'OUTBOUND' ? whitelistId(list.id) : '';
}

/** `PBX_WHITELIST_OUT=<id>` for an extension linked to an OUTBOUND whitelist (F-4.5.10). */
export function outboundWhitelist(snapshot: PbxSnapshot, ext: SnapshotExtension): Composed | undefined {
  const id = outboundWhitelistId(snapshot, ext);
  return id ? new Composed(`${outboundWhitelistVariable}=${id}`) : undefined;
}

export const callerId = (ext: SnapshotExtension) => new Composed(`"${safe(ext.name, `extension ${ext.number} name`)}" <${safe(ext.number, 'extension number')}>`);

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/**
 * The endpoint's options. Every option the server ever sets is sent, with an
 * explicit default when it is off, because an update applies the fields on top
 * of the old object. No `set_var`: Asterisk does not keep it in astdb; the
 * dialplan looks the caller's data up instead (coreContexts.caller).
 */
function endpointFields(ext: SnapshotExtension, snapshot: PbxSnapshot, available: Set<string>): ObjectField[] {
  const n = ext.number;
  const transport = `transport-${ext.transport.toLowerCase()}`;
  const codecs = ext.codecs.map((c) => codecNames[c]!).join(',');
  const permits = permittedAddresses(ext, snapshot);
  const fields: [string, string][] = [
    ['transport', available.has(transport) ? transport : ''],
    ['context', permissionContext(ext.dialPermission)],
    ['disallow', 'all'],
    ['allow', ext.videoEnabled ? `${codecs},${videoCodecNames[ext.videoCodec]}` : codecs],
    ['aors', n],
    ['auth', `${n}-auth`],
    ['callerid', callerId(ext).text],
    ['dtmf_mode', dtmfModes[ext.dtmfMode]!],
    ['media_encryption', ext.srtp ? 'sdes' : 'no'],
    ['rtp_symmetric', yesNo(ext.nat)],
    ['force_rport', yesNo(ext.nat)],
    ['rewrite_contact', yesNo(ext.nat)],
    ['direct_media', 'no'],
    ['ice_support', yesNo(snapshot.settings.sip.iceEnabled)],
    ['mailboxes', ext.voicemailEnabled ? `${n}@default` : ''],
    ['language', ext.language === 'DEFAULT' ? '' : ext.language],
    ['moh_suggest', ext.mohClass || 'default'],
    ['named_call_group', ext.pickupGroups.join(',')],
    ['named_pickup_group', ext.pickupGroups.join(',')],
    ['send_pai', yesNo(ext.sendPai)],
    ['send_rpid', yesNo(ext.sendRpid)],
    ['trust_id_outbound', yesNo(ext.sendPai || ext.sendRpid)],
    ['rtp_timeout', String(ext.rtpTimeoutSeconds)],
    ['inband_progress', yesNo(ext.inbandProgress)],
    ...(permits.length ? [['acl', aclName(permits)] as [string, string]] : []),
  ];
  // The caller ID was put together from checked parts and holds quotes; every other value is checked here.
  return fields.map(([name, value]) => [name, name === 'callerid' ? value : safe(value, `extension ${n} ${name}`)]);
}

/**
 * Per enabled extension an auth, an aor and an endpoint (F-4.1.2.a–c), in the
 * order they are pushed: the endpoint names the other two. A disabled
 * extension has none, so it can neither register nor be called.
 */
export function extensionPjsipObjects(snapshot: PbxSnapshot): { objects: PushedObject[]; warnings: string[] } {
  const available = availableTransports(snapshot);
  const warnings: string[] = [];
  const objects: PushedObject[] = [];
  for (const ext of snapshot.extensions) {
    if (!ext.enabled) continue;
    const n = ext.number;
    const owner = { domain: 'extensions', id: ext.id };
    const object = (type: string, id: string, fields: ObjectField[], appendOnly?: string[]): PushedObject => ({
      configClass: 'res_pjsip',
      type,
      id,
      fields,
      owner,
      ...(appendOnly ? { appendOnly } : {}),
    });
    if (ext.transport === 'TLS' && !available.has('transport-tls')) warnings.push(`extension ${n} asks for TLS, but no TLS certificate is configured: it may register over UDP or TCP`);
    objects.push(
      object(`auth`, `${n}-auth`, [
        ['auth_type', 'userpass'],
        ['username', n],
        ['password', safe(ext.password, `extension ${n} password`)],
      ]),
      object('aor', n, [
        ['max_contacts', String(ext.maxContacts)],
        ['remove_existing', yesNo(ext.maxContacts === 1)],
        ['qualify_frequency', String(ext.qualifyFrequencySeconds)],
        ['qualify_timeout', String(ext.qualifyTimeoutSeconds)],
        ['default_expiration', String(ext.registrationExpirySeconds)],
        ['maximum_expiration', String(Math.max(ext.registrationExpirySeconds, 3600))],
        ['mailboxes', ext.voicemailEnabled ? `${n}@default` : ''],
      ]),
      object('endpoint', n, endpointFields(ext, snapshot, available), ['acl']),
    );
  }
  return { objects, warnings };
}
