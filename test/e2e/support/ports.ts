import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { PbxSnapshot } from '../../../src/pbx/render/index.js';

/** Ports handed out by this process: never twice, even when the first user has not bound it yet. */
const handedOut = new Set<number>();

function tcpFree(port: number, host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/**
 * A port that is free right now for TCP and UDP on every address (SIP uses
 * both, and the rendered transports bind 0.0.0.0).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tcpFree(0, '0.0.0.0');
    if (port === null || handedOut.has(port)) continue;
    if (!(await udpFree(port, '0.0.0.0'))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('freePort: no free port found');
}

/** `count` consecutive UDP ports that are free right now (an RTP range). */
export async function freeUdpRange(count: number): Promise<{ start: number; end: number }> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const start = 20000 + 2 * Math.floor((Math.random() * (40000 - count)) / 2);
    let ok = true;
    for (let p = start; p < start + count && ok; p++) ok = !handedOut.has(p) && (await udpFree(p, '0.0.0.0'));
    if (!ok) continue;
    for (let p = start; p < start + count; p++) handedOut.add(p);
    return { start, end: start + count - 1 };
  }
  throw new Error(`freeUdpRange: no ${count} free consecutive UDP ports found`);
}

/** The ports one Asterisk of a test listens on; all of them end up in the rendered files. */
export type PbxPorts = { sipUdp: number; sipTcp: number; http: number; ami: number; rtpStart: number; rtpEnd: number };

export async function allocatePorts(rtpPorts = 40): Promise<PbxPorts> {
  const [sipUdp, sipTcp, http, ami] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const rtp = await freeUdpRange(rtpPorts);
  return { sipUdp, sipTcp, http, ami, rtpStart: rtp.start, rtpEnd: rtp.end };
}

/** A copy of the snapshot rendering to these ports (bind addresses stay as they are: loopback or all). */
export function withPorts(snapshot: PbxSnapshot, ports: PbxPorts): PbxSnapshot {
  const copy = structuredClone(snapshot);
  Object.assign(copy.settings.sip, { udpPort: ports.sipUdp, tcpPort: ports.sipTcp, rtpPortStart: ports.rtpStart, rtpPortEnd: ports.rtpEnd });
  Object.assign(copy.connection, { httpPort: ports.http, amiPort: ports.ami });
  return copy;
}
