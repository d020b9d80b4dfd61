import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../db/client.js';
import { resolveDestination, type DestinationInput, type StoredDestination } from '../destinations/destination.js';
import { findExtensionId } from '../destinations/refs.js';
import { findReferrers } from '../destinations/referrers.js';
import { deleteDestinations, saveDestination } from '../destinations/store.js';
import { ConflictError, IssueCollector, NotFoundError, ReferencedError, ValidationError } from '../errors.js';
import type { ConfigChanges } from '../events/changes.js';
import { claimNumber, releaseNumbers } from '../numbering/namespace.js';
import { checkNumberInPlan, describeRange, inRange } from '../numbering/ranges.js';
import type { SettingsStore } from '../settings/store.js';
import { findMohClassId, findPromptId } from '../sounds/refs.js';
import { checkField } from '../validation/issues.js';
import { queueKinds } from './contract.js';
import { MAX_AGENTS, queueFieldSchemas, type QueueScalarFields } from './fields.js';

/** The `default` music-on-hold class, inserted by the migration and never deleted. */
export const defaultMohClassId = 'mohclassdefault';

export type QueueInput = Partial<QueueScalarFields> & {
  /** Class name or global ID. */
  mohClass?: string;
  /** Extension numbers or global IDs, in order. */
  staticAgents?: string[];
  dynamicAgents?: string[];
  failoverDestination?: DestinationInput;
  /** Prompt name or global ID; null removes it. */
  periodicAnnouncePrompt?: string | null;
};

type Agents = { STATIC: string[]; DYNAMIC: string[] };

const QUEUE = queueKinds.queue;
const scalarKeys = Object.keys(queueFieldSchemas) as (keyof QueueScalarFields)[];

/**
 * Call queues (F-4.2.2): a number from the queue range, the app_queue
 * settings of the three tabs, static and dynamic agents, and the failover
 * destination. A queue that anything sends calls to cannot be deleted.
 */
export class QueueService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsStore,
    private readonly changes: ConfigChanges,
  ) {}

  async create(input: QueueInput) {
    const missing = (['name', 'failoverDestination'] as const).filter((k) => input[k] === undefined || input[k] === null);
    if (missing.length) throw new ValidationError(missing.map((k) => ({ path: ['input', k], message: 'required', code: 'REQUIRED' })));
    return this.write('queues created', async (tx) => {
      // The id is made here, so the number is claimed first: a clash names the number's owner.
      const id = randomUUID().replaceAll('-', '');
      const number = input.number ?? (await this.nextFreeNumber(tx));
      const fields: QueueScalarFields = { ...queueDefaults, ...definedScalars(input), name: input.name!, number };
      await this.validate(tx, id, fields, null);
      const refs = await this.references(tx, input, { mohClassId: defaultMohClassId, periodicAnnouncePromptId: null });
      const agents = await this.agents(tx, input, { STATIC: [], DYNAMIC: [] });
      const failover = await this.failover(tx, id, input.failoverDestination!);
      await claimNumber(tx, number, QUEUE, id, ['input', 'number']);
      const row = await tx.queue.create({ data: { id, ...fields, ...refs } });
      await saveDestination(tx, { kind: QUEUE, id, slot: 'failover' }, failover);
      await this.writeAgents(tx, id, agents);
      return row;
    });
  }

  async update(id: string, input: QueueInput) {
    return this.write('queues updated', async (tx) => {
      const current = await tx.queue.findUnique({ where: { id }, include: { members: { include: { extension: { select: { id: true } } }, orderBy: { position: 'asc' } } } });
      if (!current) throw new NotFoundError('Queue', id);
      const fields = { ...pickScalars(current), ...definedScalars(input) };
      await this.validate(tx, id, fields, current);
      const refs = await this.references(tx, input, current);
      const stored: Agents = { STATIC: [], DYNAMIC: [] };
      for (const m of current.members) stored[m.kind as keyof Agents].push(m.extensionId);
      const agents = await this.agents(tx, input, stored);
      if (input.failoverDestination) await saveDestination(tx, { kind: QUEUE, id, slot: 'failover' }, await this.failover(tx, id, input.failoverDestination));
      if (fields.number !== current.number) await claimNumber(tx, fields.number, QUEUE, id, ['input', 'number']);
      const row = await tx.queue.update({ where: { id }, data: { ...fields, ...refs } });
      if (input.staticAgents || input.dynamicAgents) await this.writeAgents(tx, id, agents);
      return row;
    });
  }

  /** Queues deleted together may fail over to one another; anything else that sends calls to one refuses. */
  async delete(ids: string[]) {
    return this.write('queues deleted', async (tx) => {
      const rows = await tx.queue.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } });
      const missing = ids.find((id) => !rows.some((r) => r.id === id));
      if (missing) throw new NotFoundError('Queue', missing);
      const referrers = (await findReferrers(tx, { settings: this.settings }, QUEUE, ids, 'delete')).filter((r) => !(r.kind === QUEUE && ids.includes(r.id)));
      if (referrers.length) throw new ReferencedError(rows.length === 1 ? `Queue ${rows[0]!.number} (${rows[0]!.name})` : 'These queues', referrers);
      await releaseNumbers(tx, QUEUE, ids);
      await deleteDestinations(tx, QUEUE, ids);
      await tx.queue.deleteMany({ where: { id: { in: ids } } });
      return ids;
    });
  }

  private async write<T>(what: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.db.prisma.$transaction(work);
    this.changes.notify(what);
    return result;
  }

  /** The first number of the queue range that no one owns. */
  private async nextFreeNumber(tx: Tx): Promise<string> {
    const range = (await this.settings.get(tx, 'numberingPlan')).queueRange;
    const taken = new Set((await tx.dialableNumber.findMany({ where: { number: { gte: range.start, lte: range.end } }, select: { number: true } })).map((r) => r.number));
    const width = range.start.length;
    for (let n = BigInt(range.start); n <= BigInt(range.end); n++) {
      const candidate = n.toString().padStart(width, '0');
      if (inRange(candidate, range) && !taken.has(candidate)) return candidate;
    }
    throw ValidationError.single(['input', 'number'], `every number of ${describeRange('queueRange', range)} is taken`, 'RANGE_FULL');
  }

  private async validate(tx: Tx, id: string, fields: QueueScalarFields, current: { name: string; number: string } | null) {
    const issues = new IssueCollector();
    for (const key of scalarKeys) {
      for (const i of checkField(queueFieldSchemas[key], fields[key], ['input', key])) issues.add(i.path, i.message, i.code);
    }
    if (fields.joinEmpty && fields.leaveWhenEmpty) issues.add(['input', 'leaveWhenEmpty'], 'cannot be on while joinEmpty is on: set joinEmpty to false as well', 'CONFLICT');
    if (fields.useMemberOrder && fields.strategy === 'RING_ALL') issues.add(['input', 'useMemberOrder'], 'RING_ALL rings every agent at once: member order needs a one-at-a-time strategy', 'CONFLICT');
    if (issues.empty && fields.number !== current?.number) {
      const rangeIssue = checkNumberInPlan(await this.settings.get(tx, 'numberingPlan'), QUEUE, fields.number, ['input', 'number']);
      if (rangeIssue) issues.add(rangeIssue.path, rangeIssue.message, rangeIssue.code);
    }
    issues.throwIfAny();
    if (fields.name !== current?.name) {
      const clash = await tx.queue.findUnique({ where: { name: fields.name }, select: { id: true } });
      if (clash && clash.id !== id) throw new ConflictError(`A queue named ${fields.name} exists`, ['input', 'name']);
    }
  }

  /** The music class and the periodic prompt the input names (absent: unchanged; prompt null: none). */
  private async references(tx: Tx, input: QueueInput, current: { mohClassId: string; periodicAnnouncePromptId: string | null }) {
    const issues = new IssueCollector();
    let { mohClassId, periodicAnnouncePromptId } = current;
    if (input.mohClass !== undefined) {
      const found = await findMohClassId(tx, input.mohClass);
      if (found) mohClassId = found;
      else issues.add(['input', 'mohClass'], `no music-on-hold class ${input.mohClass} exists`, 'NOT_FOUND');
    }
    if (input.periodicAnnouncePrompt !== undefined) {
      periodicAnnouncePromptId = null;
      if (input.periodicAnnouncePrompt !== null) {
        const found = await findPromptId(tx, input.periodicAnnouncePrompt);
        const prompt = found ? await tx.prompt.findUnique({ where: { id: found }, select: { id: true, name: true, category: true } }) : null;
        if (!prompt) issues.add(['input', 'periodicAnnouncePrompt'], `no prompt ${input.periodicAnnouncePrompt} exists`, 'NOT_FOUND');
        else if (prompt.category !== 'CUSTOM') {
          issues.add(['input', 'periodicAnnouncePrompt'], `prompt ${prompt.name} is an ${prompt.category} prompt: the periodic announcement takes a CUSTOM prompt (F-4.4.3)`, 'WRONG_CATEGORY');
        } else periodicAnnouncePromptId = prompt.id;
      }
    }
    issues.throwIfAny();
    return { mohClassId, periodicAnnouncePromptId };
  }

  /** The agents after the input (a list given replaces that list); an extension is static or dynamic, not both. */
  private async agents(tx: Tx, input: QueueInput, stored: Agents): Promise<Agents> {
    const issues = new IssueCollector();
    const result: Agents = { STATIC: stored.STATIC, DYNAMIC: stored.DYNAMIC };
    const lists = [
      { kind: 'STATIC', field: 'staticAgents' },
      { kind: 'DYNAMIC', field: 'dynamicAgents' },
    ] as const;
    for (const { kind, field } of lists) {
      const refs = input[field];
      if (!refs) continue;
      if (refs.length > MAX_AGENTS) issues.add(['input', field], `at most ${MAX_AGENTS} agents`, 'OUT_OF_BOUNDS');
      const ids: string[] = [];
      for (const [i, ref] of refs.entries()) {
        const id = await findExtensionId(tx, ref);
        if (!id) issues.add(['input', field, String(i)], `no extension ${ref} exists`, 'NOT_FOUND');
        else if (ids.includes(id)) issues.add(['input', field, String(i)], `extension ${ref} is listed twice`, 'DUPLICATE');
        else ids.push(id);
      }
      result[kind] = ids;
    }
    if (issues.empty) {
      // The clash is reported on the list the input gave (the dynamic one when both were given).
      const field = input.dynamicAgents ? 'dynamicAgents' : 'staticAgents';
      const [mine, other] = field === 'dynamicAgents' ? [result.DYNAMIC, result.STATIC] : [result.STATIC, result.DYNAMIC];
      const clashes = mine.filter((id) => other.includes(id));
      if (clashes.length) {
        const numbers = new Map((await tx.extension.findMany({ where: { id: { in: clashes } }, select: { id: true, number: true } })).map((e) => [e.id, e.number]));
        const otherKind = field === 'dynamicAgents' ? 'a static' : 'a dynamic';
        for (const id of clashes)
          issues.add(['input', field, String(mine.indexOf(id))], `extension ${numbers.get(id)} is ${otherKind} agent of this queue: an agent is either static or dynamic`, 'CONFLICT');
      }
    }
    issues.throwIfAny();
    return result;
  }

  private async writeAgents(tx: Tx, queueId: string, agents: Agents) {
    await tx.queueMember.deleteMany({ where: { queueId } });
    const rows = (['STATIC', 'DYNAMIC'] as const).flatMap((kind) => agents[kind].map((extensionId, position) => ({ queueId, extensionId, kind, position })));
    if (rows.length) await tx.queueMember.createMany({ data: rows });
  }

  /** The failover destination; a queue that leads back to itself through queue failovers only would loop without pause. */
  private async failover(tx: Tx, id: string, input: DestinationInput): Promise<StoredDestination> {
    const path = ['input', 'failoverDestination'];
    const destination = await resolveDestination(tx, input, path);
    if (destination.type !== QUEUE || !destination.target) return destination;
    if (destination.target === id) throw ValidationError.single([...path, 'target'], 'a queue cannot fail over to itself', 'CYCLE');
    const chain = await failoverChain(tx, destination.target, id);
    if (chain) {
      const numbers = new Map((await tx.queue.findMany({ where: { id: { in: chain } }, select: { id: true, number: true } })).map((q) => [q.id, q.number]));
      throw ValidationError.single(
        [...path, 'target'],
        `queue ${numbers.get(chain[0]!)} leads back to this queue (${chain.map((c) => numbers.get(c)).join(' → ')} → this queue): calls would loop`,
        'CYCLE',
      );
    }
    return destination;
  }
}

/** The chain of queues from `from` whose failovers reach `to`, or null. */
async function failoverChain(tx: Tx, from: string, to: string): Promise<string[] | null> {
  const seen = new Set([from]);
  const pending: string[][] = [[from]];
  while (pending.length) {
    const chain = pending.shift()!;
    const rows = await tx.destination.findMany({ where: { ownerKind: QUEUE, ownerId: chain[chain.length - 1]!, type: QUEUE }, select: { targetId: true } });
    for (const { targetId } of rows) {
      if (!targetId) continue;
      if (targetId === to) return chain;
      if (seen.has(targetId)) continue;
      seen.add(targetId);
      pending.push([...chain, targetId]);
    }
  }
  return null;
}

/** What a queue is created with when the input leaves a field out (the Prisma defaults, stated once for validation). */
export const queueDefaults: Omit<QueueScalarFields, 'name' | 'number'> = {
  strategy: 'RING_ALL',
  useMemberOrder: false,
  autofill: true,
  agentRingTimeoutSeconds: 15,
  autopause: 'NO',
  wrapupSeconds: 0,
  reportHoldTime: false,
  maxCallers: 0,
  prefixQueueNameToCallerId: false,
  maxWaitSeconds: 0,
  joinEmpty: true,
  leaveWhenEmpty: false,
  announceHoldTime: 'NO',
  announcePosition: false,
  announceFrequencySeconds: 0,
  periodicAnnounceFrequencySeconds: 0,
};

function definedScalars(input: QueueInput): Partial<QueueScalarFields> {
  return Object.fromEntries(scalarKeys.filter((k) => input[k] !== undefined && input[k] !== null).map((k) => [k, input[k]]));
}

function pickScalars(row: Record<keyof QueueScalarFields, unknown>): QueueScalarFields {
  return Object.fromEntries(scalarKeys.map((k) => [k, row[k]])) as QueueScalarFields;
}
