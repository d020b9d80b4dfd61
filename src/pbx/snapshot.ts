import type { PrismaClient } from '../db/client.js';
import { fromRow } from '../extensions/rows.js';
import type { SettingsStore } from '../settings/store.js';
import type { AsteriskConnection, PbxSnapshot, RenderDestination } from './render/snapshot.js';

/** Reads everything the configuration is rendered from, in one transaction (D2). */
export async function readSnapshot(prisma: PrismaClient, store: SettingsStore, connection: AsteriskConnection): Promise<PbxSnapshot> {
  return prisma.$transaction(async (tx) => {
    const [rows, departments, settings] = await Promise.all([
      tx.extension.findMany({ include: { dialPermission: { select: { name: true } } }, orderBy: { number: 'asc' } }),
      tx.department.findMany({ include: { members: { include: { extension: { select: { number: true } } }, orderBy: { position: 'asc' } } }, orderBy: { number: 'asc' } }),
      store.getMany(tx, ['pbx', 'sip', 'numberingPlan']),
    ]);
    const extensionNumbers = new Map(rows.map((r) => [r.id, r.number]));
    const departmentNumbers = new Map(departments.map((d) => [d.id, d.number]));
    const destination = (type: string, target: string | null): RenderDestination => {
      if (type === 'EXTENSION' || type === 'VOICEMAIL') return { type, number: extensionNumbers.get(target ?? '') ?? null };
      if (type === 'DEPARTMENT') return { type, number: departmentNumbers.get(target ?? '') ?? null };
      return { type, number: target };
    };
    return {
      extensions: rows.map((r) => ({ id: r.id, ...fromRow(r, r.dialPermission.name) })),
      departments: departments.map((d) => ({
        id: d.id,
        name: d.name,
        number: d.number,
        ringStrategy: d.ringStrategy as 'RING_ALL' | 'SEQUENTIAL',
        ringTimeSeconds: d.ringTimeSeconds,
        distinctiveRing: d.distinctiveRing,
        noAnswer: destination(d.noAnswerType, d.noAnswerTarget),
        members: d.members.map((m) => m.extension.number),
      })),
      settings,
      connection,
    };
  });
}
