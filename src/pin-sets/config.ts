import { context, exten, label } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { RenderError } from '../pbx/render/text.js';

/** A PIN set as the renderer sees it (F-4.3.4). */
export type SnapshotPinSet = { id: string; name: string; pins: string[] };

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every PIN set, by name. */
    pinSets: SnapshotPinSet[];
  }
}

export const pinContexts = {
  /** The subroutine that asks for a PIN: ARG1 = the context of the PIN set. */
  check: 'pbx-pin-check',
  /** One context per set whose extensions are its PINs; never included, so never dialled. */
  set: (id: string) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RenderError(`PIN set id ${JSON.stringify(id)} cannot name a dialplan context`);
    return `pbx-pinset-${id}`;
  },
} as const;

/** The most tries a caller gets to enter a PIN. */
export const PIN_TRIES = 3;

/**
 * Asks for a PIN (F-4.3.4): Read() it, then DIALPLAN_EXISTS() in the set's
 * context of literal PIN extensions, so the list of PINs is in no log and no
 * database outside the dialplan; digits only reach the lookup (FILTER), so a
 * caller cannot make it match a pattern. Three tries, then goodbye. A good
 * PIN goes into the channel's account code, which the call record takes
 * (CDR(accountcode) is read-only since Asterisk 12).
 */
function checkContext(): string {
  return context(pinContexts.check, [
    exten('s', [
      'Set(PBX_PINTRIES=0)',
      label('ask', 'Read(PBX_PIN,agent-pass,6,,1,5)'),
      'GotoIf(${DIALPLAN_EXISTS(${ARG1},${FILTER(0-9,${PBX_PIN})},1)}?ok)',
      'Set(PBX_PINTRIES=$[${PBX_PINTRIES} + 1])',
      `GotoIf($[\${PBX_PINTRIES} < ${PIN_TRIES}]?wrong)`,
      'Playback(vm-goodbye)',
      'Hangup()',
      label('wrong', 'Playback(auth-incorrect)'),
      'Goto(ask)',
      label('ok', 'Set(CHANNEL(accountcode)=${FILTER(0-9,${PBX_PIN})})'),
      'Return()',
    ]),
  ]);
}

function setContext(set: SnapshotPinSet): string {
  const pins = set.pins.map((pin) => {
    if (!/^\d{3,6}$/.test(pin)) throw new RenderError(`PIN set ${set.name}: a PIN is not 3–6 digits`);
    return exten(pin, ['NoOp()']);
  });
  return context(pinContexts.set(set.id), pins);
}

export function pinSetDialplan(snapshot: PbxSnapshot): string[] {
  if (!snapshot.pinSets.length) return [];
  return [checkContext(), ...snapshot.pinSets.map(setContext)];
}

export function pinSetWarnings(snapshot: PbxSnapshot): string[] {
  return snapshot.pinSets.filter((s) => !s.pins.length).map((s) => `PIN set ${s.name} has no PINs: no caller can pass a dial rule that asks for it`);
}
