import { destinationTarget } from '../destinations/render.js';
import { inboundContexts } from '../inbound/contract.js';
import { context, exten, label } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';

/**
 * Office pause (F-4.2.4.a) is a custom device state in Asterisk, so phones
 * (*81 / *081, F-4.7.l), the BLF key and the dialplan share one switch that
 * works while this server is away: INUSE is on, anything else (NOT_INUSE, or
 * UNKNOWN when never set) is off. Asterisk keeps it in its astdb over restarts.
 */
export const officePauseDevice = 'Custom:officepause';
/** The named extension a phone's BLF key can watch whatever the feature codes are. */
export const officePauseHintExtension = 'officepause';

export const officePauseContexts = {
  /** Gosub s,1 from a trunk's inbound context (src/inbound/contract.ts). */
  inbound: inboundContexts.officePause,
  /** The codes *81 / *081 and the hints, under the right allowFeatureCodes. */
  codes: 'pbx-office-pause-codes',
} as const;

const isOn = `$["\${DEVICE_STATE(${officePauseDevice})}" = "INUSE"]`;

/** The inbound step: while office pause is on, the call goes to the destination; otherwise (or with none) it returns. */
export function officePauseInboundContext(snapshot: PbxSnapshot): string {
  const destination = snapshot.officePause.destination;
  return context(officePauseContexts.inbound, [exten('s', [`GotoIf(${isOn}?on)`, 'Return()', label('on', destination ? destinationTarget(destination) : 'Return()')])]);
}

/**
 * *81 turns office pause on (refused with an error prompt while no
 * destination is set), *081 turns it off; each confirms with a prompt. The
 * hint lets a BLF key show the state, on the code and on `officepause`.
 */
export function officePauseCodeContext(snapshot: PbxSnapshot): string {
  const c = snapshot.featureCodes;
  const on = snapshot.officePause.destination ? ['Answer()', `Set(DEVICE_STATE(${officePauseDevice})=INUSE)`, 'Playback(activated)', 'Hangup()'] : ['Answer()', 'Playback(beeperr)', 'Hangup()'];
  const off = ['Answer()', `Set(DEVICE_STATE(${officePauseDevice})=NOT_INUSE)`, 'Playback(de-activated)', 'Hangup()'];
  return context(officePauseContexts.codes, [
    `exten => ${c.officePauseOn},hint,${officePauseDevice}`,
    exten(c.officePauseOn!, on),
    exten(c.officePauseOff!, off),
    `exten => ${officePauseHintExtension},hint,${officePauseDevice}`,
  ]);
}

export function officePauseExpectations(snapshot: PbxSnapshot) {
  const c = snapshot.featureCodes;
  return [
    { number: c.officePauseOn!, reaches: { app: 'Answer' }, owner: 'feature code officePauseOn' },
    { number: c.officePauseOff!, reaches: { app: 'Answer' }, owner: 'feature code officePauseOff' },
  ];
}
