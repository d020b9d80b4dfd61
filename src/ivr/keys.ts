/**
 * The events of an IVR menu (F-4.2.1.a): the twelve keys of a phone, no key
 * after the last repetition, and an invalid key. Each is one slot of the
 * Destination table (owner kind IVR) and, in the dialplan, one extension of
 * the IVR's context.
 */
export const ivrKeys = ['KEY_0', 'KEY_1', 'KEY_2', 'KEY_3', 'KEY_4', 'KEY_5', 'KEY_6', 'KEY_7', 'KEY_8', 'KEY_9', 'KEY_STAR', 'KEY_HASH', 'NO_INPUT', 'INVALID'] as const;
export type IvrKey = (typeof ivrKeys)[number];

/** Keys that default to hanging up when not given (F-4.2.1 screenshot: 无按键 → 挂机, 无效按键 → 挂机). */
export const defaultedKeys: readonly IvrKey[] = ['NO_INPUT', 'INVALID'];

type KeySpec = {
  /** The Destination slot it is stored in. */
  slot: string;
  /** The dialplan extension that answers it: the key itself, or Asterisk's `t` (timeout) and `i` (invalid). */
  exten: string;
  /** As people say it, for messages and referrer labels. */
  label: string;
};

const digitKeys = Object.fromEntries(Array.from({ length: 10 }, (_, d) => [`KEY_${d}`, { slot: `key${d}`, exten: String(d), label: `key ${d}` }]));

export const keySpecs = {
  ...digitKeys,
  KEY_STAR: { slot: 'keyStar', exten: '*', label: 'key *' },
  KEY_HASH: { slot: 'keyHash', exten: '#', label: 'key #' },
  NO_INPUT: { slot: 'noInput', exten: 't', label: 'no key' },
  INVALID: { slot: 'invalid', exten: 'i', label: 'an invalid key' },
} as Record<IvrKey, KeySpec>;

const keyBySlot = new Map(ivrKeys.map((k) => [keySpecs[k].slot, k]));

/** The key stored in a Destination slot, or null for a slot that is not an IVR key. */
export function keyOfSlot(slot: string): IvrKey | null {
  return keyBySlot.get(slot) ?? null;
}

/** Labels of the slots for referrer messages: `IVR 0600 (welcome) sends key 2 there`. */
export const ivrDestinationSlots: Record<string, string> = Object.fromEntries(
  ivrKeys.map((k) => {
    const spec = keySpecs[k];
    if (k === 'NO_INPUT') return [spec.slot, 'sends callers who press no key there'];
    if (k === 'INVALID') return [spec.slot, 'sends callers who press an invalid key there'];
    return [spec.slot, `sends ${spec.label} there`];
  }),
);
