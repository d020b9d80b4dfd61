import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database, Tx } from '../db/client.js';
import { findReferrers } from '../destinations/referrers.js';
import { LimitExceededError, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import type { ConfigChanges } from '../events/changes.js';
import type { SettingsStore } from '../settings/store.js';
import { convertForAsterisk, defaultAudioTools, type AudioTools, type ConvertedSound } from './audio.js';
import { soundKinds, type PromptCategory } from './contract.js';
import { DownloadTokens, type SoundObject } from './downloads.js';
import { removeFiles, SoundFolders } from './files.js';
import { mebibytes, soundLimits } from './limits.js';
import { checkSoundName, mohFileName, sameName } from './names.js';

export type PromptOrigin = 'UPLOAD' | 'RECORDING';
export type MohPlayMode = 'SEQUENTIAL' | 'RANDOM';
export const promptCategories = ['IVR', 'CUSTOM'] as const satisfies readonly PromptCategory[];
export const promptOrigins = ['UPLOAD', 'RECORDING'] as const satisfies readonly PromptOrigin[];
export const mohPlayModes = ['SEQUENTIAL', 'RANDOM'] as const satisfies readonly MohPlayMode[];

/** The class Asterisk falls back to; it always exists (migration 0009) and plays Asterisk's own music until it has files. */
export const defaultMohClassName = 'default';

export type SoundServiceOptions = {
  db: Database;
  settings: SettingsStore;
  changes: ConfigChanges;
  soundsDir: string;
  /** The server's token secret: download URLs are signed with a key derived from it. */
  tokenSecret: string;
  tools?: AudioTools;
};

/** An uploaded file as GraphQL multipart hands it over. */
type Upload = Pick<File, 'name' | 'size' | 'arrayBuffer'>;

/**
 * The sound library (F-4.4.1–F-4.4.3): prompts and music-on-hold classes.
 * Every sound is converted by ffmpeg into the formats Asterisk plays (see
 * audio.ts) in a work folder, then moved into place inside the transaction
 * that inserts its row: a failed conversion or a refused row leaves neither
 * file nor row behind.
 */
export class SoundService {
  readonly folders: SoundFolders;
  readonly downloads: DownloadTokens;
  private readonly tools: AudioTools;
  /** Moves, renames and removals in the library run one at a time (conversions run beside them). */
  private fileWork: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SoundServiceOptions) {
    this.folders = new SoundFolders(options.soundsDir);
    this.downloads = new DownloadTokens(options.tokenSecret);
    this.tools = options.tools ?? defaultAudioTools;
  }

  // Prompts (F-4.4.2, F-4.4.3)

  /**
   * Converts and stores a prompt from a file (an upload, or a recording made
   * by phone); the caller owns `filePath` and removes it. The name must be
   * free (ValidationError at input.name: INVALID_FORMAT, CONFLICT); a file
   * that is not audio, too long or too large is refused at `file`.
   */
  async addPromptFromFile(input: { name: string; category: PromptCategory; origin: PromptOrigin; filePath: string }): Promise<{ id: string; name: string }> {
    checkSoundName(input.name, 'prompt', ['input', 'name']);
    if (!promptCategories.includes(input.category)) throw ValidationError.single(['input', 'category'], `one of ${promptCategories.join(', ')}`, 'INVALID_VALUE');
    if (!promptOrigins.includes(input.origin)) throw ValidationError.single(['input', 'origin'], `one of ${promptOrigins.join(', ')}`, 'INVALID_VALUE');
    await this.checkPromptNameFree(this.options.db.prisma, input.name);
    checkSize((await stat(input.filePath)).size);
    const row = await this.converted(input.filePath, soundLimits.maxPromptMs, 'A prompt', (converted) =>
      this.exclusive(async () => {
        let placed: string[] = [];
        try {
          return await this.options.db.prisma.$transaction(async (tx) => {
            await this.checkPromptNameFree(tx, input.name);
            const created = await tx.prompt.create({
              data: { name: input.name, category: input.category, origin: input.origin, durationMs: converted.durationMs, sizeBytes: converted.sizeBytes },
              select: { id: true, name: true },
            });
            placed = await this.folders.placePrompt(converted, input.name);
            return created;
          });
        } catch (error) {
          await removeFiles(placed);
          throw uniqueAsConflict(error, ['input', 'name'], `a prompt named ${input.name} exists`);
        }
      }),
    );
    this.options.changes.notify('prompts created');
    return row;
  }

  /** An uploaded prompt (GraphQL multipart): written to a work folder under a name of ours, then as addPromptFromFile. */
  async uploadPrompt(input: { name: string; category: PromptCategory }, file: Upload): Promise<{ id: string; name: string }> {
    checkSoundName(input.name, 'prompt', ['input', 'name']);
    checkSize(file.size);
    return this.withUpload(file, (filePath) => this.addPromptFromFile({ ...input, origin: 'UPLOAD', filePath }));
  }

  /** Refused while an IVR, a queue or a setting uses one of them (ReferencedError). */
  async deletePrompts(ids: string[]): Promise<string[]> {
    const deleted = await this.exclusive(async () => {
      const rows = await this.options.db.prisma.$transaction(async (tx) => {
        const rows = await existing(tx, 'prompt', ids);
        const referrers = await findReferrers(tx, { settings: this.options.settings }, soundKinds.prompt, ids, 'delete');
        if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Prompt ${rows[0]!.name}` : 'These prompts', referrers);
        await tx.prompt.deleteMany({ where: { id: { in: ids } } });
        return rows;
      });
      for (const row of rows) await this.folders.removePrompt(row.name);
      return rows.map((r) => r.id);
    });
    this.options.changes.notify('prompts deleted');
    return deleted;
  }

  // Music on hold (F-4.4.1)

  async createMohClass(input: { name: string; playMode: MohPlayMode }): Promise<{ id: string }> {
    checkSoundName(input.name, 'class', ['input', 'name']);
    checkPlayMode(input.playMode);
    const row = await this.options.db.prisma.$transaction(async (tx) => {
      await this.checkClassNameFree(tx, input.name);
      return tx.mohClass.create({ data: { name: input.name, playMode: input.playMode }, select: { id: true } });
    });
    this.options.changes.notify('music on hold classes created');
    return row;
  }

  /** The play mode is all a class has to change: its name is its folder and what extensions and queues name. */
  async updateMohClass(id: string, input: { playMode?: MohPlayMode | null }): Promise<{ id: string }> {
    if (input.playMode) checkPlayMode(input.playMode);
    const row = await this.options.db.prisma.$transaction(async (tx) => {
      const current = await tx.mohClass.findUnique({ where: { id }, select: { id: true } });
      if (!current) throw new NotFoundError('MohClass', id);
      return input.playMode ? tx.mohClass.update({ where: { id }, data: { playMode: input.playMode }, select: { id: true } }) : current;
    });
    this.options.changes.notify('music on hold classes updated');
    return row;
  }

  /** `default` is never deleted; a class an extension or a queue uses is refused (ReferencedError). Its files go with it. */
  async deleteMohClasses(ids: string[]): Promise<string[]> {
    const deleted = await this.exclusive(async () => {
      const rows = await this.options.db.prisma.$transaction(async (tx) => {
        const rows = await existing(tx, 'mohClass', ids);
        const builtin = rows.find((r) => r.name === defaultMohClassName);
        if (builtin) throw ValidationError.single(['ids', String(ids.indexOf(builtin.id))], 'the class default always exists: Asterisk falls back to it', 'BUILTIN');
        const referrers = await findReferrers(tx, { settings: this.options.settings }, soundKinds.mohClass, ids, 'delete');
        if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Music-on-hold class ${rows[0]!.name}` : 'These music-on-hold classes', referrers);
        await tx.mohClass.deleteMany({ where: { id: { in: ids } } });
        return rows;
      });
      for (const row of rows) await this.folders.removeMohClass(row.name);
      return rows.map((r) => r.id);
    });
    this.options.changes.notify('music on hold classes deleted');
    return deleted;
  }

  /** Adds a file at the end of the class's play order, listed under the uploaded file's name (cleaned), which must be new in the class. */
  async uploadMohFile(classId: string, file: Upload): Promise<{ id: string }> {
    const name = mohFileName(file.name);
    await this.checkMohFileFits(this.options.db.prisma, classId, name);
    checkSize(file.size);
    const row = await this.withUpload(file, (filePath) =>
      this.converted(filePath, soundLimits.maxMohFileMs, 'A music-on-hold file', (converted) =>
        this.exclusive(async () => {
          let placed: string[] = [];
          try {
            return await this.options.db.prisma.$transaction(async (tx) => {
              const mohClass = await this.checkMohFileFits(tx, classId, name);
              const last = await tx.mohFile.aggregate({ where: { classId }, _max: { position: true } });
              const position = (last._max.position ?? 0) + 1;
              const created = await tx.mohFile.create({ data: { classId, name, position, durationMs: converted.durationMs, sizeBytes: converted.sizeBytes }, select: { id: true } });
              placed = await this.folders.placeMohFile(converted, mohClass.name, position, created.id);
              return created;
            });
          } catch (error) {
            await removeFiles(placed);
            throw uniqueAsConflict(error, ['file'], `the class already has a file named ${name}`);
          }
        }),
      ),
    );
    this.options.changes.notify('music on hold files created');
    return row;
  }

  /** Removes files; the rest of each class keeps its order. */
  async deleteMohFiles(ids: string[]): Promise<string[]> {
    const deleted = await this.exclusive(async () => {
      const classIds = await this.options.db.prisma.$transaction(async (tx) => {
        const rows = await tx.mohFile.findMany({ where: { id: { in: ids } }, select: { id: true, classId: true } });
        const missing = ids.find((id) => !rows.some((r) => r.id === id));
        if (missing) throw new NotFoundError('MohFile', missing);
        await tx.mohFile.deleteMany({ where: { id: { in: ids } } });
        const classIds = [...new Set(rows.map((r) => r.classId))];
        for (const classId of classIds) await renumber(tx, classId, null);
        return classIds;
      });
      for (const classId of classIds) await this.syncClassFolder(classId);
      return ids;
    });
    this.options.changes.notify('music on hold files deleted');
    return deleted;
  }

  /** Sets the play order: `fileIds` lists every file of the class once, first played first. */
  async reorderMohFiles(classId: string, fileIds: string[]): Promise<{ id: string }> {
    await this.exclusive(async () => {
      await this.options.db.prisma.$transaction(async (tx) => {
        const mohClass = await tx.mohClass.findUnique({ where: { id: classId }, include: { files: { select: { id: true } } } });
        if (!mohClass) throw new NotFoundError('MohClass', classId);
        const current = new Set(mohClass.files.map((f) => f.id));
        const unknown = fileIds.findIndex((id) => !current.has(id));
        if (unknown >= 0) throw ValidationError.single(['fileIds', String(unknown)], `not a file of class ${mohClass.name}`, 'NOT_FOUND');
        if (new Set(fileIds).size !== fileIds.length || fileIds.length !== current.size) {
          throw ValidationError.single(['fileIds'], `must list each of the ${current.size} files of class ${mohClass.name} once`, 'INVALID');
        }
        await renumber(tx, classId, fileIds);
      });
      await this.syncClassFolder(classId);
    });
    this.options.changes.notify('music on hold files reordered');
    return { id: classId };
  }

  // Downloads

  downloadUrl(object: SoundObject): Promise<string> {
    return this.downloads.url(object);
  }

  /** The WAV a download serves and the name to offer it under, or null when there is no such sound (or its file is gone). */
  async downloadFile(object: SoundObject): Promise<{ path: string; fileName: string; sizeBytes: number } | null> {
    const prisma = this.options.db.prisma;
    let found: { path: string; fileName: string } | null = null;
    if (object.kind === 'prompt') {
      const row = await prisma.prompt.findUnique({ where: { id: object.id }, select: { name: true } });
      if (row) found = { path: this.folders.promptFile(row.name, 'wav'), fileName: `${row.name}.wav` };
    } else {
      const row = await prisma.mohFile.findUnique({ where: { id: object.id }, include: { mohClass: { select: { name: true } } } });
      if (row) found = { path: this.folders.mohFile(row.mohClass.name, row.position, row.id, 'wav'), fileName: `${row.name}.wav` };
    }
    if (!found) return null;
    const info = await stat(found.path).catch(() => null);
    return info?.isFile() ? { ...found, sizeBytes: info.size } : null;
  }

  // Helpers

  private async checkPromptNameFree(tx: Tx, name: string): Promise<void> {
    const rows = await tx.prompt.findMany({ select: { name: true } });
    const clash = rows.find((r) => sameName(r.name, name));
    if (clash) throw ValidationError.single(['input', 'name'], `a prompt named ${clash.name} exists`, 'CONFLICT');
  }

  private async checkClassNameFree(tx: Tx, name: string): Promise<void> {
    const rows = await tx.mohClass.findMany({ select: { name: true } });
    const clash = rows.find((r) => sameName(r.name, name));
    if (clash) throw ValidationError.single(['input', 'name'], `a music-on-hold class named ${clash.name} exists`, 'CONFLICT');
  }

  /** The class, when it exists, has room and has no file of this name. */
  private async checkMohFileFits(tx: Tx, classId: string, name: string): Promise<{ name: string }> {
    const mohClass = await tx.mohClass.findUnique({ where: { id: classId }, include: { files: { select: { name: true } } } });
    if (!mohClass) throw new NotFoundError('MohClass', classId);
    const clash = mohClass.files.find((f) => sameName(f.name, name));
    if (clash) throw ValidationError.single(['file'], `class ${mohClass.name} already has a file named ${clash.name}`, 'CONFLICT');
    if (mohClass.files.length >= soundLimits.maxMohFilesPerClass) {
      throw new LimitExceededError('mohFilesPerClass', soundLimits.maxMohFilesPerClass, `A music-on-hold class holds at most ${soundLimits.maxMohFilesPerClass} files`);
    }
    return mohClass;
  }

  private async syncClassFolder(classId: string): Promise<void> {
    const mohClass = await this.options.db.prisma.mohClass.findUnique({ where: { id: classId }, include: { files: { select: { id: true, position: true } } } });
    if (mohClass) await this.folders.syncMohClass(mohClass.name, mohClass.files);
  }

  /** Converts `filePath` in a work folder of its own, hands the result to `store`, and removes the work folder whatever happens. */
  private async converted<T>(filePath: string, maxMs: number, what: string, store: (converted: ConvertedSound) => Promise<T>): Promise<T> {
    const workDir = await this.folders.newWorkFolder();
    try {
      return await store(await convertForAsterisk(filePath, workDir, maxMs, what, this.tools));
    } finally {
      await this.folders.removeWorkFolder(workDir);
    }
  }

  /** Writes an upload's bytes under a name of ours (never the uploaded name) for the tools to read. */
  private async withUpload<T>(file: Upload, work: (filePath: string) => Promise<T>): Promise<T> {
    const dir = await this.folders.newWorkFolder();
    try {
      const filePath = join(dir, 'upload');
      await writeFile(filePath, new Uint8Array(await file.arrayBuffer()));
      return await work(filePath);
    } finally {
      await this.folders.removeWorkFolder(dir);
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.fileWork.then(work, work);
    this.fileWork = run.catch(() => undefined);
    return run;
  }
}

function checkSize(bytes: number): void {
  if (bytes > soundLimits.maxFileBytes) throw ValidationError.single(['file'], `the file has ${mebibytes(bytes)}; sound files may have at most ${mebibytes(soundLimits.maxFileBytes)}`, 'TOO_LARGE');
  if (bytes === 0) throw ValidationError.single(['file'], 'the file is empty', 'EMPTY_AUDIO');
}

function checkPlayMode(mode: string): void {
  if (!(mohPlayModes as readonly string[]).includes(mode)) throw ValidationError.single(['input', 'playMode'], `one of ${mohPlayModes.join(', ')}`, 'INVALID_VALUE');
}

async function existing(tx: Tx, table: 'prompt' | 'mohClass', ids: string[]): Promise<{ id: string; name: string }[]> {
  const query = { where: { id: { in: ids } }, select: { id: true, name: true } } as const;
  const rows = table === 'prompt' ? await tx.prompt.findMany(query) : await tx.mohClass.findMany(query);
  const missing = ids.find((id) => !rows.some((r) => r.id === id));
  if (missing) throw new NotFoundError(table === 'prompt' ? 'Prompt' : 'MohClass', missing);
  return rows;
}

/** Positions 1…n: in the given order, or keeping the stored order (after a delete). */
async function renumber(tx: Tx, classId: string, order: string[] | null): Promise<void> {
  const files = await tx.mohFile.findMany({ where: { classId }, select: { id: true, position: true }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] });
  const ids = order ?? files.map((f) => f.id);
  for (const [index, id] of ids.entries()) {
    if (files.find((f) => f.id === id)?.position !== index + 1) await tx.mohFile.update({ where: { id }, data: { position: index + 1 } });
  }
}

/** Two writers racing for one name: the unique index decides, and the loser hears the same as a checked clash. */
function uniqueAsConflict(error: unknown, path: string[], message: string): unknown {
  return (error as { code?: string }).code === 'P2002' ? ValidationError.single(path, message, 'CONFLICT') : error;
}
