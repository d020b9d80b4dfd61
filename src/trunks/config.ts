import { createHash } from 'node:crypto';
import { permissionContext } from '../dial-permissions/context.js';
import { inboundContexts } from '../inbound/contract.js';
import { availableTransports } from '../pbx/render/pjsip.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { Composed, RenderError, safe, section, type OptionValue } from '../pbx/render/text.js';
import { isIaxHost, isSipUri, sipUser, uriHost } from './fields.js';
import type { SnapshotIaxTrunk, SnapshotSipTrunk } from './snapshot.js';
import { registersToFarEnd } from './contract.js';

/** Asterisk configuration of SIP trunks (pjsip.conf, F-4.3.1.b) and IAX trunks (iax.conf, F-4.3.1.d). A disabled trunk renders nothing. */

const codecNames: Record<string, string> = { ULAW: 'ulaw', ALAW: 'alaw', G729: 'g729', GSM: 'gsm', G722: 'g722', G726: 'g726', SPEEX: 'speex', OPUS: 'opus' };
const videoCodecNames: Record<string, string> = { H261: 'h261', H263: 'h263', H263P: 'h263p', H264: 'h264', VP8: 'vp8' };
const dtmfModes: Record<string, string> = { RFC4733: 'rfc4733', INBAND: 'inband', SIP_INFO: 'info', AUTO: 'auto' };

/** The names of a trunk's PJSIP objects. The contract reserves these suffixes for them. */
export const trunkObjects = {
  endpoint: (name: string) => name,
  /**
   * The auth object's name carries a fingerprint of the credentials:
   * Asterisk keeps an outbound registration whose own options did not change
   * across a reload, so a new password would only be used at the next
   * refresh. A changed outbound_auth makes it register again at once.
   */
  auth: (name: string, credentials: string[]) => `${name}-auth-${createHash('sha256').update(credentials.join('\n')).digest('hex').slice(0, 8)}`,
  registration: (name: string) => `${name}-registration`,
  identify: (name: string) => `${name}-identify`,
};

/** A SIP URI, checked again here (it may hold IPv6 brackets, which safe() refuses on their own). */
function sipUri(value: string, what: string): Composed {
  if (!isSipUri(value)) throw new RenderError(`${what}: ${JSON.stringify(value)} is not a SIP URI this server writes`);
  return new Composed(value);
}

function sipUserPart(value: string, what: string): string {
  if (!sipUser.pattern.test(value)) throw new RenderError(`${what}: ${JSON.stringify(value)} is not a SIP user`);
  return value;
}

const hostPort = (host: string, port: number) => `${uriHost(host)}:${port}`;

/** The outbound proxy as a loose route (`;lr`, escaped for the configuration file), or undefined. */
function outboundProxy(t: SnapshotSipTrunk): Composed | undefined {
  if (!t.outboundProxyHost) return undefined;
  const uri = sipUri(`sip:${hostPort(t.outboundProxyHost, t.outboundProxyPort ?? 5060)}`, `trunk ${t.name} outboundProxy`);
  return new Composed(`${uri.text}\\;lr`);
}

function allow(t: SnapshotSipTrunk | SnapshotIaxTrunk, video: string | null): string {
  return [...t.codecs.map((c) => codecNames[c]!), ...(video ? [videoCodecNames[video]!] : [])].join(',');
}

/** Whether the trunk authenticates itself to the far end (client mode), or the far end to us (server mode, by its password). */
const outboundAuth = (t: SnapshotSipTrunk) => t.mode === 'CLIENT' && t.authEnabled && t.password !== '';
const inboundAuth = (t: SnapshotSipTrunk) => t.mode === 'SERVER' && t.password !== '';

function sipTrunk(t: SnapshotSipTrunk, available: Set<string>): string[] {
  const name = t.name;
  const authName = trunkObjects.auth(name, [t.mode, t.username, t.authUsername, t.password]);
  const what = `trunk ${name}`;
  const transportName = `transport-${t.transport.toLowerCase()}`;
  const transport = available.has(transportName) ? transportName : undefined;
  const proxy = outboundProxy(t);
  const parts: string[] = [];
  const client = t.mode === 'CLIENT';
  const registers = registersToFarEnd(t);
  const staticContact = t.aorContact || (t.serverHost ? `sip:${hostPort(t.serverHost, t.serverPort)}` : '');

  if (registers) {
    const clientUri = t.clientUri || `sip:${sipUserPart(t.username, `${what} username`)}@${hostPort(t.serverHost, t.serverPort)}`;
    parts.push(
      section(trunkObjects.registration(name), [
        ['type', 'registration'],
        ['transport', transport],
        ['outbound_auth', outboundAuth(t) ? authName : undefined],
        ['server_uri', sipUri(t.serverUri || `sip:${hostPort(t.serverHost, t.serverPort)}`, `${what} serverUri`)],
        ['client_uri', sipUri(clientUri, `${what} clientUri`)],
        ['contact_user', t.contactUser ? sipUserPart(t.contactUser, `${what} contactUser`) : undefined],
        ['expiration', t.registrationExpirySeconds],
        ['retry_interval', t.retryIntervalSeconds],
        ['forbidden_retry_interval', t.retryIntervalSeconds],
        ['fatal_retry_interval', t.retryIntervalSeconds],
        ['max_retries', t.maxRetries],
        ['auth_rejection_permanent', false],
        ['outbound_proxy', proxy],
        // Calls the far end sends to the registered contact carry the line parameter and reach this endpoint.
        ['line', true],
        ['endpoint', trunkObjects.endpoint(name)],
      ]),
    );
  }
  if (outboundAuth(t) || inboundAuth(t)) {
    parts.push(
      section(authName, [
        ['type', 'auth'],
        ['auth_type', 'userpass'],
        // In server mode the peer registers and authenticates with the trunk name as its user.
        ['username', client ? t.authUsername || t.username : name],
        ['password', t.password],
      ]),
    );
  }
  const aor: [string, OptionValue][] = [['type', 'aor']];
  if (staticContact) aor.push(['contact', sipUri(staticContact, `${what} aorContact`)]);
  else aor.push(['max_contacts', 1], ['remove_existing', true]);
  aor.push(['qualify_frequency', t.keepAliveSeconds], ['outbound_proxy', proxy]);
  const endpoint: [string, OptionValue][] = [
    ['type', 'endpoint'],
    ['transport', transport],
    // A provider's calls start in the trunk's inbound context (src/inbound/order.ts); another PBX's in its dial permission's (M-40).
    ['context', client ? inboundContexts.trunk(name) : permissionContext(t.dialPermission)],
    ['disallow', 'all'],
    ['allow', allow(t, t.videoCodec)],
    ['aors', trunkObjects.endpoint(name)],
    ['outbound_auth', outboundAuth(t) ? authName : undefined],
    ['auth', inboundAuth(t) ? authName : undefined],
    ['outbound_proxy', proxy],
    ['from_user', t.fromUser ? sipUserPart(t.fromUser, `${what} fromUser`) : undefined],
    ['from_domain', t.fromDomain ? new Composed(uriHost(safe(t.fromDomain, `${what} fromDomain`))) : undefined],
    ['dtmf_mode', dtmfModes[t.dtmfMode]],
    ['send_pai', t.sendPai],
    ['send_rpid', t.sendRpid],
    ['trust_id_outbound', t.sendPai || t.sendRpid],
    ['rtp_timeout', t.rtpTimeoutSeconds || undefined],
    ['media_encryption', t.srtp ? 'sdes' : undefined],
    ['rtp_symmetric', t.nat],
    ['force_rport', t.nat],
    ['rewrite_contact', t.nat],
    ['direct_media', false],
    ['language', t.language === 'DEFAULT' ? undefined : t.language],
  ];
  parts.push(`; trunk ${safe(name, 'trunk name')} (SIP, ${t.mode.toLowerCase()} mode)\n` + section(trunkObjects.endpoint(name), endpoint), section(trunkObjects.endpoint(name), aor));
  // A provider reached by address (no registration) is known by its server's address as well.
  const identified = [...(client && !registers && t.serverHost ? [t.serverHost] : []), ...t.remoteAddresses];
  if (identified.length) {
    parts.push(
      section(trunkObjects.identify(name), [
        ['type', 'identify'],
        ['endpoint', trunkObjects.endpoint(name)],
        ['match', identified.map((a) => safe(a, `${what} address`)).join(',')],
      ]),
    );
  }
  return parts;
}

/** pjsip.conf: per enabled SIP trunk its registration (client mode), auth, endpoint, aor and identify. */
export function trunkPjsip(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const available = availableTransports(snapshot);
  const warnings: string[] = [];
  const parts: string[] = [];
  const sipTrunks = snapshot.trunks.filter((t): t is SnapshotSipTrunk => t.kind === 'SIP' && t.enabled);
  for (const t of sipTrunks) {
    if (t.transport === 'TLS' && !available.has('transport-tls')) warnings.push(`trunk ${t.name} asks for TLS, but no TLS certificate is configured: it uses the default transport`);
    const registering = t.mode === 'CLIENT' && !registersToFarEnd(t) && sipTrunks.find((other) => registersToFarEnd(other) && other.serverHost.toLowerCase() === t.serverHost.toLowerCase());
    if (registering)
      warnings.push(
        `trunk ${t.name} is known by the address ${t.serverHost}, which trunk ${registering.name} registers to: PJSIP identifies by address first, so the calls of ${registering.name} arrive as calls of ${t.name}`,
      );
    parts.push(...sipTrunk(t, available));
  }
  return { parts, warnings };
}

/** The secret of a register line, where `:` `@` and `/` separate its parts. */
function registerSecret(secret: string, what: string): string {
  if (/[:@/]/.test(safe(secret, what))) throw new RenderError(`${what}: a register line cannot hold : @ or /`);
  return secret;
}

function iaxHost(host: string, what: string): string {
  if (!isIaxHost(host)) throw new RenderError(`${what}: ${JSON.stringify(host)} is not an IAX2 host`);
  return host;
}

/**
 * iax.conf: per enabled client-mode IAX trunk a `register =>` line in
 * [general] (added with `[general](+)`), and per enabled IAX trunk a friend:
 * in client mode it calls the far end's host with the username and secret
 * (as a friend, so calls the far end sends with that user land in the
 * permission's context); in server mode the far end registers to it.
 */
export function trunkIax(snapshot: PbxSnapshot): { parts: string[] } {
  const trunks = snapshot.trunks.filter((t): t is SnapshotIaxTrunk => t.kind === 'IAX' && t.enabled);
  const registers = trunks
    .filter((t) => t.mode === 'CLIENT')
    .map((t) => {
      const what = `trunk ${t.name}`;
      const secret = t.authEnabled && t.password ? `:${registerSecret(t.password, `${what} password`)}` : '';
      return `register => ${sipUserPart(t.username, `${what} username`)}${secret}@${iaxHost(t.serverHost, `${what} serverHost`)}:${t.serverPort}`;
    });
  const parts = registers.length ? [['[general](+)', ...registers, ''].join('\n')] : [];
  for (const t of trunks) {
    const what = `trunk ${t.name}`;
    const client = t.mode === 'CLIENT';
    const secret = client ? (t.authEnabled ? t.password : '') : t.password;
    parts.push(
      `; trunk ${safe(t.name, 'trunk name')} (IAX, ${t.mode.toLowerCase()} mode)\n` +
        section(t.name, [
          ['type', 'friend'],
          ['host', client ? iaxHost(t.serverHost, `${what} serverHost`) : 'dynamic'],
          ['port', client ? t.serverPort : undefined],
          ['username', client ? sipUserPart(t.username, `${what} username`) : undefined],
          ['secret', secret],
          ['auth', secret ? 'md5' : undefined],
          ['context', client ? inboundContexts.trunk(t.name) : permissionContext(t.dialPermission)],
          ['disallow', 'all'],
          ['allow', allow(t, null)],
          ['language', t.language === 'DEFAULT' ? undefined : t.language],
          ['qualify', true],
        ]),
    );
  }
  return { parts };
}
