import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { Composed, dialplanSafe, safe, section, type OptionValue } from '../pbx/render/text.js';
import { mohClassName, promptPlayPath } from '../sounds/contract.js';
import { agentInterface, asteriskQueueName } from './contract.js';
import { queueStrategies } from './fields.js';
import type { SnapshotQueue } from './snapshot.js';

/**
 * When no agent counts as able to take calls, for joinempty/leavewhenempty
 * (queues.conf.sample, app_queue.c parse_empty_options): every agent is
 * paused, unreachable (an endpoint with no registered contact is
 * `unavailable`) or invalid. Agents busy on calls still count: waiting for
 * them is what a queue is for. This is the set app_queue calls `strict`.
 */
export const noAgentConditions = 'paused,penalty,unavailable,invalid';

/** The app_queue penalty of each static agent: its list position with member order, else 0. */
export function staticPenalty(queue: SnapshotQueue, position: number): number {
  return queue.useMemberOrder ? position : 0;
}

/** The penalty a dynamic agent logs in with: after every static agent with member order, else 0. */
export function dynamicPenalty(queue: Pick<SnapshotQueue, 'useMemberOrder'> & { staticAgents: readonly unknown[] }): number {
  return queue.useMemberOrder ? queue.staticAgents.length : 0;
}

/** Static agents whose extension exists and is enabled (a disabled extension has no endpoint to ring). */
export function renderedStaticAgents(snapshot: PbxSnapshot, queue: SnapshotQueue): string[] {
  const enabled = enabledNumbers(snapshot);
  return queue.staticAgents.filter((n) => enabled.has(n));
}

const enabledBySnapshot = new WeakMap<PbxSnapshot, Set<string>>();

/** The enabled extensions' numbers, worked out once per snapshot (not once per queue). */
function enabledNumbers(snapshot: PbxSnapshot): Set<string> {
  let numbers = enabledBySnapshot.get(snapshot);
  if (!numbers) {
    numbers = new Set(snapshot.extensions.filter((e) => e.enabled).map((e) => e.number));
    enabledBySnapshot.set(snapshot, numbers);
  }
  return numbers;
}

/**
 * [general]: dynamic agents' logins are kept in Asterisk's astdb and
 * restored when Asterisk restarts (persistentmembers); an agent in several
 * queues rests its wrap-up time after a call of any of them (shared_lastcall).
 * A `module reload app_queue` keeps dynamic members whatever the file says
 * (app_queue.c mark_member_dead only drops static ones).
 */
function generalSection(): string {
  return section('general', [
    ['persistentmembers', true],
    ['autofill', true],
    ['shared_lastcall', true],
  ]);
}

/**
 * One queue (F-4.2.2, .a, .b). Asterisk's defaults that differ from what the
 * fields mean are written out: announce-position is `yes` and ringinuse `yes`
 * unless said otherwise (app_queue.c init_queue). An agent on a call is not
 * rung (ringinuse=no); its endpoint's device state says when it is busy.
 */
function queueSection(snapshot: PbxSnapshot, queue: SnapshotQueue): string {
  const announcing = queue.announcePosition || queue.announceHoldTime !== 'NO';
  const prompt = queue.periodicAnnouncePromptId ? dialplanSafe(promptPlayPath(snapshot, queue.periodicAnnouncePromptId), `queue ${queue.number} periodic announcement`) : null;
  const options: [string, OptionValue][] = [
    ['strategy', queueStrategies[queue.strategy]],
    ['musicclass', mohClassName(snapshot, queue.mohClassId)],
    ['timeout', queue.agentRingTimeoutSeconds],
    ['retry', 5],
    ['ringinuse', false],
    ['autofill', queue.autofill],
    ['autopause', queue.autopause.toLowerCase()],
    ['wrapuptime', queue.wrapupSeconds],
    ['reportholdtime', queue.reportHoldTime],
    ['maxlen', queue.maxCallers],
    // joinempty unset: callers join whatever the agents' state (app_queue's default, an empty list).
    ['joinempty', queue.joinEmpty ? null : noAgentConditions],
    ['leavewhenempty', queue.leaveWhenEmpty ? noAgentConditions : null],
    ['announce-holdtime', queue.announceHoldTime.toLowerCase()],
    ['announce-position', queue.announcePosition],
    // Without anything to say, announcing would only restart the music every interval.
    ['announce-frequency', announcing ? queue.announceFrequencySeconds : 0],
    ['periodic-announce', prompt],
    ['periodic-announce-frequency', queue.periodicAnnounceFrequencySeconds],
    ...renderedStaticAgents(snapshot, queue).map((n, i): [string, OptionValue] => ['member', new Composed(`${agentInterface(safe(n, 'agent'))},${staticPenalty(queue, i)},${n}`)]),
  ];
  const [header, ...lines] = section(asteriskQueueName(queue.id), options).split('\n');
  return [header, `; queue ${safe(queue.number, 'queue number')} ${safe(queue.name, 'queue name')}`, ...lines].join('\n');
}

/** queues.conf (pure): always rendered, so that deleting the last queue reaches Asterisk too. */
export function queuesConf(snapshot: PbxSnapshot): { parts: string[] } {
  return { parts: [generalSection(), ...(snapshot.queues ?? []).map((q) => queueSection(snapshot, q))] };
}
