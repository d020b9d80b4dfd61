import { deviceStateChanged, type AriEvent } from './ari-events.js';
import { TECHNOLOGY, type PbxState } from './pbx-state.js';

export const DEVICE_STATES = ['UNKNOWN', 'NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD'] as const;

export type DeviceStateName = (typeof DEVICE_STATES)[number];

export function isDeviceState(value: string): value is DeviceStateName {
  return (DEVICE_STATES as readonly string[]).includes(value);
}

/** chan_pjsip's view: offline is UNAVAILABLE whatever the channels; otherwise aggregate them. */
export function endpointDeviceState(state: PbxState, resource: string): DeviceStateName {
  if (!state.endpoints.has(resource)) return 'INVALID';
  if (!state.isOnline(resource)) return 'UNAVAILABLE';
  const channels = [...state.channels.values()].filter((c) => c.endpoint === resource);
  const ringing = channels.some((c) => c.state === 'Ringing');
  const inUse = channels.some((c) => c.state === 'Ring' || c.state === 'Up');
  if (ringing && inUse) return 'RINGINUSE';
  if (ringing) return 'RINGING';
  if (inUse) return 'INUSE';
  return 'NOT_INUSE';
}

/**
 * app_queue's `Queue:<name>_avail` device: NOT_INUSE while any member can take
 * a call (with ringinuse=yes a busy member still counts), INUSE otherwise.
 */
export function queueAvailState(state: PbxState, members: readonly string[]): DeviceStateName {
  const available = members.some((member) => {
    const memberState = endpointDeviceState(state, member);
    return memberState !== 'UNAVAILABLE' && memberState !== 'INVALID';
  });
  return available ? 'NOT_INUSE' : 'INUSE';
}

/** Any device name ARI can be asked about with GET /deviceStates/{deviceName}. */
export function currentDeviceState(state: PbxState, name: string): DeviceStateName {
  const pjsipPrefix = `${TECHNOLOGY}/`;
  if (name.startsWith(pjsipPrefix)) return endpointDeviceState(state, name.slice(pjsipPrefix.length));
  const queue = /^Queue:(.+)_avail$/.exec(name)?.[1];
  const members = queue === undefined ? undefined : state.config.queues[queue];
  if (members) return queueAvailState(state, members);
  const mailbox = /^MWI:(.+)$/.exec(name)?.[1];
  if (mailbox !== undefined && state.mailboxes.has(mailbox)) return mailboxDeviceState(state, mailbox);
  const stored = state.stasisDevices.get(name) ?? state.customDevices.get(name);
  return stored !== undefined && isDeviceState(stored) ? stored : 'UNKNOWN';
}

/** `100` → `100@default`, as app_voicemail names a mailbox without context. */
export function mailboxId(box: string): string {
  return box.includes('@') ? box : `${box}@default`;
}

/** res_mwi_devstate's `MWI:<mailbox>@<context>` device: INUSE while a new message waits. */
export function mailboxDeviceState(state: PbxState, mailbox: string): DeviceStateName {
  return (state.mailboxes.get(mailbox) ?? 0) > 0 ? 'INUSE' : 'NOT_INUSE';
}

/** Announces a mailbox's MWI device state if it changed. */
export function publishMailboxDeviceState(state: PbxState, emit: (event: AriEvent) => void, mailbox: string): void {
  publishIfChanged(state, emit, `MWI:${mailbox}`, mailboxDeviceState(state, mailbox));
}

/**
 * What Asterisk has published by the time ARI clients can connect (after a
 * (re)start): endpoints with contacts kept in astdb, queues and mailboxes. No
 * event is sent for these; nothing could have received it.
 */
export function initialDeviceStates(state: PbxState): void {
  for (const resource of state.endpoints.keys()) {
    state.publishedDeviceStates.set(`${TECHNOLOGY}/${resource}`, endpointDeviceState(state, resource));
  }
  for (const mailbox of state.mailboxes.keys()) {
    state.publishedDeviceStates.set(`MWI:${mailbox}`, mailboxDeviceState(state, mailbox));
  }
  initialQueueStates(state);
}

export function initialQueueStates(state: PbxState): void {
  for (const [queue, members] of Object.entries(state.config.queues)) {
    state.publishedDeviceStates.set(`Queue:${queue}_avail`, queueAvailState(state, members));
  }
}

/**
 * Announces an endpoint's device state if it changed since last announced,
 * then the availability of the queues it belongs to, in that order, as
 * Asterisk does.
 */
export function publishEndpointDeviceState(state: PbxState, emit: (event: AriEvent) => void, resource: string): void {
  publishIfChanged(state, emit, `${TECHNOLOGY}/${resource}`, endpointDeviceState(state, resource));
  for (const [queue, members] of Object.entries(state.config.queues)) {
    if (members.includes(resource)) {
      publishIfChanged(state, emit, `Queue:${queue}_avail`, queueAvailState(state, members));
    }
  }
}

function publishIfChanged(state: PbxState, emit: (event: AriEvent) => void, name: string, value: DeviceStateName): void {
  if (state.publishedDeviceStates.get(name) === value) return;
  state.publishedDeviceStates.set(name, value);
  emit(deviceStateChanged(name, value));
}
