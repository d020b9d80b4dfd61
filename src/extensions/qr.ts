import { networkInterfaces } from 'node:os';
import QRCode from 'qrcode';
import type { SettingsOf } from '../settings/schemas.js';
import type { ExtensionRow } from './rows.js';

type QrSettings = { softphone: SettingsOf<'softphone'>; proxyDomain: SettingsOf<'proxyDomain'>; sip: SettingsOf<'sip'> };

/**
 * What the mobile app scans to register (F-4.1.2.e). Address: the softphone
 * registration host, else the proxy domain, else the WAN address (the SIP
 * external signalling address, else this host's first public-facing IPv4).
 * Port: the softphone port, else the proxy port, else the port of the
 * extension's transport (F-6.4.1).
 */
export function qrPayload(ext: ExtensionRow, settings: QrSettings) {
  const { softphone, proxyDomain, sip } = settings;
  const proxy = proxyDomain.enabled && proxyDomain.domain ? proxyDomain : null;
  const server = softphone.registrationHost || proxy?.domain || sip.externalSignalingAddress || hostAddress();
  const transportPort = ext.transport === 'TCP' ? sip.tcpPort : ext.transport === 'TLS' ? sip.tlsPort : sip.udpPort;
  const port = softphone.registrationPort || (proxy && proxy.sipPort) || transportPort;
  const payload = JSON.stringify({
    server,
    port,
    transport: ext.transport.toLowerCase(),
    extension: ext.number,
    username: ext.number,
    password: ext.password,
    displayName: ext.name,
  });
  return { server, port, transport: ext.transport, payload };
}

export function qrPng(payload: string): Promise<string> {
  return QRCode.toDataURL(payload, { errorCorrectionLevel: 'M', margin: 2, width: 256 });
}

function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const item of list ?? []) if (item.family === 'IPv4' && !item.internal) return item.address;
  }
  return '127.0.0.1';
}
