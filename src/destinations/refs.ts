import type { Tx } from '../db/client.js';

/**
 * References to objects in inputs: the dialable number people type, or the
 * Relay global ID an API client holds. Returns the internal id or null.
 */
export function decodeGlobalId(value: string): { type: string; id: string } | null {
  if (/^\d+$/.test(value)) return null;
  try {
    const text = Buffer.from(value, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) return null;
    return { type: text.slice(0, colon), id: text.slice(colon + 1) };
  } catch {
    return null;
  }
}

export async function findExtensionId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  const row = global
    ? global.type === 'Extension'
      ? await tx.extension.findUnique({ where: { id: global.id }, select: { id: true } })
      : null
    : await tx.extension.findUnique({ where: { number: ref }, select: { id: true } });
  return row?.id ?? null;
}

export async function findDepartmentId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  const row = global
    ? global.type === 'Department'
      ? await tx.department.findUnique({ where: { id: global.id }, select: { id: true } })
      : null
    : await tx.department.findUnique({ where: { number: ref }, select: { id: true } });
  return row?.id ?? null;
}
