import type { PbxSnapshot, SnapshotExtension } from './snapshot.js';
import { Composed, file, safe, section, type OptionValue } from './text.js';

const codecNames: Record<string, string> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };
const videoCodecNames: Record<string, string> = { H261: 'h261', H263: 'h263', H263P: 'h263p', H264: 'h264', VP8: 'vp8' };
const dtmfModes: Record<string, string> = { RFC4733: 'rfc4733', INBAND: 'inband', SIP_INFO: 'info', AUTO: 'auto' };

export const INTERNAL_CONTEXT = 'pbx-internal';

/** Which transports exist: TLS only with a certificate (Asterisk refuses a TLS transport without one). */
function transports(snapshot: PbxSnapshot) {
  const sip = snapshot.settings.sip;
  const nat: [string, string | number | undefined][] = [
    ['external_media_address', sip.externalMediaAddress],
    ['external_signaling_address', sip.externalSignalingAddress],
    ...sip.localNets.map((net): [string, string] => ['local_net', net]),
  ];
  const list: { name: string; protocol: string; text: string }[] = [];
  const add = (name: string, protocol: string, port: number, externalPort: number) =>
    list.push({ name, protocol, text: section(name, [['type', 'transport'], ['protocol', protocol], ['bind', `0.0.0.0:${port}`], ...nat, ['external_signaling_port', externalPort || undefined]]) });
  add('transport-udp', 'udp', sip.udpPort, sip.externalSignalingPortUdp);
  add('transport-tcp', 'tcp', sip.tcpPort, sip.externalSignalingPortTcp);
  if (sip.tlsCertFile && sip.tlsKeyFile) {
    list.push({
      name: 'transport-tls',
      protocol: 'tls',
      text: section('transport-tls', [['type', 'transport'], ['protocol', 'tls'], ['bind', `0.0.0.0:${sip.tlsPort}`], ['cert_file', sip.tlsCertFile], ['priv_key_file', sip.tlsKeyFile], ['method', 'tlsv1_2'], ...nat, ['external_signaling_port', sip.externalSignalingPortTls || undefined]]),
    });
  }
  return list;
}

function acl(ext: SnapshotExtension, snapshot: PbxSnapshot): [string, string][] {
  const permits = ext.trustedAddresses.length
    ? ext.trustedAddresses
    : !ext.remoteRegistration && snapshot.settings.sip.localNets.length
      ? [...snapshot.settings.sip.localNets, '127.0.0.0/8']
      : [];
  if (!permits.length) return [];
  return [['deny', '0.0.0.0/0.0.0.0'], ['deny', '::/0'], ...permits.map((p): [string, string] => ['permit', p])];
}

function endpoint(ext: SnapshotExtension, snapshot: PbxSnapshot, available: Set<string>): string {
  const n = ext.number;
  const transport = `transport-${ext.transport.toLowerCase()}`;
  const codecs = ext.codecs.map((c) => codecNames[c]!).join(',');
  const options: [string, OptionValue][] = [
    ['type', 'endpoint'],
    ['transport', available.has(transport) ? transport : undefined],
    ['context', INTERNAL_CONTEXT],
    ['disallow', 'all'],
    ['allow', ext.videoEnabled ? `${codecs},${videoCodecNames[ext.videoCodec]}` : codecs],
    ['aors', n],
    ['auth', `${n}-auth`],
    ['callerid', new Composed(`"${safe(ext.name, `extension ${n} name`)}" <${safe(n, 'extension number')}>`)],
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
    ['device_state_busy_at', undefined],
    ...acl(ext, snapshot),
  ];
  return section(n, options);
}

/**
 * pjsip.conf: global settings, transports (F-4.6.2.a) and per enabled
 * extension an endpoint, an auth and an aor (F-4.1.2.a–c). A disabled
 * extension has none, so it can neither register nor be called.
 */
export function renderPjsip(snapshot: PbxSnapshot): { text: string; warnings: string[] } {
  const sip = snapshot.settings.sip;
  const warnings: string[] = [];
  const list = transports(snapshot);
  const available = new Set(list.map((t) => t.name));
  const parts = [
    section('global', [['type', 'global'], ['user_agent', sip.userAgent], ['endpoint_identifier_order', sip.endpointIdentifierOrder.join(',')]]),
    ...list.map((t) => t.text),
  ];
  for (const ext of snapshot.extensions) {
    if (!ext.enabled) continue;
    const n = ext.number;
    if (ext.transport === 'TLS' && !available.has('transport-tls')) warnings.push(`extension ${n} asks for TLS, but no TLS certificate is configured: it may register over UDP or TCP`);
    parts.push(
      `; extension ${n}\n` + endpoint(ext, snapshot, available),
      section(`${n}-auth`, [['type', 'auth'], ['auth_type', 'userpass'], ['username', n], ['password', ext.password]]),
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
  return { text: file(...parts), warnings };
}
