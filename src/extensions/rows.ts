import type { Extension as ExtensionRow } from '../generated/prisma-sqlite/index.js';
import type { ExtensionFields } from './fields.js';

export type { ExtensionRow };

/** Domain fields → database columns (lists as JSON text; the dial permission and the whitelist as their ids). */
export function toRowData(fields: ExtensionFields, dialPermissionId: string, whitelistId: string | null) {
  const { dialPermission: _name, whitelist: _whitelist, pickupGroups, trustedAddresses, codecs, ...scalars } = fields;
  return {
    ...scalars,
    dialPermissionId,
    whitelistId,
    pickupGroups: JSON.stringify(pickupGroups),
    trustedAddresses: JSON.stringify(trustedAddresses),
    codecs: JSON.stringify(codecs),
  };
}

/** Database row → domain fields; `whitelistName` is '' when it links to none. */
export function fromRow(row: ExtensionRow, dialPermissionName: string, whitelistName: string): ExtensionFields {
  return {
    number: row.number,
    enabled: row.enabled,
    name: row.name,
    mobileNumber: row.mobileNumber,
    dialPermission: dialPermissionName,
    password: row.password,
    language: row.language,
    email: row.email,
    outboundCallerId1: row.outboundCallerId1,
    outboundCallerId2: row.outboundCallerId2,
    mohClass: row.mohClass,
    voicemailEnabled: row.voicemailEnabled,
    voicemailPin: row.voicemailPin,
    remoteRegistration: row.remoteRegistration,
    maxContacts: row.maxContacts,
    videoEnabled: row.videoEnabled,
    videoCodec: row.videoCodec as ExtensionFields['videoCodec'],
    recording: row.recording as ExtensionFields['recording'],
    registrationExpirySeconds: row.registrationExpirySeconds,
    webLogin: row.webLogin,
    pickupGroups: parseList(row.pickupGroups, `pickupGroups of extension ${row.number}`),
    transport: row.transport as ExtensionFields['transport'],
    dtmfMode: row.dtmfMode as ExtensionFields['dtmfMode'],
    srtp: row.srtp,
    qualifyFrequencySeconds: row.qualifyFrequencySeconds,
    nat: row.nat,
    iax2Enabled: row.iax2Enabled,
    trustedAddresses: parseList(row.trustedAddresses, `trustedAddresses of extension ${row.number}`),
    qualifyTimeoutSeconds: row.qualifyTimeoutSeconds,
    sendPai: row.sendPai,
    sendRpid: row.sendRpid,
    rtpTimeoutSeconds: row.rtpTimeoutSeconds,
    inbandProgress: row.inbandProgress,
    codecs: parseList(row.codecs, `codecs of extension ${row.number}`),
    whitelist: whitelistName,
  };
}

/**
 * A list column (JSON text). A value that is not a JSON list is never
 * replaced by a default: the read fails, naming the row and field, so a
 * corrupt value is seen and repaired instead of silently rendered as another.
 */
export function parseList<T>(text: string, what: string): T[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value)) throw new Error(`stored ${what} is not a list: ${JSON.stringify(text.slice(0, 80))}`);
  return value as T[];
}
