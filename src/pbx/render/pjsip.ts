import type { PbxSnapshot } from './snapshot.js';
import { section } from './text.js';

/** TLS exists only with a certificate and key: Asterisk refuses a TLS transport without one. */
const hasTls = (snapshot: PbxSnapshot) => Boolean(snapshot.settings.sip.tlsCertFile && snapshot.settings.sip.tlsKeyFile);

/** The names of the transports pjsip.conf defines; an endpoint names one only when it exists. */
export function availableTransports(snapshot: PbxSnapshot): Set<string> {
  return new Set(['transport-udp', 'transport-tcp', ...(hasTls(snapshot) ? ['transport-tls'] : [])]);
}

function transports(snapshot: PbxSnapshot): string[] {
  const sip = snapshot.settings.sip;
  const nat: [string, string | number | undefined][] = [
    ['external_media_address', sip.externalMediaAddress],
    ['external_signaling_address', sip.externalSignalingAddress],
    ...sip.localNets.map((net): [string, string] => ['local_net', net]),
  ];
  const transport = (name: string, protocol: string, port: number, externalPort: number, tls: [string, string][] = []) =>
    section(name, [['type', 'transport'], ['protocol', protocol], ['bind', `0.0.0.0:${port}`], ...tls, ...nat, ['external_signaling_port', externalPort || undefined]]);
  const list = [transport('transport-udp', 'udp', sip.udpPort, sip.externalSignalingPortUdp), transport('transport-tcp', 'tcp', sip.tcpPort, sip.externalSignalingPortTcp)];
  if (hasTls(snapshot)) {
    list.push(
      transport('transport-tls', 'tls', sip.tlsPort, sip.externalSignalingPortTls, [
        ['cert_file', sip.tlsCertFile],
        ['priv_key_file', sip.tlsKeyFile],
        ['method', 'tlsv1_2'],
      ]),
    );
  }
  return list;
}

/** pjsip.conf, the core's part: global settings and the transports (F-4.6.2.a). Endpoints come from the domains. */
export function pjsipCore(snapshot: PbxSnapshot): { parts: string[] } {
  const sip = snapshot.settings.sip;
  return {
    parts: [
      section('global', [
        ['type', 'global'],
        ['user_agent', sip.userAgent],
        ['endpoint_identifier_order', sip.endpointIdentifierOrder.join(',')],
      ]),
      ...transports(snapshot),
    ],
  };
}
