import DataLoader from 'dataloader';
import { callDirections, type CallDirection } from '../calls/contract.js';
import type { Recording } from '../generated/prisma-sqlite/index.js';
import { dispositions, type Disposition } from '../records/contract.js';
import { callRecordWhere, maySee } from '../records/filters.js';
import { exportCallRecords, MAX_EXPORT_ROWS } from '../records/spreadsheet.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { FileDownloadRef, FileFormatEnum, OrderDirectionEnum } from './extensions.js';
import { selection } from './selection.js';

/**
 * Call records (F-5.2): every call Asterisk finished, imported from the CDR
 * file it writes. Accounts and API keys read them with callRecords:read; an
 * extension user reads the records of its own calls (as caller or callee).
 */

export const CallDirectionEnum = builder.enumType('CallDirection', {
  values: {
    INBOUND: { description: 'From a trunk (呼入)' },
    OUTBOUND: { description: 'Out through a trunk (呼出)' },
    INTERNAL: { description: 'Between extensions and features of this PBX (内部)' },
  } satisfies Record<CallDirection, unknown>,
});
if (callDirections.length !== 3) throw new Error('CallDirection: the enum and the contract disagree');

export const CallDispositionEnum = builder.enumType('CallDisposition', {
  values: {
    ANSWERED: { description: 'Answered (应答)' },
    NO_ANSWER: { description: 'Not answered, or given up by the caller (无应答)' },
    BUSY: { description: 'The callee was busy (忙)' },
    FAILED: { description: 'The call could not be made: congestion, no route, unreachable (呼叫失败)' },
  } satisfies Record<Disposition, unknown>,
});
if (dispositions.length !== 4) throw new Error('CallDisposition: the enum and the contract disagree');

/** The F-5.2 filter fields, shared with recordings (F-5.1.1 filters "the same as the CDR"). */
export function callFilterFields(t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) {
  return {
    from: t.field({ type: 'DateTime', description: 'Calls that started at or after this time' }),
    to: t.field({ type: 'DateTime', description: 'Calls that started before this time' }),
    caller: t.string({ required: false, description: 'Part of the caller number (or, for call records, the caller name)' }),
    callee: t.string({ required: false, description: 'Part of the number called or of who took the call (finalCallee, e.g. vm-101)' }),
    trunk: t.string({ required: false, description: 'Part of the trunk name, any case' }),
    did: t.string({ required: false, description: 'Part of the DID an inbound call came in on' }),
    pinCode: t.string({ required: false, description: 'The PIN of a PIN-protected dial rule, exactly' }),
    direction: t.field({ type: CallDirectionEnum, required: false }),
    disposition: t.field({ type: CallDispositionEnum, required: false }),
    extension: t.string({ required: false, description: 'Calls this extension number took part in, as caller or callee' }),
    minDurationSeconds: t.int({ required: false, description: 'At least this long, seconds' }),
    maxDurationSeconds: t.int({ required: false, description: 'At most this long, seconds' }),
  };
}

const CallRecordFilter = builder.inputType('CallRecordFilter', {
  description: 'F-5.2: a time range, and any of the other filters (all must match); durations are the whole call (durationSeconds)',
  fields: (t) => callFilterFields(t),
});

const CallRecordOrderFieldEnum = builder.enumType('CallRecordOrderField', { values: ['STARTED_AT', 'DURATION_SECONDS', 'CALLER', 'CALLEE'] as const });
const CallRecordOrder = builder.inputType('CallRecordOrder', {
  fields: (t) => ({
    field: t.field({ type: CallRecordOrderFieldEnum, defaultValue: 'STARTED_AT' }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'DESC' }),
  }),
});
const orderColumns = { STARTED_AT: 'startedAt', DURATION_SECONDS: 'durationSeconds', CALLER: 'caller', CALLEE: 'callee' } as const;

/** The recording of each call, by linkedid, one query per request (the record's own channel's recording first). */
const recordingLoaders = new WeakMap<Context, DataLoader<string, Recording[]>>();
function recordingsOfCalls(ctx: Context): DataLoader<string, Recording[]> {
  let loader = recordingLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (linkedids: readonly string[]) => {
      const rows = await ctx.services.db.prisma.recording.findMany({ where: { linkedid: { in: [...linkedids] } }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }] });
      return linkedids.map((l) => rows.filter((r) => r.linkedid === l));
    });
    recordingLoaders.set(ctx, loader);
  }
  return loader;
}

export const CallRecordRef = builder.prismaNode('CallRecord', {
  id: { field: 'id' },
  description: 'A call record (F-5.2): one per CDR Asterisk wrote; the records of one conversation share callId',
  objectAuthScopes: { object: (r, ctx) => maySee(ctx.principal, 'callRecords:read', r) },
  fields: (t) => ({
    callId: t.exposeString('linkedid', { description: "The conversation (Asterisk's linkedid; the live Call's id)" }),
    uniqueid: t.exposeString('uniqueid', { description: "Asterisk's uniqueid of the record's calling channel" }),
    sequence: t.exposeInt('sequence', { description: "Asterisk's CDR sequence number; with uniqueid, what identifies the record" }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the call started (开始时间)' }),
    answeredAt: t.expose('answeredAt', { type: 'DateTime', nullable: true, description: 'When it was answered; null when it was not' }),
    endedAt: t.expose('endedAt', { type: 'DateTime' }),
    durationSeconds: t.exposeInt('durationSeconds', { description: 'From start to end, seconds' }),
    talkSeconds: t.exposeInt('talkSeconds', { description: 'From answer to end, seconds (时长: talk duration)' }),
    caller: t.exposeString('caller', { description: "The caller's number (主叫): the extension for calls of extensions" }),
    callerName: t.exposeString('callerName', { description: "The caller's name as its caller ID gave it" }),
    callee: t.exposeString('callee', { description: 'The number called (被叫): as dialled, or for outbound calls as sent to the trunk' }),
    finalCallee: t.exposeString('finalCallee', { description: 'Who took the call in the end (最终被叫): the extension that answered, vm-<mailbox> for voicemail' }),
    direction: t.field({ type: CallDirectionEnum, resolve: (r) => r.direction as CallDirection }),
    disposition: t.field({ type: CallDispositionEnum, resolve: (r) => r.disposition as Disposition }),
    trunk: t.exposeString('trunk', { description: "The trunk the call came in or went out on; '' for internal calls" }),
    did: t.exposeString('did', { description: "The number an inbound call was made to; '' otherwise" }),
    pinCode: t.exposeString('pinCode', { description: "The PIN given on a PIN-protected dial rule; '' when none" }),
    callerExtension: t.exposeString('callerExtension', { nullable: true, description: 'The calling extension, when one of ours called' }),
    calleeExtension: t.exposeString('calleeExtension', { nullable: true, description: 'The extension called or reached, when one of ours' }),
    channel: t.exposeString('channel', { description: "Asterisk's calling channel" }),
    dstChannel: t.exposeString('dstChannel', { description: "Asterisk's called channel; '' when none was dialled" }),
    lastApp: t.exposeString('lastApp', { description: 'The last dialplan application of the call (e.g. Dial, VoiceMail)' }),
    lastData: t.exposeString('lastData'),
    recording: t.prismaField({
      type: 'Recording',
      nullable: true,
      description: "The recording of this call (the one of this record's channel when there are several), when there is one the caller may hear",
      resolve: async (_query, r, _a, ctx) => {
        const recordings = (await recordingsOfCalls(ctx).load(r.linkedid)).filter((rec) => maySee(ctx.principal, 'recordings:read', rec));
        return recordings.find((rec) => rec.uniqueid === r.uniqueid) ?? recordings[0] ?? null;
      },
    }),
  }),
});

builder.queryFields((t) => ({
  callRecords: t.prismaConnection({
    type: 'CallRecord',
    cursor: 'id',
    description: 'Call records in a time range (F-5.2), newest first unless orderBy says otherwise; an extension user sees those of its own calls',
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: CallRecordFilter }), orderBy: t.arg({ type: CallRecordOrder, required: false }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.callRecord.count({ where: callRecordWhere(args.filter, ctx.principal, ctx.services.db.provider) }),
    resolve: (query, _r, args, ctx) => {
      const where = callRecordWhere(args.filter, ctx.principal, ctx.services.db.provider);
      const column = orderColumns[args.orderBy?.field ?? 'STARTED_AT'];
      const direction = (args.orderBy?.direction ?? 'DESC') === 'DESC' ? 'desc' : 'asc';
      return ctx.services.db.prisma.callRecord.findMany({ ...selection(query), where, orderBy: [{ [column]: direction }, { id: direction }] });
    },
  }),
  exportCallRecords: t.field({
    type: FileDownloadRef,
    description: `The call records of a filter as a spreadsheet, oldest first, times in UTC; at most ${MAX_EXPORT_ROWS} rows (a ValidationError at filter asks for a narrower range)`,
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: CallRecordFilter }), format: t.arg({ type: FileFormatEnum, defaultValue: 'CSV' }) },
    resolve: (_r, args, ctx) => exportCallRecords(ctx.services.db.prisma, callRecordWhere(args.filter, ctx.principal, ctx.services.db.provider), args.format),
  }),
}));
