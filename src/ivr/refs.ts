import type { Tx } from '../db/client.js';
import { decodeGlobalId } from '../destinations/refs.js';

/** An IVR named by its number, its name or its global ID. */
export async function findIvrId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'Ivr') return (await tx.ivr.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  const row = (await tx.ivr.findUnique({ where: { number: ref }, select: { id: true } })) ?? (await tx.ivr.findUnique({ where: { name: ref }, select: { id: true } }));
  return row?.id ?? null;
}

/** A dial permission named by its name or its global ID. */
export async function findDialPermissionId(tx: Tx, ref: string): Promise<string | null> {
  const global = decodeGlobalId(ref);
  if (global?.type === 'DialPermission') return (await tx.dialPermission.findUnique({ where: { id: global.id }, select: { id: true } }))?.id ?? null;
  return (await tx.dialPermission.findUnique({ where: { name: ref }, select: { id: true } }))?.id ?? null;
}
