import { isIP } from 'node:net';
import type { AmiClient } from './client.js';
import { AmiError } from './errors.js';
import { header, type AmiMessage } from './message.js';

export type PjsipContact = {
  aor: string;
  endpoint: string;
  uri: string;
  /** Host of the contact URI when it is an IP literal (IPv6 without brackets); null for a hostname. */
  ip: string | null;
  port: number | null;
  userAgent: string | null;
  /** Asterisk's label: Reachable, Unreachable, NonQualified, Unknown, ... */
  status: string;
  /** Asterisk reports `N/A` unless the contact is Reachable. */
  roundTripUsec: number | null;
  /** Source of the REGISTER's last Via, as `host:port` (`[v6]:port`). */
  viaAddress: string | null;
};

/** Registered contacts from `PJSIPShowContacts` (one `ContactList` event each). */
export async function listContacts(client: AmiClient): Promise<PjsipContact[]> {
  let events: AmiMessage[];
  try {
    events = await client.list({ Action: 'PJSIPShowContacts' });
  } catch (error) {
    // Asterisk answers an empty contact table with an error instead of an empty list.
    if (error instanceof AmiError && error.code === 'rejected' && /^No Contacts found/i.test(messageOf(error))) {
      return [];
    }
    throw error;
  }
  return events.filter((event) => header(event, 'Event') === 'ContactList').map(parseContactListEvent);
}

export function parseContactListEvent(event: AmiMessage): PjsipContact {
  const uri = header(event, 'Uri') ?? '';
  const target = parseSipUri(uri);
  return {
    aor: aorOfContactId(header(event, 'ObjectName') ?? ''),
    endpoint: header(event, 'Endpoint') ?? '',
    uri,
    ip: target && isIP(target.host) ? target.host : null,
    port: target?.port ?? null,
    userAgent: nonEmpty(header(event, 'UserAgent')),
    status: nonEmpty(header(event, 'Status')) ?? 'Unknown',
    roundTripUsec: parseCount(header(event, 'RoundtripUsec')),
    viaAddress: formatVia(header(event, 'ViaAddr'), header(event, 'ViaPort')),
  };
}

/** Host and port of a `sip:`/`sips:` URI; null when it is not one. */
export function parseSipUri(uri: string): { host: string; port: number | null } | null {
  const match = /^<?\s*sips?:([^>]*)>?\s*$/i.exec(uri.trim());
  if (!match?.[1]) return null;
  const beforeHeaders = match[1].split('?')[0] ?? '';
  // The user part may itself contain ';' (user parameters), so find the host after the last '@'.
  const hostPort = (beforeHeaders.slice(beforeHeaders.lastIndexOf('@') + 1).split(';')[0] ?? '').trim();
  const parts = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(hostPort);
  if (!parts?.[1]) return null;
  return { host: parts[1], port: parsePort(parts[2]) };
}

// Dynamic contacts are named `<aor>;@<hash>`, static ones `<aor>@@<hash>` (res_pjsip/location.c).
function aorOfContactId(id: string): string {
  const dynamic = id.indexOf(';@');
  if (dynamic !== -1) return id.slice(0, dynamic);
  const permanent = id.indexOf('@@');
  return permanent !== -1 ? id.slice(0, permanent) : id;
}

function formatVia(address: string | undefined, port: string | undefined): string | null {
  const host = nonEmpty(address);
  if (!host) return null;
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const portNumber = parsePort(port);
  return portNumber === null ? bracketed : `${bracketed}:${portNumber}`;
}

function parsePort(text: string | undefined): number | null {
  const port = parseCount(text);
  return port !== null && port >= 1 && port <= 65535 ? port : null;
}

function parseCount(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : null;
}

function nonEmpty(text: string | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
}

function messageOf(error: AmiError): string {
  return (error.response ? header(error.response, 'Message') : undefined)?.trim() ?? '';
}
