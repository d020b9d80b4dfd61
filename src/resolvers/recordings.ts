import type { CallDirection } from '../calls/contract.js';
import { recordingKinds, type Disposition, type RecordingKind } from '../records/contract.js';
import { recordingDownloadSeconds } from '../records/downloads.js';
import { maySee, recordingWhere, type RecordingFilter } from '../records/filters.js';
import { recordingContentType } from '../records/recording-files.js';
import { builder } from './builder.js';
import { CallDirectionEnum, CallDispositionEnum, callFilterFields } from './call-records.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/**
 * Call recordings (F-5.1.1 automatic, F-5.1.3 one-touch): the files in
 * Asterisk's monitor spool with the fields of their call. Accounts and API
 * keys list and download them with recordings:read and delete them with
 * recordings:write; an extension user lists and downloads those of its own calls.
 */

export const RecordingKindEnum = builder.enumType('RecordingKind', {
  values: {
    CALL: { description: 'Recorded automatically by the recording setting of an extension or trunk (F-5.1.1)' },
    ON_DEMAND: { description: 'Started during the call: the one-touch code *1 or the API (F-5.1.3)' },
  } satisfies Record<RecordingKind, unknown>,
});
if (recordingKinds.length !== 2) throw new Error('RecordingKind: the enum and the contract disagree');

const RecordingFilterInput = builder.inputType('RecordingFilter', {
  description: "The call record filters (F-5.2) on the call of the recording, and its kind; durations are the recording's",
  fields: (t) => ({ ...callFilterFields(t), kind: t.field({ type: RecordingKindEnum, required: false }) }),
});

const unknownUntilRecorded = "null until the call's record is imported (a call still going on)";

export const RecordingRef = builder.prismaNode('Recording', {
  id: { field: 'id' },
  description: 'A call recording (F-5.1.1, F-5.1.3) and the fields of its call',
  objectAuthScopes: { object: (r, ctx) => maySee(ctx.principal, 'recordings:read', r) },
  fields: (t) => ({
    kind: t.field({ type: RecordingKindEnum, resolve: (r) => r.kind as RecordingKind }),
    fileName: t.exposeString('file', { description: 'The file in the monitor spool' }),
    contentType: t.string({ description: 'What downloadUrl serves, e.g. audio/wav', resolve: (r) => recordingContentType(r.file) }),
    callId: t.exposeString('linkedid', { description: "The conversation (Asterisk's linkedid; CallRecord.callId); '' when the file name does not tell" }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the recording started (开始时间)' }),
    durationSeconds: t.exposeInt('durationSeconds', { description: 'Length of the audio, seconds (时长); grows while the call is still being recorded' }),
    sizeBytes: t.exposeInt('sizeBytes'),
    caller: t.exposeString('caller', { description: 'The caller (主叫)' }),
    callee: t.exposeString('callee', { description: 'The number called (被叫)' }),
    finalCallee: t.exposeString('finalCallee', { description: "Who took the call in the end (最终被叫); '' until the call's record is imported" }),
    trunk: t.exposeString('trunk', { description: 'The trunk of an inbound or outbound call (中继)' }),
    did: t.exposeString('did'),
    pinCode: t.exposeString('pinCode', { description: 'The PIN given on a PIN-protected dial rule' }),
    direction: t.field({ type: CallDirectionEnum, nullable: true, description: `The call's direction (类型); ${unknownUntilRecorded}`, resolve: (r) => (r.direction || null) as CallDirection | null }),
    disposition: t.field({
      type: CallDispositionEnum,
      nullable: true,
      description: `How the call ended (状态); ${unknownUntilRecorded}`,
      resolve: (r) => (r.disposition || null) as Disposition | null,
    }),
    callerExtension: t.exposeString('callerExtension', { nullable: true }),
    calleeExtension: t.exposeString('calleeExtension', { nullable: true }),
    downloadUrl: t.string({
      description: `A signed URL of the audio, good for ${recordingDownloadSeconds / 60} minutes, relative to this server's address (GET, byte ranges allowed; no other credential needed). With a Bearer token of someone who may hear the recording the same path works without its token parameter`,
      resolve: (r, _a, ctx) => ctx.services.records.recordings.downloadUrl(r),
    }),
  }),
});

builder.queryFields((t) => ({
  recordings: t.prismaConnection({
    type: 'Recording',
    cursor: 'id',
    description: 'Call recordings in a time range (F-5.1.1, F-5.1.3), newest first; an extension user sees those of its own calls',
    authScopes: { authenticated: true },
    args: { filter: t.arg({ type: RecordingFilterInput }) },
    totalCount: (_c, args, ctx) => ctx.services.db.prisma.recording.count({ where: recordingWhere(args.filter as RecordingFilter, ctx.principal, ctx.services.db.provider) }),
    resolve: (query, _r, args, ctx) =>
      ctx.services.db.prisma.recording.findMany({
        ...selection(query),
        where: recordingWhere(args.filter as RecordingFilter, ctx.principal, ctx.services.db.provider),
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
  recording: t.prismaField({
    type: 'Recording',
    nullable: true,
    description: 'One recording by ID; null when there is none the caller may hear',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID() },
    resolve: async (query, _r, args, ctx) => {
      const row = await ctx.services.db.prisma.recording.findUnique({ ...selection(query), where: { id: decodeId(args.id, 'Recording') } });
      return row && maySee(ctx.principal, 'recordings:read', row) ? row : null;
    },
  }),
}));

builder.mutationField('deleteRecordings', (t) =>
  t.field({
    type: DeletedRef,
    description: 'Deletes recordings: the file and its entry',
    authScopes: { perm: 'recordings:write' },
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: { typename: string; id: string }[] }, c) =>
      deletedPayload(await c.services.records.recordings.delete(a.ids.map((id) => decodeId(id, 'Recording'))), 'Recording'),
    ),
  }),
);
