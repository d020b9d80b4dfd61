import type { PrismaClient } from '../../db/client.js';
import { departmentContexts } from '../../departments/config.js';
import { queueContexts } from '../../queues/dialplan.js';

/**
 * What the call tracker needs to know of the configuration: which channels
 * are trunks, and which dialplan places are departments and queues (by
 * number, or by the context their calls run in), with names for the parties.
 */
export type PbxNumbers = {
  /** Extension number → name */
  extensions: ReadonlyMap<string, string>;
  /** Department number → name */
  departments: ReadonlyMap<string, string>;
  /** Queue number → name */
  queues: ReadonlyMap<string, string>;
  /** Trunk names (their PJSIP endpoint or IAX2 peer) */
  trunks: ReadonlySet<string>;
  /** Dialplan context → the department or queue number whose calls run in it */
  departmentContexts: ReadonlyMap<string, string>;
  queueContexts: ReadonlyMap<string, string>;
};

type Named = { number: string; name: string };

export function pbxNumbers(rows: { extensions?: Named[]; departments?: Named[]; queues?: Named[]; trunks?: string[] }): PbxNumbers {
  const departments = new Map((rows.departments ?? []).map((d) => [d.number, d.name]));
  const queues = new Map((rows.queues ?? []).map((q) => [q.number, q.name]));
  return {
    extensions: new Map((rows.extensions ?? []).map((e) => [e.number, e.name])),
    departments,
    queues,
    trunks: new Set(rows.trunks ?? []),
    departmentContexts: contextsOf(departments.keys(), departmentContexts.department),
    queueContexts: contextsOf(queues.keys(), queueContexts.queue),
  };
}

export const noPbxNumbers: PbxNumbers = pbxNumbers({});

function contextsOf(numbers: Iterable<string>, contextOf: (number: string) => string): Map<string, string> {
  const contexts = new Map<string, string>();
  for (const number of numbers) {
    try {
      contexts.set(contextOf(number), number);
    } catch {
      // a number the dialplan could not render has no context of its own
    }
  }
  return contexts;
}

/** The numbers and names, read again (four small queries). */
export async function readPbxNumbers(prisma: PrismaClient): Promise<PbxNumbers> {
  const [extensions, departments, queues, trunks] = await Promise.all([
    prisma.extension.findMany({ select: { number: true, name: true } }),
    prisma.department.findMany({ select: { number: true, name: true } }),
    prisma.queue.findMany({ select: { number: true, name: true } }),
    prisma.trunk.findMany({ select: { name: true } }),
  ]);
  return pbxNumbers({ extensions, departments, queues, trunks: trunks.map((t) => t.name) });
}
