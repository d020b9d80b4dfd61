import type { DomainRegistry } from '../../domains/registry.js';
import type { NumberExpectation } from '../lint/types.js';
import { context, coreContexts, exten, label, recordingStep } from './dialplan-text.js';
import type { PbxSnapshot } from './snapshot.js';
import { realtimeFamilies } from './realtime.js';
import { file } from './text.js';

function globals(snapshot: PbxSnapshot): string {
  return `[globals]\nPBX_RINGTIME=${snapshot.settings.pbx.globalRingSeconds}\n`;
}

/** What phones may dial: every domain's public context, in registration order. */
function internal(registry: DomainRegistry): string {
  const includes = registry.domains.flatMap((d) => d.dialplan?.includes ?? []);
  return [`[${coreContexts.internal}]`, ...includes.map((c) => `include => ${c.context}`), ''].join('\n');
}

/** Records a call at most once: a trunk and the extension behind it may both ask (ARG1 = the callee in the file name). */
function recordCallContext(): string {
  return context(coreContexts.recordCall, [exten('s', ['GotoIf($["${PBX_RECORDING_ON}" != ""]?done)', 'Set(PBX_RECORDING_ON=1)', recordingStep('${ARG1}'), label('done', 'Return()')])]);
}

/**
 * The calling extension's data, looked up by its endpoint at call time (the
 * realtime view, src/pbx/render/realtime.ts): a pushed endpoint cannot carry
 * it in set_var, which Asterisk does not keep in astdb. Variables already set
 * (by an IAX2 friend's setvar, or an earlier lookup) stay.
 */
function callerContext(): string {
  const family = realtimeFamilies.extension.family;
  return context(coreContexts.caller, [
    exten('s', [
      'GotoIf($["${PBX_CALLER_READ}" != ""]?done)',
      'Set(PBX_CALLER_READ=1)',
      'GotoIf($["${CHANNEL(channeltype)}" != "PJSIP"]?done)',
      `Set(HASH(pbxcaller)=\${REALTIME_HASH(${family},number,\${CHANNEL(endpoint)})})`,
      'GotoIf($["${HASH(pbxcaller,number)}" = ""]?done)',
      'Set(PBX_RECORDING=${HASH(pbxcaller,recording)})',
      'Set(PBX_CID1=${HASH(pbxcaller,cid1)})',
      'Set(PBX_CID2=${HASH(pbxcaller,cid2)})',
      'Set(PBX_WHITELIST_OUT=${HASH(pbxcaller,whitelist_out)})',
      label('done', 'Return()'),
    ]),
  ]);
}

/** extensions.conf: the core's contexts, then each domain's (D1: native applications only). */
export function renderDialplan(snapshot: PbxSnapshot, registry: DomainRegistry): string {
  return file(
    '[general]\nstatic=yes\nwriteprotect=yes\nclearglobalvars=no\n',
    globals(snapshot),
    internal(registry),
    recordCallContext(),
    callerContext(),
    ...registry.domains.flatMap((d) => d.dialplan?.contexts(snapshot, registry) ?? []),
  );
}

/** What each dialable number must reach: checked by the dialplan lint (D4). */
export function dialplanExpectations(snapshot: PbxSnapshot, registry: DomainRegistry): NumberExpectation[] {
  return registry.domains.flatMap((d) => d.expectations?.(snapshot, registry) ?? []);
}

/** The domains' dialplan warnings, for the apply report. */
export function dialplanWarnings(snapshot: PbxSnapshot, registry: DomainRegistry): string[] {
  return registry.domains.flatMap((d) => d.dialplan?.warnings?.(snapshot, registry) ?? []);
}
