import type { Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';
import type { Referrer } from '../errors.js';

/** A prompt named by its global ID or its name (for IVR, queue and settings inputs), or null. */
export async function findPromptId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'Prompt') return (await tx.prompt.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  return (await tx.prompt.findUnique({ where: { name: ref }, select: { id: true } }))?.id ?? null;
}

/** A music-on-hold class named by its global ID or its name, or null. */
export async function findMohClassId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'MohClass') return (await tx.mohClass.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  return (await tx.mohClass.findUnique({ where: { name: ref }, select: { id: true } }))?.id ?? null;
}

/** Which of these class names exist (Extension.mohClass holds a class name). */
export async function existingMohClassNames(tx: Tx, names: string[]): Promise<Set<string>> {
  if (!names.length) return new Set();
  const rows = await tx.mohClass.findMany({ where: { name: { in: [...new Set(names)] } }, select: { name: true } });
  return new Set(rows.map((r) => r.name));
}

/** The extensions whose held callers hear one of these classes (Extension.mohClass), named for a ReferencedError. */
export async function extensionsUsingMohClasses(tx: Tx, classIds: string[]): Promise<Referrer[]> {
  const classes = await tx.mohClass.findMany({ where: { id: { in: classIds } }, select: { name: true } });
  if (!classes.length) return [];
  const rows = await tx.extension.findMany({ where: { mohClass: { in: classes.map((c) => c.name) } }, select: { id: true, number: true, name: true }, orderBy: { number: 'asc' } });
  return rows.map((r) => ({ kind: 'EXTENSION', id: r.id, label: `extension ${r.number} (${r.name}) plays it to its held callers` }));
}
