import { destinationTarget } from '../destinations/render.js';
import type { NumberExpectation } from '../pbx/lint/types.js';
import { context, coreContexts, digits, exten, label, type Line } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { dialplanSafe, RenderError, safe } from '../pbx/render/text.js';
import { agentInterface, asteriskQueueName } from './contract.js';
import { dynamicPenalty } from './queues-conf.js';
import type { SnapshotQueue } from './snapshot.js';

export const queueContexts = {
  /** The queue numbers, under the right allowQueues. */
  queues: 'pbx-queues',
  queue: (number: string) => `pbx-queue-${digits(number, 'queue number')}`,
  /** The agent feature codes (F-4.7.g), under the right allowFeatureCodes. */
  agentCodes: 'pbx-queue-agent-codes',
  /** Gosub s,1(<app_queue name>,<queue number>,<penalty>): logs the calling extension in, if it is a dynamic agent of the queue. */
  login: 'pbx-queue-agent-login',
  /** Gosub s,1(<app_queue name>): logs the calling extension out. */
  logout: 'pbx-queue-agent-logout',
  /** `<queue number>*<extension>` for every dynamic agent: looked up, never included, so never dialled. */
  dynamicAgents: 'pbx-queue-dynamic-agents',
} as const;

/** Queue() options: n = leave after one round of ringing the agents (to the failover destination, 无应答目的地); t = the agent may transfer the call. */
const queueOptions = 'nt';

/** The extension of a dialling phone (its PJSIP endpoint is named by the number). */
const caller = '${CHANNEL(endpoint)}';

/**
 * The name shown with the caller ID on the agent's phone: the queue name
 * without what a dialplan argument or Asterisk's caller-ID parsing would
 * read (parentheses, quotes, `,`), blanks folded; the number when nothing is left.
 */
export function callerIdLabel(queue: Pick<SnapshotQueue, 'name' | 'number'>): string {
  const label = queue.name
    .replace(/[^\p{L}\p{M}\p{N} ._'&@/+-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return dialplanSafe(label || queue.number, `queue ${queue.number} caller-ID label`);
}

/** The steps that put `<queue name>:` before the caller's name (the number when it has none); the name is given back when Queue() returns. */
function callerIdPrefix(queue: SnapshotQueue): Line[] {
  if (!queue.prefixQueueNameToCallerId) return [];
  return [
    'Set(PBX_QUEUE_CIDNAME=${CALLERID(name)})',
    'GotoIf($[${LEN(${CALLERID(name)})} > 0]?named)',
    'Set(CALLERID(name)=${CALLERID(num)})',
    label('named', `Set(CALLERID(name)=${callerIdLabel(queue)}:\${CALLERID(name)})`),
  ];
}

/** A destination as the last step; one that may come back (a Gosub) is followed by Hangup(). */
function finalStep(target: string): Line[] {
  return target === 'Hangup()' || target.startsWith('Goto(') ? [target] : [target, 'Hangup()'];
}

/**
 * A queue (F-4.2.2): the caller waits in app_queue with the queue's music
 * and announcements; when Queue() returns without a connected call (its
 * QUEUESTATUS: TIMEOUT after maxWaitSeconds or a round of unanswered
 * ringing, FULL, JOINEMPTY, LEAVEEMPTY, …) the caller goes on to the
 * failover destination. After a connected call Queue() hangs the caller up
 * (no `c` option). A caller whose own calls are recorded is recorded here too.
 */
function queueBody(queue: SnapshotQueue): string {
  const args = [asteriskQueueName(queue.id), queueOptions, ...(queue.maxWaitSeconds > 0 ? ['', '', String(queue.maxWaitSeconds)] : [])];
  return context(queueContexts.queue(queue.number), [
    `; queue ${safe(queue.name, 'queue name')}`,
    exten('s', [
      'Answer()',
      `Gosub(${coreContexts.caller},s,1)`,
      `GosubIf($["\${PBX_RECORDING}" = "OUTBOUND" | "\${PBX_RECORDING}" = "BOTH"]?${coreContexts.recordCall},s,1(${queue.number}))`,
      ...callerIdPrefix(queue),
      `Queue(${args.join(',')})`,
      ...(queue.prefixQueueNameToCallerId ? ['Set(CALLERID(name)=${PBX_QUEUE_CIDNAME})'] : []),
      ...finalStep(destinationTarget(queue.failover)),
    ]),
  ]);
}

const codePattern = /^[0-9*#]{1,10}$/;
function code(snapshot: PbxSnapshot, key: string): string {
  const value = snapshot.featureCodes[key];
  if (!value || !codePattern.test(value)) throw new RenderError(`feature code ${key}: ${JSON.stringify(value)} is not a code`);
  return value;
}

/** A short answer to a code: `ok` when the status variable says so, else the error tone. */
function confirm(status: string, okValues: string[], ok: string): Line[] {
  const test = okValues.map((v) => `"\${${status}}" = "${v}"`).join(' | ');
  return [`GotoIf($[${test}]?:refused)`, `Playback(${ok})`, 'Return()', label('refused', 'Playback(beeperr)'), 'Return()'];
}

/**
 * The agent codes (F-4.7.g). Logging in is allowed to the queue's dynamic
 * agents only: the subroutine looks `<queue number>*<extension>` up in
 * pbx-queue-dynamic-agents. Logging out needs no list (an agent taken off
 * the list can still leave); RemoveQueueMember refuses static agents
 * (NOTDYNAMIC). Pausing and resuming work in every queue the agent is in.
 * Sounds: Debian's asterisk-core-sounds (agent-loginok, agent-loggedoff, beep, beeperr).
 * The list holds every dynamic agent, enabled or not: a disabled extension
 * has no endpoint to dial the code from, and the list stays the same when
 * an extension is enabled or disabled.
 */
function agentCodeContexts(snapshot: PbxSnapshot): string[] {
  const queues = snapshot.queues ?? [];
  const login = code(snapshot, 'queueLogin');
  const logout = code(snapshot, 'queueLogout');
  const me = agentInterface('${PBX_QAGENT}');
  const refuse = ['Answer()', 'Playback(beeperr)', 'Hangup()'];
  const pause = (app: string, status: string) => [
    'Answer()',
    `Set(PBX_QAGENT=${caller})`,
    `${app}(,${me})`,
    `GotoIf($["\${${status}}" = "${status === 'PQMSTATUS' ? 'PAUSED' : 'UNPAUSED'}"]?:refused)`,
    'Playback(beep)',
    'Hangup()',
    label('refused', 'Playback(beeperr)'),
    'Hangup()',
  ];
  return [
    context(queueContexts.agentCodes, [
      ...queues.flatMap((q) => [
        exten(`${login}${digits(q.number, 'queue number')}`, [`Gosub(${queueContexts.login},s,1(${asteriskQueueName(q.id)},${q.number},${dynamicPenalty(q)}))`, 'Hangup()']),
        exten(`${logout}${q.number}`, [`Gosub(${queueContexts.logout},s,1(${asteriskQueueName(q.id)}))`, 'Hangup()']),
      ]),
      exten(code(snapshot, 'queuePause'), pause('PauseQueueMember', 'PQMSTATUS')),
      exten(code(snapshot, 'queueUnpause'), pause('UnpauseQueueMember', 'UQMSTATUS')),
      // A number that is no queue.
      exten(`_${login}X.`, refuse),
      exten(`_${logout}X.`, refuse),
    ]),
    context(queueContexts.login, [
      '; ARG1 = app_queue name, ARG2 = queue number, ARG3 = penalty',
      exten('s', [
        'Answer()',
        `Set(PBX_QAGENT=${caller})`,
        `GotoIf(\${DIALPLAN_EXISTS(${queueContexts.dynamicAgents},\${ARG2}*\${PBX_QAGENT},1)}?:refused)`,
        `AddQueueMember(\${ARG1},${me},\${ARG3},,\${PBX_QAGENT})`,
        ...confirm('AQMSTATUS', ['ADDED', 'MEMBERALREADY'], 'agent-loginok'),
      ]),
    ]),
    context(queueContexts.logout, [
      '; ARG1 = app_queue name',
      exten('s', ['Answer()', `Set(PBX_QAGENT=${caller})`, `RemoveQueueMember(\${ARG1},${me})`, ...confirm('RQMSTATUS', ['REMOVED'], 'agent-loggedoff')]),
    ]),
    context(
      queueContexts.dynamicAgents,
      queues.flatMap((q) => q.dynamicAgents.map((n) => exten(`${q.number}*${digits(n, 'agent')}`, ['NoOp()']))),
    ),
  ];
}

export function queueDialplan(snapshot: PbxSnapshot): string[] {
  const queues = snapshot.queues ?? [];
  return [
    context(
      queueContexts.queues,
      queues.map((q) => exten(digits(q.number, 'queue number'), [`Goto(${queueContexts.queue(q.number)},s,1)`])),
    ),
    ...queues.map(queueBody),
    ...agentCodeContexts(snapshot),
  ];
}

/** Each queue number reaches its queue; each queue's login and logout code and the pause codes reach theirs. */
export function queueExpectations(snapshot: PbxSnapshot): NumberExpectation[] {
  const queues = snapshot.queues ?? [];
  const c = snapshot.featureCodes;
  const internal = coreContexts.internal;
  return [
    ...queues.flatMap((q) => [
      { number: q.number, context: internal, reaches: { context: queueContexts.queue(q.number) }, owner: `queue ${q.number}` },
      { number: `${c.queueLogin}${q.number}`, context: internal, reaches: { context: queueContexts.login }, owner: `feature code queueLogin for queue ${q.number}` },
      { number: `${c.queueLogout}${q.number}`, context: internal, reaches: { context: queueContexts.logout }, owner: `feature code queueLogout for queue ${q.number}` },
    ]),
    { number: c.queuePause!, context: internal, reaches: { app: 'Answer' }, owner: 'feature code queuePause' },
    { number: c.queueUnpause!, context: internal, reaches: { app: 'Answer' }, owner: 'feature code queueUnpause' },
  ];
}
