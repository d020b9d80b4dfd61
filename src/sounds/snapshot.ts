import type { Tx } from '../db/client.js';
import type { PromptCategory, SnapshotMohClass, SnapshotPrompt } from './contract.js';
import { mohFileBaseName } from './files.js';

/** The sound library's slice of the snapshot (contract.ts): prompts by name, classes by name with their files in play order. */
export async function readSoundSlice(tx: Tx): Promise<{ prompts: SnapshotPrompt[]; mohClasses: SnapshotMohClass[] }> {
  const prompts = await tx.prompt.findMany({ select: { id: true, name: true, category: true }, orderBy: { name: 'asc' } });
  const classes = await tx.mohClass.findMany({ include: { files: { select: { id: true, position: true }, orderBy: { position: 'asc' } } }, orderBy: { name: 'asc' } });
  return {
    prompts: prompts.map((p) => ({ id: p.id, name: p.name, category: p.category as PromptCategory })),
    mohClasses: classes.map((c) => ({
      id: c.id,
      name: c.name,
      playMode: c.playMode === 'RANDOM' ? 'RANDOM' : 'SEQUENTIAL',
      fileCount: c.files.length,
      files: c.files.map((f) => mohFileBaseName(f.position, f.id)),
    })),
  };
}
