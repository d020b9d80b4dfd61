import { soundNameRule } from '../sounds/contract.js';
import { mebibytes, minutes, soundLimits } from '../sounds/limits.js';
import { defaultMohClassName, type MohPlayMode, type PromptOrigin } from '../sounds/service.js';
import type { PromptCategory } from '../sounds/contract.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/** The sound library (F-4.4.1–F-4.4.3): configuration, read and written with the settings permissions; an extension user has none of it. */
const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

const formats = 'WAV (any rate, width and channels), MP3, OGG (Vorbis or Opus), M4A/MP4 (AAC), FLAC, WebM or AIFF';
const stored =
  'Stored converted as an 8 kHz mono 16-bit WAV (narrowband calls: G.711 and the like) and 16 kHz signed linear (wideband calls: G.722, Opus); Asterisk plays whichever costs least for the call';
const downloadDescription = `A signed URL of the stored WAV, good for ${soundLimits.downloadUrlSeconds / 60} minutes, relative to this server's address (GET; no other credential needed). With a Bearer token (settings:read) the same path works without its token parameter`;

export const PromptCategoryEnum = builder.enumType('PromptCategory', {
  values: {
    IVR: { description: 'Auto-attendant prompts (F-4.4.2): what an IVR menu says' },
    CUSTOM: { description: 'Other prompts (F-4.4.3): queue announcements, forwarding notices, wake-up messages, settings' },
  } satisfies Record<PromptCategory, unknown>,
});
const PromptOriginEnum = builder.enumType('PromptOrigin', {
  values: { UPLOAD: { description: 'Uploaded as a file' }, RECORDING: { description: 'Recorded by phone' } } satisfies Record<PromptOrigin, unknown>,
});
const MohPlayModeEnum = builder.enumType('MohPlayMode', {
  values: {
    SEQUENTIAL: { description: 'The files in their play order (reorderMohFiles), then again from the first' },
    RANDOM: { description: 'The files shuffled' },
  } satisfies Record<MohPlayMode, unknown>,
});

export const PromptRef = builder.prismaNode('Prompt', {
  id: { field: 'id' },
  description: `A prompt of the sound library. ${stored}`,
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: `Unique over both categories; also the file name Asterisk plays. ${soundNameRule}` }),
    category: t.field({ type: PromptCategoryEnum, resolve: (p) => p.category as PromptCategory }),
    origin: t.field({ type: PromptOriginEnum, resolve: (p) => p.origin as PromptOrigin }),
    durationMs: t.exposeInt('durationMs', { description: 'Length, milliseconds' }),
    durationSeconds: t.float({ description: 'Length, seconds', resolve: (p) => p.durationMs / 1000 }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Bytes on disk, all stored formats together' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    downloadUrl: t.string({ description: downloadDescription, resolve: (p, _a, ctx) => ctx.services.sounds.downloadUrl({ kind: 'prompt', id: p.id }) }),
  }),
});

export const MohFileRef = builder.prismaNode('MohFile', {
  id: { field: 'id' },
  description: `A music file of a music-on-hold class. ${stored}`,
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: "The uploaded file's name without folders or extension, cleaned of characters files cannot hold; unique in its class" }),
    position: t.exposeInt('position', { description: 'Play order in the class, from 1 (SEQUENTIAL plays it in this order)' }),
    durationMs: t.exposeInt('durationMs', { description: 'Length, milliseconds' }),
    durationSeconds: t.float({ description: 'Length, seconds', resolve: (f) => f.durationMs / 1000 }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Bytes on disk, all stored formats together' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    mohClass: t.relation('mohClass'),
    downloadUrl: t.string({ description: downloadDescription, resolve: (f, _a, ctx) => ctx.services.sounds.downloadUrl({ kind: 'moh', id: f.id }) }),
  }),
});

export const MohClassRef = builder.prismaNode('MohClass', {
  id: { field: 'id' },
  description: 'A music-on-hold class (F-4.4.1): a folder of music that held and queued callers hear; extensions (Extension.mohClass) and queues name it',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: `The class name in Asterisk and its folder. ${soundNameRule}` }),
    playMode: t.field({ type: MohPlayModeEnum, resolve: (c) => c.playMode as MohPlayMode }),
    builtin: t.boolean({ description: 'The class default: always there, and what Asterisk falls back to', resolve: (c) => c.name === defaultMohClassName }),
    files: t.relation('files', { description: 'In play order', query: { orderBy: { position: 'asc' } } }),
    playsFactoryMusic: t.boolean({
      description: "Plays Asterisk's own music (the class default while it has no files of its own)",
      select: { files: { select: { id: true }, take: 1 } },
      resolve: (c) => c.name === defaultMohClassName && c.files.length === 0,
    }),
  }),
});

builder.queryFields((t) => ({
  prompts: t.prismaField({
    type: [PromptRef],
    description: 'The prompts of the sound library, by name',
    authScopes: read,
    args: { category: t.arg({ type: PromptCategoryEnum, required: false, description: 'Only this category' }) },
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.prompt.findMany({ ...selection(query), where: args.category ? { category: args.category } : {}, orderBy: { name: 'asc' } }),
  }),
  mohClasses: t.prismaField({
    type: [MohClassRef],
    description: 'The music-on-hold classes, by name (default among them)',
    authScopes: read,
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.mohClass.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
}));

const UploadPromptInput = builder.inputType('UploadPromptInput', {
  fields: (t) => ({
    name: t.string({ description: `Unique over both categories. ${soundNameRule}` }),
    category: t.field({ type: PromptCategoryEnum }),
  }),
});
const CreateMohClassInput = builder.inputType('CreateMohClassInput', {
  fields: (t) => ({
    name: t.string({ description: `Unique (without regard to case); not general. ${soundNameRule}` }),
    playMode: t.field({ type: MohPlayModeEnum, required: false, description: 'SEQUENTIAL when not given' }),
  }),
});
const UpdateMohClassInput = builder.inputType('UpdateMohClassInput', {
  description: 'Only the fields given change; a class keeps its name (extensions and queues name it)',
  fields: (t) => ({ playMode: t.field({ type: MohPlayModeEnum, required: false }) }),
});

const fileRules = `${formats}; at most ${mebibytes(soundLimits.maxFileBytes)}`;
type Id = { typename: string; id: string };

builder.mutationFields((t) => ({
  uploadPrompt: t.prismaField({
    type: PromptRef,
    description: `Uploads a prompt (GraphQL multipart request). ${stored}. A file that is not audio, too long or too large is refused at \`file\` (NOT_AUDIO, TOO_LONG, TOO_LARGE)`,
    authScopes: write,
    errors: { types: mutationErrors },
    args: {
      input: t.arg({ type: UploadPromptInput }),
      file: t.arg({ type: 'File', description: `${fileRules}; at most ${minutes(soundLimits.maxPromptMs)} long` }),
    },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.sounds.uploadPrompt({ name: a.input.name, category: a.input.category }, a.file))(root, args, ctx, info);
      return ctx.services.db.prisma.prompt.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deletePrompts: t.field({
    type: DeletedRef,
    description: 'Refused (ReferencedError) while an IVR, a queue or a setting plays one of them',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: Id[] }, c) => deletedPayload(await c.services.sounds.deletePrompts(a.ids.map((id) => decodeId(id, 'Prompt'))), 'Prompt')),
  }),
  createMohClass: t.prismaField({
    type: MohClassRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateMohClassInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.sounds.createMohClass({ name: a.input.name, playMode: a.input.playMode ?? 'SEQUENTIAL' }))(root, args, ctx, info);
      return ctx.services.db.prisma.mohClass.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateMohClass: t.prismaField({
    type: MohClassRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateMohClassInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.sounds.updateMohClass(decodeId(a.id, 'MohClass'), { playMode: a.input.playMode }))(root, args, ctx, info);
      return ctx.services.db.prisma.mohClass.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteMohClasses: t.field({
    type: DeletedRef,
    description: 'Deletes classes with their files. The class default is never deleted; a class an extension or a queue uses is refused (ReferencedError)',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: Id[] }, c) => deletedPayload(await c.services.sounds.deleteMohClasses(a.ids.map((id) => decodeId(id, 'MohClass'))), 'MohClass')),
  }),
  uploadMohFile: t.prismaField({
    type: MohFileRef,
    description: `Adds a music file at the end of a class's play order (GraphQL multipart request), named after the uploaded file. ${stored}`,
    authScopes: write,
    errors: { types: mutationErrors },
    args: {
      classId: t.arg.globalID(),
      file: t.arg({ type: 'File', description: `${fileRules}; at most ${minutes(soundLimits.maxMohFileMs)} long; its name must be new in the class` }),
    },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.sounds.uploadMohFile(decodeId(a.classId, 'MohClass'), a.file))(root, args, ctx, info);
      return ctx.services.db.prisma.mohFile.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteMohFiles: t.field({
    type: DeletedRef,
    description: 'The other files of each class keep their order',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { ids: t.arg.globalIDList() },
    resolve: audited(async (a: { ids: Id[] }, c) => deletedPayload(await c.services.sounds.deleteMohFiles(a.ids.map((id) => decodeId(id, 'MohFile'))), 'MohFile')),
  }),
  reorderMohFiles: t.prismaField({
    type: MohClassRef,
    description: 'Sets the play order of a class: fileIds lists every file of the class once, the first played first',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { classId: t.arg.globalID(), fileIds: t.arg.globalIDList() },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) =>
        c.services.sounds.reorderMohFiles(
          decodeId(a.classId, 'MohClass'),
          a.fileIds.map((id) => decodeId(id, 'MohFile')),
        ),
      )(root, args, ctx, info);
      return ctx.services.db.prisma.mohClass.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
}));
