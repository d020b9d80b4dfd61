import type { Tx } from '../db/client.js';
import { ValidationError } from '../errors.js';
import { findDepartmentId, findExtensionId } from './refs.js';

/**
 * The one shape for "where a call goes" (ARCHITECTURE: Destination), shared by
 * no-answer targets, IVR keys, time rules, routes and every later feature.
 * The manual names the first six kinds; the rest are inferred (FEATURES 0.1).
 */
export const destinationTypes = [
  'EXTENSION',
  'DEPARTMENT',
  'QUEUE',
  'IVR',
  'VOICEMAIL',
  'CONFERENCE',
  'TIME_RULE',
  'DISA',
  'PAGING_GROUP',
  'ANALOG_EXTENSION',
  'EXTERNAL_NUMBER',
  'HANGUP',
] as const;
export type DestinationType = (typeof destinationTypes)[number];

export type DestinationInput = { type: DestinationType; target?: string | null };
/** Stored form: the target object's id, the external number, or null for HANGUP. */
export type StoredDestination = { type: DestinationType; target: string | null };

type TargetResolver = { noun: string; find: ((tx: Tx, ref: string) => Promise<string | null>) | null };

/**
 * How each kind finds its target. Kinds whose feature does not exist yet have
 * no table to look in, so every target of theirs is reported as not found.
 */
const resolvers: Record<Exclude<DestinationType, 'EXTERNAL_NUMBER' | 'HANGUP'>, TargetResolver> = {
  EXTENSION: { noun: 'extension', find: findExtensionId },
  VOICEMAIL: { noun: 'extension (voicemail)', find: findExtensionId },
  DEPARTMENT: { noun: 'department', find: findDepartmentId },
  QUEUE: { noun: 'queue', find: null },
  IVR: { noun: 'IVR', find: null },
  CONFERENCE: { noun: 'conference room', find: null },
  TIME_RULE: { noun: 'time rule', find: null },
  DISA: { noun: 'DISA', find: null },
  PAGING_GROUP: { noun: 'paging group', find: null },
  ANALOG_EXTENSION: { noun: 'analog extension', find: null },
};

export const externalNumberPattern = /^\+?[0-9*#]{1,32}$/;

/** Checks that the target exists and returns the stored form; issues name `path`. */
export async function resolveDestination(tx: Tx, input: DestinationInput, path: string[]): Promise<StoredDestination> {
  const target = input.target?.trim() ?? '';
  if (input.type === 'HANGUP') return { type: 'HANGUP', target: null };
  if (input.type === 'EXTERNAL_NUMBER') {
    if (!externalNumberPattern.test(target)) {
      throw ValidationError.single([...path, 'target'], 'an external number: digits, * and # with an optional leading +, at most 32', 'INVALID_FORMAT');
    }
    return { type: 'EXTERNAL_NUMBER', target };
  }
  const resolver = resolvers[input.type];
  if (!target) throw ValidationError.single([...path, 'target'], `the ${resolver.noun} to send calls to is required`, 'REQUIRED');
  const id = resolver.find ? await resolver.find(tx, target) : null;
  if (!id) throw ValidationError.single([...path, 'target'], `no ${resolver.noun} ${target} exists`, 'NOT_FOUND');
  return { type: input.type, target: id };
}

/** Which destination kinds point at objects of a given kind (for finding referrers). */
export const destinationKindsTargeting: Record<'EXTENSION' | 'DEPARTMENT', DestinationType[]> = {
  EXTENSION: ['EXTENSION', 'VOICEMAIL'],
  DEPARTMENT: ['DEPARTMENT'],
};
