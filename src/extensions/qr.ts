import { availableParallelism, networkInterfaces } from 'node:os';
import type { QRCodeToDataURLOptions } from 'qrcode';
import { LimitExceededError } from '../errors.js';
import type { SettingsOf } from '../settings/schemas.js';
import { QrRenderPool } from './qr-pool.js';
import type { ExtensionRow } from './rows.js';

type QrSettings = { softphone: SettingsOf<'softphone'>; proxyDomain: SettingsOf<'proxyDomain'>; sip: SettingsOf<'sip'> };

/**
 * What the mobile app scans to register (F-4.1.2.e). Address: the softphone
 * registration host, else the proxy domain, else the WAN address (the SIP
 * external signalling address, else this host's first public-facing IPv4).
 * Port: the softphone port, else the proxy port, else the port of the
 * extension's transport (F-6.4.1): its public port when the address is the
 * external signalling address.
 */
export function qrPayload(ext: ExtensionRow, settings: QrSettings) {
  const { softphone, proxyDomain, sip } = settings;
  const proxy = proxyDomain.enabled && proxyDomain.domain ? proxyDomain : null;
  const server = softphone.registrationHost || proxy?.domain || sip.externalSignalingAddress || hostAddress();
  const transportPort = ext.transport === 'TCP' ? sip.tcpPort : ext.transport === 'TLS' ? sip.tlsPort : sip.udpPort;
  // Behind NAT the public address comes with the public port of the transport (0: the same as the local one).
  const publicPort = ext.transport === 'TCP' ? sip.externalSignalingPortTcp : ext.transport === 'TLS' ? sip.externalSignalingPortTls : sip.externalSignalingPortUdp;
  const onPublicAddress = !softphone.registrationHost && !proxy && !!sip.externalSignalingAddress;
  const port = softphone.registrationPort || (proxy && proxy.sipPort) || (onPublicAddress && publicPort) || transportPort;
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

/**
 * QR images one request may ask for (ExtensionQrCode.pngDataUrl): each costs milliseconds of CPU and
 * its memory, where every other field of an extension costs microseconds.
 */
export const QR_IMAGES_PER_REQUEST = 50;

/**
 * What one QR image adds to the cost of a document (in place of a scalar's 1), where the cost limit
 * counts it (see src/server/operation-cost.ts): a literal page of about a hundred images fits, thousands do not.
 */
export const QR_IMAGE_COST = 500;

const pngOptions: QRCodeToDataURLOptions = { errorCorrectionLevel: 'M', margin: 2, width: 256 };

/** Rendering runs on worker threads: a page of QR images never holds the event loop. */
const pool = new QrRenderPool({
  size: Math.max(1, Math.min(4, availableParallelism() - 1)),
  idleMs: 30_000,
  workerUrl: new URL('./qr-worker.mjs', import.meta.url),
});

/** Counts one QR image against the request's allowance; over it, a LimitExceededError (code LIMIT_EXCEEDED). */
export function takeQrImage(counter: { qrImages?: number }): void {
  counter.qrImages = (counter.qrImages ?? 0) + 1;
  if (counter.qrImages > QR_IMAGES_PER_REQUEST) {
    throw new LimitExceededError(
      'qrImagesPerRequest',
      QR_IMAGES_PER_REQUEST,
      `A request may ask for at most ${QR_IMAGES_PER_REQUEST} QR images (pngDataUrl); ask for the rest in another request, a page at a time`,
    );
  }
}

export function qrPng(payload: string): Promise<string> {
  return pool.render(payload, pngOptions);
}

/** Ends the rendering threads (when the server stops); a later render starts them again. */
export function stopQrRendering(): Promise<void> {
  return pool.close();
}

function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const item of list ?? []) if (item.family === 'IPv4' && !item.internal) return item.address;
  }
  return '127.0.0.1';
}
