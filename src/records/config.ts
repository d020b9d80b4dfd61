import { inboundVariables } from '../inbound/contract.js';
import { context, exten, label } from '../pbx/render/dialplan-text.js';
import { Composed, section } from '../pbx/render/text.js';
import { cdrFileName, cdrMappingFields, cdrVariables } from './cdr-fields.js';
import { touchRecordingVariables } from './contract.js';

/** The dialplan contexts of call records and recordings. */
export const recordContexts = {
  /** Gosub s,1: the trunk and the DID of an inbound call into its call record (an inbound step, before any other). */
  inbound: 'pbx-call-record-inbound',
  /** Gosub s,1, before a Dial: names what one-touch recording (*1, automixmon) records, and puts the dialled number into the call record. */
  onDemandRecording: 'pbx-record-on-demand',
} as const;

/**
 * cdr.conf: every call, answered or not, congested included, written as it
 * ends (no batching: a batch held in memory dies with Asterisk).
 */
export function renderCdrConf(): { parts: string[] } {
  return {
    parts: [
      section('general', [
        ['enable', true],
        ['unanswered', true],
        ['congestion', true],
        ['batch', false],
        ['safeshutdown', true],
      ]),
    ],
  };
}

/** cdr_custom.conf: the one JSON mapping this server imports (src/records/cdr-fields.ts). */
export function renderCdrCustomConf(): { parts: string[] } {
  return {
    parts: [
      section(cdrFileName, [
        ['format', 'json'],
        ['fields', new Composed(cdrMappingFields)],
      ]),
    ],
  };
}

/** The dialplan step before a Dial (calls to extensions, dial rules): one-touch recording, the dialled number of the call record. */
export const onDemandRecordingStep = `Gosub(${recordContexts.onDemandRecording},s,1)`;

export function recordDialplan(): string[] {
  return [
    context(recordContexts.inbound, [exten('s', [`Set(CDR(${cdrVariables.trunk})=\${${inboundVariables.trunk}})`, `Set(CDR(${cdrVariables.did})=\${${inboundVariables.did}})`, 'Return()'])]),
    context(recordContexts.onDemandRecording, [
      exten('s', [
        `Set(__TOUCH_MIXMONITOR_PREFIX=${touchRecordingVariables.prefix})`,
        `Set(__TOUCH_MIXMONITOR=${touchRecordingVariables.name})`,
        // The next Dial's bridge offers automixmon to the called party (x) and to the caller (X), unless the caller came from a trunk.
        'Set(BRIDGE_FEATURES=${BRIDGE_FEATURES}x${IF($["${PBX_TRUNK}" = ""]?X)})',
        // The number the caller dialled, for the call record: the first time only (a call may dial again), as a number (it may come from outside).
        `GotoIf($["\${CDR(${cdrVariables.dialled})}" != ""]?done)`,
        `Set(CDR(${cdrVariables.dialled})=\${FILTER(0-9A-Za-z*#+,\${CALLERID(dnid)})})`,
        label('done', 'Return()'),
      ]),
    ]),
  ];
}
