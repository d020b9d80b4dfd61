import { context, exten } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { Composed, section } from '../pbx/render/text.js';
import type { FeatureCodes } from './table.js';
import { forwardFamilies, type ForwardType } from '../call-forwarding/families.js';

export const featureCodeContexts = { featureCodes: 'pbx-feature-codes', pickup: 'pbx-pickup-codes' } as const;

declare module '../pbx/render/snapshot.js' {
  interface PbxSnapshot {
    /** Every feature code by key (F-4.7); only those whose feature exists are rendered. */
    featureCodes: FeatureCodes;
  }
}

/** A code as a dialplan extension name: `*`, `#` and digits are literal; a code followed by a number becomes a pattern. */
const literal = (code: string) => code;
const withNumber = (code: string) => `_${code}X.`;

/** The AstDB family of the extensions in DND: a key per number, set and removed by the DND codes, read before ringing. */
export const dndFamily = 'DND';

/** The idle-dial codes whose features exist (F-4.7.a, F-4.7.j, F-4.7.k), under the right allowFeatureCodes. */
export function featureCodeContext(snapshot: PbxSnapshot): string {
  const c = snapshot.featureCodes;
  const me = '${CHANNEL(endpoint)}';
  return context(featureCodeContexts.featureCodes, [
    exten(literal(c.voicemailMain!), ['Answer()', 'VoiceMailMain(@default)', 'Hangup()']),
    exten(literal(c.voicemailOwn!), ['Answer()', `VoiceMailMain(${me}@default)`, 'Hangup()']),
    exten(literal(c.dndOn!), ['Answer()', `Set(DB(${dndFamily}/${me})=1)`, 'Playback(beep)', 'Hangup()']),
    exten(literal(c.dndOff!), ['Answer()', `Set(DELETED=\${DB_DELETE(${dndFamily}/${me})})`, 'Playback(beep)', 'Hangup()']),
    ...forwardCodes(c).flatMap(([type, on, off]) => [
      exten(withNumber(on), ['Answer()', `Set(DB(${forwardFamilies[type]}/${me})=\${FILTER(0-9,\${EXTEN:${on.length}})})`, 'Playback(beep)', 'Hangup()']),
      exten(literal(off), ['Answer()', `Set(DELETED=\${DB_DELETE(${forwardFamilies[type]}/${me})})`, 'Playback(beep)', 'Hangup()']),
    ]),
  ]);
}

/** The call forwarding codes (F-4.7.j): each kind's code to turn it on (followed by the number) and off. */
function forwardCodes(c: FeatureCodes): [ForwardType, string, string][] {
  return [
    ['ALWAYS', c.cfAlwaysOn!, c.cfAlwaysOff!],
    ['BUSY', c.cfBusyOn!, c.cfBusyOff!],
    ['NO_ANSWER', c.cfNoAnswerOn!, c.cfNoAnswerOff!],
  ];
}

/** The pickup codes (F-4.7.b), under the right allowPickup. */
export function pickupCodeContext(snapshot: PbxSnapshot): string {
  const c = snapshot.featureCodes;
  return context(featureCodeContexts.pickup, [
    exten(literal(c.pickupGroup!), ['Pickup()', 'Hangup()']),
    // Digits only: Pickup reads & in its argument as a second extension to pick up.
    exten(withNumber(c.pickupDirected!), [`Pickup(\${FILTER(0-9,\${EXTEN:${c.pickupDirected!.length}})}@PICKUPMARK)`, 'Hangup()']),
  ]);
}

/**
 * features.conf: the in-call codes whose features exist. Transfers work on
 * every call our Dial() places (its t and T options). chan_pjsip answers a
 * call to `pickupexten` itself, before and whatever the dialplan (so a
 * phone whose dial permission lacks allowPickup could still pick up), so it
 * is set empty: a dialled number is never empty (Asterisk makes it `s`), and
 * group pickup is the dialplan's Pickup() in pbx-pickup-codes, reached only
 * with the right. The abort code of an attended transfer is ours too, not
 * Asterisk's default *1 (one-touch recording's code).
 */
export function featuresFile(snapshot: PbxSnapshot): { parts: string[] } {
  const c = snapshot.featureCodes;
  return {
    parts: [
      section('general', [
        ['transferdigittimeout', 3],
        ['pickupexten', new Composed('')],
        ['atxferabort', c.cancelTransfer],
      ]),
      section('featuremap', [
        ['blindxfer', c.blindTransfer],
        ['atxfer', c.attendedTransfer],
        // One-touch recording (F-5.1.3): MixMonitor of the call, named by the TOUCH_MIXMONITOR variables (src/records/config.ts).
        ['automixmon', c.oneTouchRecord],
      ]),
    ],
  };
}

export function featureCodeExpectations(snapshot: PbxSnapshot) {
  const c = snapshot.featureCodes;
  return [
    { number: c.voicemailMain!, reaches: { app: 'Answer' }, owner: 'feature code voicemailMain' },
    { number: c.voicemailOwn!, reaches: { app: 'Answer' }, owner: 'feature code voicemailOwn' },
    { number: c.pickupGroup!, reaches: { app: 'Pickup' }, owner: 'feature code pickupGroup' },
    { number: `${c.pickupDirected}101`, reaches: { app: 'Pickup' }, owner: 'feature code pickupDirected' },
    { number: c.dndOn!, reaches: { app: 'Answer' }, owner: 'feature code dndOn' },
    { number: c.dndOff!, reaches: { app: 'Answer' }, owner: 'feature code dndOff' },
    ...forwardCodes(c).flatMap(([type, on, off]) => [
      { number: `${on}102`, reaches: { app: 'Answer' }, owner: `feature code forwarding ${type} on` },
      { number: off, reaches: { app: 'Answer' }, owner: `feature code forwarding ${type} off` },
    ]),
  ];
}
