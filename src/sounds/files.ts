import { mkdir, mkdtemp, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { storedFormats, type ConvertedSound, type StoredFormat } from './audio.js';
import { mohFolder, promptsFolder } from './contract.js';

/** A music-on-hold file on disk: `<play position, 4 digits>-<id>.<format>`, so that Asterisk's `sort=alpha` plays the stored order. */
export function mohFileBaseName(position: number, id: string): string {
  return `${String(position).padStart(4, '0')}-${id}`;
}
const mohFilePattern = /^(\d{4})-([A-Za-z0-9]+)\.(wav|sln16)$/;

/** Work folders live beside the library (same file system: placing a file is a rename); the dot keeps Asterisk's folder scans off them. */
const workFolderName = '.incoming';
const staleWorkMs = 60 * 60 * 1000;

/**
 * The library's folders: `prompts/<name>.<format>` and
 * `moh/<class>/<position>-<id>.<format>` (contract.ts), and work folders
 * for conversions. Every name used here comes from the database (checked
 * names and ids), never from an upload.
 */
export class SoundFolders {
  private swept = false;
  constructor(readonly soundsDir: string) {}

  promptFile(name: string, format: StoredFormat): string {
    return join(promptsFolder(this.soundsDir), `${name}.${format}`);
  }

  mohFile(className: string, position: number, id: string, format: StoredFormat): string {
    return join(mohFolder(this.soundsDir, className), `${mohFileBaseName(position, id)}.${format}`);
  }

  /** A new empty work folder; the caller removes it (removeWorkFolder) whatever happens. Left-overs of a crash are swept once per process. */
  async newWorkFolder(): Promise<string> {
    const root = join(this.soundsDir, workFolderName);
    await mkdir(root, { recursive: true });
    if (!this.swept) {
      this.swept = true;
      await this.sweep(root);
    }
    return mkdtemp(join(root, 'job-'));
  }

  async removeWorkFolder(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Moves a converted prompt into place; returns the placed files (for undo). */
  placePrompt(converted: ConvertedSound, name: string): Promise<string[]> {
    return this.place(converted, (format) => this.promptFile(name, format));
  }

  placeMohFile(converted: ConvertedSound, className: string, position: number, id: string): Promise<string[]> {
    return this.place(converted, (format) => this.mohFile(className, position, id, format));
  }

  async removePrompt(name: string): Promise<void> {
    await removeFiles(storedFormats.map((f) => this.promptFile(name, f)));
  }

  async removeMohClass(className: string): Promise<void> {
    await rm(mohFolder(this.soundsDir, className), { recursive: true, force: true });
  }

  /**
   * Makes a class folder hold exactly the given files under their current
   * positions: renames files whose position changed, removes files no row
   * holds any more. Idempotent, so a run cut short is finished by the next.
   */
  async syncMohClass(className: string, files: { id: string; position: number }[]): Promise<void> {
    const dir = mohFolder(this.soundsDir, className);
    await mkdir(dir, { recursive: true });
    const wanted = new Map(files.map((f) => [f.id, mohFileBaseName(f.position, f.id)]));
    for (const entry of await readdir(dir)) {
      const match = mohFilePattern.exec(entry);
      if (!match) continue;
      const base = wanted.get(match[2]!);
      if (!base) await unlink(join(dir, entry)).catch(ignoreMissing);
      else if (`${match[1]}-${match[2]}` !== base) await rename(join(dir, entry), join(dir, `${base}.${match[3]}`));
    }
  }

  private async place(converted: ConvertedSound, target: (format: StoredFormat) => string): Promise<string[]> {
    const placed: string[] = [];
    try {
      for (const format of storedFormats) {
        const destination = target(format);
        await mkdir(join(destination, '..'), { recursive: true });
        await rename(converted.files[format], destination);
        placed.push(destination);
      }
      return placed;
    } catch (error) {
      await removeFiles(placed);
      throw error;
    }
  }

  private async sweep(root: string): Promise<void> {
    for (const entry of await readdir(root)) {
      const path = join(root, entry);
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs > staleWorkMs) await rm(path, { recursive: true, force: true });
    }
  }
}

export async function removeFiles(paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => unlink(p).catch(ignoreMissing)));
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
