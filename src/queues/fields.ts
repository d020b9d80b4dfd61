import { z } from 'zod';
import { charset, dialableNumber } from '../validation/charsets.js';

/** Ring strategies (F-4.2.2) and the app_queue strategy each one is. */
export const queueStrategies = {
  RING_ALL: 'ringall',
  FEWEST_CALLS: 'fewestcalls',
  LEAST_RECENT: 'leastrecent',
  RR_MEMORY: 'rrmemory',
  LINEAR: 'linear',
  RR_ORDERED: 'rrordered',
} as const;
export type QueueStrategy = keyof typeof queueStrategies;
export const queueStrategyNames = Object.keys(queueStrategies) as QueueStrategy[];

export const autopauseModes = ['NO', 'YES', 'ALL'] as const;
export type AutopauseMode = (typeof autopauseModes)[number];

export const holdTimeAnnouncements = ['YES', 'NO', 'ONCE'] as const;
export type HoldTimeAnnouncement = (typeof holdTimeAnnouncements)[number];

/** The most agents of each kind one queue may have. */
export const MAX_AGENTS = 200;

const seconds = (min: number, max: number, what: string) => z.number().int().min(min, `at least ${min}`).max(max, `at most ${max}`).describe(`${what} (${min}–${max})`);

/** An announcement interval: 0 switches it off, otherwise 15 s or more (Asterisk would repeat it without pause). */
const interval = (what: string) =>
  z
    .number()
    .int()
    .min(0, 'at least 0')
    .max(3600, 'at most 3600')
    .refine((v) => v === 0 || v >= 15, '0 (off) or at least 15')
    .describe(`${what}, seconds: 0 = off, else 15–3600`);

/** The scalar fields of a queue with their rules; the descriptions are the schema's. */
export const queueFieldSchemas = {
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`Queue name, unique. ${charset.name.rule}`),
  number: z
    .string()
    .regex(dialableNumber.pattern, dialableNumber.rule)
    .describe('Dialable number inside the queue range (F-4.6.1.a); dialling it enters the queue. On create: the next free number of the range when absent'),
  strategy: z.enum(queueStrategyNames).describe('Which agent is rung for a waiting call'),
  useMemberOrder: z
    .boolean()
    .describe(
      'Agent weight (坐席权重): static agents are tried in their list order, each before the next (app_queue penalty = position), and dynamic agents after all of them. Needs a one-at-a-time strategy (not RING_ALL). Off: the strategy alone decides',
    ),
  autofill: z.boolean().describe('Hand waiting callers to free agents in parallel (app_queue autofill); off: one caller at a time from the head of the queue'),
  agentRingTimeoutSeconds: seconds(5, 600, 'How long an agent rings per attempt, seconds'),
  autopause: z.enum(autopauseModes).describe('Pause an agent who does not answer a queue call: NO, YES (in this queue), ALL (in every queue)'),
  wrapupSeconds: seconds(0, 3600, 'Rest time after an answered call before the agent gets the next one, seconds'),
  reportHoldTime: z.boolean().describe('Tell the agent how long the caller waited, when the agent answers'),
  maxCallers: z.number().int().min(0, 'at least 0').max(1000, 'at most 1000').describe('Most callers waiting at once (0–1000, 0 = no limit); a caller beyond it goes to the failover destination'),
  prefixQueueNameToCallerId: z.boolean().describe("Show the queue name before the caller's name on the agent's phone (`<queue name>:<caller name>`)"),
  maxWaitSeconds: seconds(0, 86400, 'Longest wait of a caller before the failover destination, seconds; 0 = no limit'),
  joinEmpty: z
    .boolean()
    .describe('Callers may join while no agent can take calls (none logged in, all paused or unreachable); off: they go to the failover destination at once. Cannot be on with leaveWhenEmpty'),
  leaveWhenEmpty: z
    .boolean()
    .describe('Waiting callers leave for the failover destination when no agent can take calls any more (none logged in, all paused or unreachable). Cannot be on with joinEmpty'),
  announceHoldTime: z
    .enum(holdTimeAnnouncements)
    .describe(
      'Tell waiting callers the estimated hold time with each announcement (YES), only the first time (ONCE), or not (NO); an estimate under a minute is not said. Needs announceFrequencySeconds',
    ),
  announcePosition: z.boolean().describe('Tell waiting callers their place in line with each announcement. Needs announceFrequencySeconds'),
  announceFrequencySeconds: interval('Interval of the position and hold-time announcements'),
  periodicAnnounceFrequencySeconds: interval('Interval of the periodic announcement'),
} as const;

export type QueueScalarFields = {
  name: string;
  number: string;
  strategy: QueueStrategy;
  useMemberOrder: boolean;
  autofill: boolean;
  agentRingTimeoutSeconds: number;
  autopause: AutopauseMode;
  wrapupSeconds: number;
  reportHoldTime: boolean;
  maxCallers: number;
  prefixQueueNameToCallerId: boolean;
  maxWaitSeconds: number;
  joinEmpty: boolean;
  leaveWhenEmpty: boolean;
  announceHoldTime: HoldTimeAnnouncement;
  announcePosition: boolean;
  announceFrequencySeconds: number;
  periodicAnnounceFrequencySeconds: number;
};

export const queueReferenceDescriptions = {
  mohClass: 'What waiting callers hear: a music-on-hold class by name or global ID (F-4.4.1); default `default`',
  periodicAnnouncePrompt:
    "The periodic announcement: a prompt of the sound library's CUSTOM category (F-4.4.3) by name or global ID; null: Asterisk's own `queue-periodic-announce` (“all representatives are busy…”). Played every periodicAnnounceFrequencySeconds",
  staticAgents: `Static agents: extension numbers or global IDs, in order (the order useMemberOrder rings them in); always members, they cannot log in or out. At most ${MAX_AGENTS}`,
  dynamicAgents: `Dynamic agents: extension numbers or global IDs that may log in and out with the feature codes queueLogin/queueLogout + the queue number (*62/*062); not logged in to begin with. At most ${MAX_AGENTS}`,
  failoverDestination:
    'Where a caller goes when the queue does not connect them (无应答目的地): the agents rang without answering (RING_ALL: every free agent once; LINEAR, RR_MEMORY, RR_ORDERED: as many tries as the queue has agents; FEWEST_CALLS, LEAST_RECENT: the chosen agent once), maxWaitSeconds passed, the queue was full (maxCallers), or no agent could take calls (joinEmpty off, leaveWhenEmpty on)',
} as const;
