import type { CallDirection } from '../calls/contract.js';
import { cdrVariables, type RawCdr } from './cdr-fields.js';
import type { Disposition } from './contract.js';

/** What the PBX calls its endpoints, to tell extensions and trunks apart in channel names. */
export type PbxNames = { extensions: ReadonlySet<string>; trunks: ReadonlySet<string> };

/** A call record as stored (the CallRecord row without its id and import time). */
export type CallRecordData = {
  uniqueid: string;
  sequence: number;
  linkedid: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  durationSeconds: number;
  talkSeconds: number;
  caller: string;
  callerName: string;
  callee: string;
  finalCallee: string;
  direction: CallDirection;
  disposition: Disposition;
  trunk: string;
  did: string;
  pinCode: string;
  callerExtension: string | null;
  calleeExtension: string | null;
  channel: string;
  dstChannel: string;
  lastApp: string;
  lastData: string;
};

/** Asterisk's dispositions in ours; CONGESTION (cdr.conf congestion=yes) and anything unknown count as failed. */
const dispositionOf: Record<string, Disposition> = {
  ANSWERED: 'ANSWERED',
  'NO ANSWER': 'NO_ANSWER',
  CANCEL: 'NO_ANSWER',
  BUSY: 'BUSY',
  FAILED: 'FAILED',
  CONGESTION: 'FAILED',
};
export function mapDisposition(asterisk: string): Disposition {
  return dispositionOf[asterisk.trim().toUpperCase()] ?? 'FAILED';
}

/** `PJSIP/101-0000000b` → PJSIP, 101; `Local/0400@pbx-departments-00000001;2` → Local, 0400@pbx-departments. */
export function endpointOf(channel: string): { tech: string; resource: string } | null {
  const m = /^([A-Za-z0-9_]+)\/(.+)-[0-9a-fA-F]+(?:;[12])?$/.exec(channel);
  return m ? { tech: m[1]!, resource: m[2]! } : null;
}

const phoneTechs = new Set(['PJSIP', 'IAX2', 'SIP']);

/** The extension a channel belongs to: a phone's endpoint, or a Local channel dialling the extension's number. */
function extensionOf(channel: string, names: PbxNames): string | null {
  const ep = endpointOf(channel);
  if (!ep) return null;
  const name = ep.tech === 'Local' ? ep.resource.split('@')[0]! : phoneTechs.has(ep.tech) ? ep.resource : '';
  return names.extensions.has(name) ? name : null;
}

function trunkOf(channel: string, names: PbxNames): string | null {
  const ep = endpointOf(channel);
  return ep && phoneTechs.has(ep.tech) && names.trunks.has(ep.resource) ? ep.resource : null;
}

/** The trunk and number a Dial sent a call to (`PJSIP/<number>@<trunk>`, `IAX2/<trunk>/<number>`, as the dial rules dial), or null. */
export function trunkDialOf(lastApp: string, lastData: string, names: PbxNames): { trunk: string; number: string } | null {
  if (!/^dial$/i.test(lastApp)) return null;
  for (const target of (lastData.split(',')[0] ?? '').split('&')) {
    const sip = /^PJSIP\/([^@/]+)@([^/]+)$/.exec(target);
    if (sip && names.trunks.has(sip[2]!)) return { trunk: sip[2]!, number: sip[1]! };
    const iax = /^IAX2\/([^/]+)\/(.+)$/.exec(target);
    if (iax && names.trunks.has(iax[1]!)) return { trunk: iax[1]!, number: iax[2]! };
  }
  return null;
}

/** `"Alice" <100>` → Alice; `Alice <100>` → Alice; `<100>` or `100` → ''. */
export function callerNameOf(clid: string): string {
  const quoted = /^"(.*)"\s*<[^>]*>$/.exec(clid);
  if (quoted) return quoted[1]!;
  const bare = /^(.*?)\s*<[^>]*>$/.exec(clid);
  return bare ? bare[1]! : '';
}

/**
 * A time as Asterisk wrote it: seconds since the epoch (our mapping), or
 * `YYYY-MM-DD HH:MM:SS` in Asterisk's local time (its default format, the
 * machine's zone, which is ours: Asterisk runs beside this server). 0 or
 * empty: none.
 */
export function cdrTime(value: string | number | undefined): Date | null {
  if (value === undefined || value === '' || value === 0) return null;
  if (typeof value === 'number') return new Date(Math.round(value * 1000));
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) === 0 ? null : new Date(Math.round(Number(value) * 1000));
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value);
  const date = m ? new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const text = (value: string | number | undefined) => (value === undefined ? '' : String(value));
const whole = (value: string | number | undefined) => {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;
};

/** Why a line cannot be a call record, or the record. */
export type MappedCdr = { ok: true; record: CallRecordData } | { ok: false; reason: string };

/**
 * One CDR as a call record (F-5.2). Direction: a call that came from a trunk
 * (inbound routing set its trunk, or the calling channel is a trunk's
 * endpoint) is INBOUND, one that went to a trunk (the called channel is a
 * trunk's, or its Dial named one) OUTBOUND, any other INTERNAL. The caller
 * of an extension's call is the extension (its caller ID may have been
 * changed for the trunk). The callee is the number called: the DID of an
 * inbound call, the number sent out on the trunk for an outbound one, else
 * the number dialled (our CDR variable; Asterisk's `dst` when it is not the
 * `s` of a subroutine), else the extension reached. The final callee is who
 * answered, or the mailbox (`vm-101`) that took the call.
 */
export function mapCdr(raw: RawCdr, names: PbxNames): MappedCdr {
  const uniqueid = text(raw.uniqueid);
  const sequence = Number(raw.sequence);
  const startedAt = cdrTime(raw.start);
  const endedAt = cdrTime(raw.end);
  if (!uniqueid) return { ok: false, reason: 'no uniqueid' };
  if (!Number.isInteger(sequence)) return { ok: false, reason: `sequence ${JSON.stringify(raw.sequence)} is not a whole number` };
  if (!startedAt || !endedAt) return { ok: false, reason: 'no start or end time' };

  const channel = text(raw.channel);
  const dstChannel = text(raw.dstchannel);
  const dst = text(raw.dst);
  const lastApp = text(raw.lastapp);
  const lastData = text(raw.lastdata);
  const disposition = mapDisposition(text(raw.disposition));
  const trunkVariable = text(raw[cdrVariables.trunk]);
  const did = text(raw[cdrVariables.did]);
  const trunkDial = trunkDialOf(lastApp, lastData, names);
  const inboundTrunk = trunkVariable || trunkOf(channel, names);
  const outboundTrunk = trunkOf(dstChannel, names) ?? trunkDial?.trunk ?? null;
  const direction: CallDirection = inboundTrunk ? 'INBOUND' : outboundTrunk ? 'OUTBOUND' : 'INTERNAL';

  const callerExtension = direction === 'INBOUND' ? null : extensionOf(channel, names);
  const mailbox = /^voicemail$/i.test(lastApp) ? (/^(\d+)@/.exec(lastData)?.[1] ?? null) : null;
  const reached = extensionOf(dstChannel, names);
  const dialledExtension = dst !== 's' && names.extensions.has(dst) ? dst : null;
  const calleeExtension = direction === 'OUTBOUND' ? null : (reached ?? (mailbox && names.extensions.has(mailbox) ? mailbox : null) ?? dialledExtension);

  const src = text(raw.src);
  const caller = callerExtension ?? src;
  const dialledNumber = text(raw[cdrVariables.dialled]) || (dst !== 's' ? dst : '');
  const calleeBy: Record<CallDirection, string> = {
    OUTBOUND: trunkDial?.number ?? dialledNumber,
    INBOUND: did || dialledNumber || calleeExtension || '',
    INTERNAL: dialledNumber || calleeExtension || '',
  };
  const callee = calleeBy[direction];
  const finalCallee = mailbox ? `vm-${mailbox}` : direction === 'OUTBOUND' ? callee : (reached ?? calleeExtension ?? callee);
  const answer = cdrTime(raw.answer);

  return {
    ok: true,
    record: {
      uniqueid,
      sequence,
      linkedid: text(raw.linkedid) || uniqueid,
      startedAt,
      answeredAt: disposition === 'ANSWERED' ? answer : null,
      endedAt,
      durationSeconds: whole(raw.duration),
      talkSeconds: disposition === 'ANSWERED' ? whole(raw.billsec) : 0,
      caller,
      callerName: callerNameOf(text(raw.clid)),
      callee,
      finalCallee,
      direction,
      disposition,
      trunk: inboundTrunk || outboundTrunk || '',
      did,
      pinCode: text(raw.accountcode),
      callerExtension,
      calleeExtension,
      channel,
      dstChannel,
      lastApp,
      lastData,
    },
  };
}
