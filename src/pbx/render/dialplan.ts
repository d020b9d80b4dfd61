import type { DomainRegistry } from '../../domains/registry.js';
import type { NumberExpectation } from '../lint/types.js';
import { context, coreContexts, exten, label, recordingStep } from './dialplan-text.js';
import type { PbxSnapshot } from './snapshot.js';
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

/** extensions.conf: the core's contexts, then each domain's (D1: native applications only). */
export function renderDialplan(snapshot: PbxSnapshot, registry: DomainRegistry): string {
  return file(
    '[general]\nstatic=yes\nwriteprotect=yes\nclearglobalvars=no\n',
    globals(snapshot),
    internal(registry),
    recordCallContext(),
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
