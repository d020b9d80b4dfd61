import type { PrismaClient } from '../../db/client.js';
import type { MemberKind, QueueConfig } from './state.js';

const kindOf = (kind: string): MemberKind => (kind === 'DYNAMIC' ? 'DYNAMIC' : 'STATIC');

/** Every stored queue with its agents, read straight from the Queue and QueueMember tables. */
export async function readQueueConfigs(prisma: PrismaClient): Promise<QueueConfig[]> {
  const rows = await prisma.queue.findMany({
    select: { id: true, name: true, number: true, members: { select: { kind: true, position: true, extension: { select: { id: true, number: true } } } } },
    orderBy: { number: 'asc' },
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    number: row.number,
    agents: row.members
      .map((m) => ({ extensionId: m.extension.id, number: m.extension.number, kind: kindOf(m.kind), position: m.position }))
      .sort((a, b) => (a.kind === b.kind ? a.position - b.position || a.number.localeCompare(b.number) : a.kind === 'STATIC' ? -1 : 1))
      .map(({ position: _position, ...agent }) => agent),
  }));
}
