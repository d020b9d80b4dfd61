import { dynamicPenalty } from '../queues-conf.js';
import type { PrismaClient } from '../../db/client.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { AmiClient } from '../../pbx/ami/client.js';
import { AmiError } from '../../pbx/ami/errors.js';
import { header, type AmiMessage } from '../../pbx/ami/message.js';
import { agentInterface, asteriskQueueName } from '../contract.js';
import { AsteriskNotConnectedError } from '../../errors.js';
import type { QueueLiveService } from './service.js';
import { agentState, type MemberKind, type QueueAgentState } from './state.js';

export type AgentAmi = Pick<AmiClient, 'connected' | 'action'>;

type Queue = { id: string; name: string; useMemberOrder: boolean };
type Extension = { id: string; number: string };

const REASON_MAX = 80;

/**
 * Dynamic agents log in and out, and agents pause, through AMI (QueueAdd,
 * QueueRemove, QueuePause with the agent's interface PJSIP/<number>), as the
 * feature codes *62/*062 and *95/*095 do from a phone. Only stored agents
 * are acted for; the answer is the agent's live state once Asterisk has
 * reported the change.
 */
export class QueueAgentService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      ami: AgentAmi | null;
      live: QueueLiveService;
      /** How long to wait for Asterisk's event before the listing is read instead (default 2 s). */
      settleMs?: number;
    },
  ) {}

  async login(queueId: string, extensionId: string): Promise<QueueAgentState> {
    const { queue, extension } = await this.dynamicAgent(queueId, extensionId);
    // With member order on, a dynamic agent comes after every static one, as with the login code (*62).
    const statics = await this.deps.prisma.queueMember.count({ where: { queueId: queue.id, kind: 'STATIC' } });
    const penalty = dynamicPenalty({ useMemberOrder: queue.useMemberOrder, staticAgents: Array.from({ length: statics }) });
    const refusal = await this.send({
      Action: 'QueueAdd',
      Queue: asteriskQueueName(queue.id),
      Interface: agentInterface(extension.number),
      MemberName: extension.number,
      Penalty: String(penalty),
    });
    if (refusal && !/already there/i.test(refusal)) throw this.refused(refusal, queue, extension);
    return this.agentAfter(queue.id, extension, 'DYNAMIC', (a) => a.loggedIn);
  }

  async logout(queueId: string, extensionId: string): Promise<QueueAgentState> {
    const { queue, extension } = await this.dynamicAgent(queueId, extensionId);
    const refusal = await this.send({ Action: 'QueueRemove', Queue: asteriskQueueName(queue.id), Interface: agentInterface(extension.number) });
    if (refusal && !/not there/i.test(refusal)) throw this.refused(refusal, queue, extension);
    return this.agentAfter(queue.id, extension, 'DYNAMIC', (a) => !a.loggedIn);
  }

  /** Pauses or unpauses the agent in one queue, or (queueId null) in every queue it is logged in to; answers with its state in each. */
  async pause(queueId: string | null, extensionId: string, paused: boolean, reason: string | null): Promise<QueueAgentState[]> {
    const text = reason?.trim() ?? '';
    if (text.length > REASON_MAX) throw ValidationError.single(['reason'], `at most ${REASON_MAX} characters`, 'TOO_LONG');
    if (/[\u0000-\u001f\u007f]/.test(text)) throw ValidationError.single(['reason'], 'control characters (line breaks, tabs) are not allowed', 'INVALID_FORMAT');
    const queue = queueId ? await this.queue(queueId) : null;
    const extension = await this.extension(extensionId);
    const memberships = await this.deps.prisma.queueMember.findMany({
      where: { extensionId, ...(queueId ? { queueId } : {}) },
      select: { kind: true, queue: { select: { id: true, name: true, number: true } } },
      orderBy: { queue: { number: 'asc' } },
    });
    if (!memberships.length) {
      throw ValidationError.single(
        ['extension'],
        queue ? `Extension ${extension.number} is not an agent of queue ${queue.name}` : `Extension ${extension.number} is not an agent of any queue`,
        'NOT_AN_AGENT',
      );
    }
    const action: AmiMessage & { Action: string } = { Action: 'QueuePause', Interface: agentInterface(extension.number), Paused: paused ? 'true' : 'false' };
    if (queue) action.Queue = asteriskQueueName(queue.id);
    if (text) action.Reason = text;
    const refusal = await this.send(action);
    if (refusal) {
      if (/interface not found/i.test(refusal)) {
        throw ValidationError.single(['extension'], `Extension ${extension.number} is not logged in to ${queue ? `queue ${queue.name}` : 'any queue'}`, 'NOT_LOGGED_IN');
      }
      throw this.refused(refusal, queue ?? memberships[0]!.queue, extension);
    }
    const done = (a: QueueAgentState) => !a.loggedIn || (a.paused === paused && (!paused || a.pausedReason === (text || null)));
    const states = await Promise.all(memberships.map((m) => this.agentAfter(m.queue.id, extension, m.kind === 'DYNAMIC' ? 'DYNAMIC' : 'STATIC', done)));
    return states.filter((a) => a.loggedIn);
  }

  private async queue(queueId: string): Promise<Queue> {
    const queue = await this.deps.prisma.queue.findUnique({ where: { id: queueId }, select: { id: true, name: true, useMemberOrder: true } });
    if (!queue) throw new NotFoundError('Queue', queueId);
    return queue;
  }

  private async extension(extensionId: string): Promise<Extension> {
    const extension = await this.deps.prisma.extension.findUnique({ where: { id: extensionId }, select: { id: true, number: true } });
    if (!extension) throw new NotFoundError('Extension', extensionId);
    return extension;
  }

  private async dynamicAgent(queueId: string, extensionId: string): Promise<{ queue: Queue; extension: Extension }> {
    const [queue, extension] = [await this.queue(queueId), await this.extension(extensionId)];
    const member = await this.deps.prisma.queueMember.findUnique({ where: { queueId_extensionId: { queueId, extensionId } }, select: { kind: true } });
    if (member?.kind !== 'DYNAMIC') {
      const message = member
        ? `Extension ${extension.number} is a static agent of queue ${queue.name}: static agents are always logged in`
        : `Extension ${extension.number} is not a dynamic agent of queue ${queue.name}`;
      throw ValidationError.single(['extension'], message, member ? 'STATIC_AGENT' : 'NOT_A_DYNAMIC_AGENT');
    }
    return { queue, extension };
  }

  /** Sends the action; resolves with Asterisk's refusal message, or null when it succeeded. */
  private async send(action: AmiMessage & { Action: string }): Promise<string | null> {
    const ami = this.deps.ami;
    if (!ami?.connected()) throw new AsteriskNotConnectedError('Asterisk is not connected (AMI): nothing was changed; try again when it is');
    try {
      await ami.action(action);
      return null;
    } catch (error) {
      if (error instanceof AmiError && error.code === 'rejected') return header(error.response ?? {}, 'Message')?.trim() || error.message;
      if (error instanceof AmiError) throw new AsteriskNotConnectedError(`Asterisk did not carry out ${action.Action} (${error.code}): nothing was changed; try again`);
      throw error;
    }
  }

  private refused(message: string, queue: { name: string }, extension: Extension): Error {
    if (/no such queue/i.test(message)) return new ConflictError(`Queue ${queue.name} is not in Asterisk yet: its configuration has not been applied`, ['queue']);
    if (/not dynamic/i.test(message))
      return new ConflictError(`Asterisk still has extension ${extension.number} as a static agent of queue ${queue.name}: the change has not been applied yet`, ['extension']);
    return new ConflictError(`Asterisk refused: ${message}`, []);
  }

  /** The agent's state once `done` holds (Asterisk's event arrived), else as the listing read now says. */
  private async agentAfter(queueId: string, extension: Extension, kind: MemberKind, done: (agent: QueueAgentState) => boolean): Promise<QueueAgentState> {
    const iface = agentInterface(extension.number);
    const live = this.deps.live;
    if (!live.get(queueId)?.agents.some((a) => a.interface === iface)) await live.refresh();
    const find = () => live.get(queueId)?.agents.find((a) => a.interface === iface);
    await live.waitFor(queueId, () => !!find() && done(find()!), this.deps.settleMs ?? 2000);
    if (!find() || !done(find()!)) await live.rebuild();
    return find() ?? agentState(queueId, iface, kind, undefined, undefined);
  }
}
