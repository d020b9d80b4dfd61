import type { PbxSnapshot } from '../../pbx/render/snapshot.js';
import { section } from '../../pbx/render/text.js';
import { callControlContexts, parkingLot } from './contexts.js';
import { parkingWarnings, parkSlots } from './dialplan.js';

/** F-4.7.c: a parked call waits 120 s, then rings the extension that parked it again. */
export const parkingTimeSeconds = 120;

/**
 * res_parking.conf: one lot over the park range (F-4.6.1.a, F-4.7.c), the
 * first free slot taken, music while parked. No `parkext`: calls are parked
 * by the API (AMI Park) and taken back through pbx-parked-calls, which the
 * dialplan renders (and checks) itself.
 */
export function parkingConf(snapshot: PbxSnapshot): { parts: string[]; warnings: string[] } {
  const { start, end } = parkSlots(snapshot);
  return {
    parts: [
      section('general', [['parkeddynamic', false]]),
      section(parkingLot, [
        ['parkpos', `${Number(start)}-${Number(end)}`],
        ['context', callControlContexts.parkedCalls],
        ['parkingtime', parkingTimeSeconds],
        ['comebacktoorigin', true],
        ['comebackdialtime', 30],
        ['findslot', 'first'],
        ['parkedmusicclass', 'default'],
      ]),
    ],
    warnings: parkingWarnings(snapshot),
  };
}
