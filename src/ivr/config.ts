import { grantedRights } from '../dial-permissions/config.js';
import { permissionContext } from '../dial-permissions/context.js';
import { destinationTarget } from '../destinations/render.js';
import type { DomainRegistry } from '../domains/registry.js';
import type { RenderDestination } from '../domains/types.js';
import { extensionContexts } from '../extensions/dialplan.js';
import type { NumberExpectation } from '../pbx/lint/types.js';
import { context, coreContexts, digits, exten, label } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { dialplanSafe, RenderError, safe } from '../pbx/render/text.js';
import { promptPlayPath } from '../sounds/contract.js';
import { MAX_IVR_ENTRIES, RESPONSE_SECONDS } from './fields.js';
import { keySpecs, type IvrKey } from './keys.js';
import type { SnapshotIvr } from './snapshot.js';

export const ivrContexts = {
  /** The IVR numbers, included in pbx-internal and in the dial permissions that grant allowIvr. */
  numbers: 'pbx-ivrs',
  /** An IVR's menu: named by its id, so a renumbered IVR keeps its context. */
  menu(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new RenderError(`IVR id ${JSON.stringify(id)} cannot name a dialplan context`);
    return `pbx-ivr-${id}`;
  },
} as const;

/** Counts the IVR menus a call has entered; inherited, so a call that loops through Local channels is counted too. */
export const entriesVariable = 'PBX_IVR_ENTRIES';
/** Counts the plays of the prompt in the menu the call is in. */
const playsVariable = 'PBX_IVR_PLAYS';
const playLabel = 'play';
/** Where a call that has entered menus too often is hung up (letters: no caller can dial it). */
const tooManyExten = 'toomany';

const owner = (ivr: SnapshotIvr) => `IVR ${ivr.number} (${ivr.name})`;

/** What a caller may dial during the menu: the permission's context, or the extension numbers only; none without direct dial. */
export function directDialContext(ivr: SnapshotIvr): string | null {
  if (!ivr.allowDirectDial) return null;
  return ivr.directDialPermission === null ? extensionContexts.extensions : permissionContext(ivr.directDialPermission);
}

/** The steps of an event: the destination's step, and Hangup() after a step that may come back (a Gosub). */
function eventSteps(destination: RenderDestination): string[] {
  const target = destinationTarget(destination);
  return target === 'Hangup()' || target.startsWith('Goto(') ? [target] : [target, 'Hangup()'];
}

function promptPath(snapshot: PbxSnapshot, ivr: SnapshotIvr): string {
  const path = dialplanSafe(promptPlayPath(snapshot, ivr.promptId), `prompt of ${owner(ivr)}`);
  // Background() plays a list of files separated by &.
  if (path.includes('&')) throw new RenderError(`prompt of ${owner(ivr)}: the path ${JSON.stringify(path)} holds an &, which Background() would split on`);
  return path;
}

/**
 * The menu (F-4.2.1): count the entry (a call that has entered menus more
 * than MAX_IVR_ENTRIES times is hung up), answer, set the language for the
 * destinations that follow (set on entry: a call that leaves by direct dial
 * runs no step of ours on the way out), set the gap allowed between keys,
 * then play the prompt and wait RESPONSE_SECONDS for a key, repeatCount
 * times, and go to `t`, the NO_INPUT event. Every event (keys, `i`, `t`) is
 * one extension whose first step sends the call to its destination, which
 * the dialplan check follows.
 *
 * The loop is made after WaitExten(), not through `t`: on a timeout
 * Asterisk 22 goes on to the next priority of the extension when one exists
 * anywhere in the search (pbx_builtins.c, pbx_builtin_waitexten), and only
 * then to `t`; a directly dialable pattern such as `_.` would otherwise
 * supply that next priority. Our own `s` always has it, and is found first.
 *
 * A key that is also the first digit of a number callers may dial directly
 * makes Asterisk wait digitTimeoutSeconds for more digits; when none come,
 * the key's own extension is taken (it is found in this context before the
 * included ones).
 */
function menuContext(snapshot: PbxSnapshot, ivr: SnapshotIvr): string {
  const repeats = ivr.repeatCount > 1;
  const language = ivr.language === 'DEFAULT' ? [] : [`Set(CHANNEL(language)=${dialplanSafe(ivr.language, `language of ${owner(ivr)}`)})`];
  const play = `Background(${promptPath(snapshot, ivr)})`;
  const entry = exten('s', [
    `Set(__${entriesVariable}=$[0\${${entriesVariable}} + 1])`,
    `GotoIf($[\${${entriesVariable}} > ${MAX_IVR_ENTRIES}]?${tooManyExten},1)`,
    'Answer()',
    ...language,
    `Set(TIMEOUT(digit)=${digits(String(ivr.digitTimeoutSeconds), 'digit timeout')})`,
    ...(repeats ? [`Set(${playsVariable}=0)`, label(playLabel, `Set(${playsVariable}=$[\${${playsVariable}} + 1])`), play] : [play]),
    `WaitExten(${RESPONSE_SECONDS})`,
    ...(repeats ? [`GotoIf($[\${${playsVariable}} < ${digits(String(ivr.repeatCount), 'repeat count')}]?${playLabel})`] : []),
    `Goto(${keySpecs.NO_INPUT.exten},1)`,
  ]);
  const tooMany = exten(tooManyExten, [`NoOp(This call entered IVR menus more than ${MAX_IVR_ENTRIES} times)`, 'Hangup()']);
  const direct = directDialContext(ivr);
  return context(ivrContexts.menu(ivr.id), [
    `; ${safe(owner(ivr), 'IVR name')}`,
    entry,
    tooMany,
    ...events(ivr).map((e) => exten(keySpecs[e.key].exten, eventSteps(e.destination))),
    ...(direct ? [`include => ${direct}`] : []),
  ]);
}

/** The configured keys in key order, then INVALID and NO_INPUT. */
function events(ivr: SnapshotIvr): { key: IvrKey; destination: RenderDestination }[] {
  return [...ivr.keys, { key: 'INVALID', destination: ivr.invalid }, { key: 'NO_INPUT', destination: ivr.noInput }];
}

export function ivrDialplan(snapshot: PbxSnapshot): string[] {
  const ivrs = snapshot.ivrs ?? [];
  const numbers = context(
    ivrContexts.numbers,
    ivrs.map((ivr) => exten(digits(ivr.number, 'IVR number'), [`Goto(${ivrContexts.menu(ivr.id)},s,1)`])),
  );
  return [numbers, ...ivrs.map((ivr) => menuContext(snapshot, ivr))];
}

/**
 * What the dialplan check proves for each IVR: its number reaches its menu;
 * each event (keys, `i`, `t`) runs exactly its destination's step, whose
 * target exists; and, with direct dial, an extension number the menu lets
 * callers dial reaches the extension.
 */
export function ivrExpectations(snapshot: PbxSnapshot, registry: DomainRegistry): NumberExpectation[] {
  const expectations: NumberExpectation[] = [];
  const firstExtension = snapshot.extensions.find((e) => e.enabled);
  for (const ivr of snapshot.ivrs ?? []) {
    const menu = ivrContexts.menu(ivr.id);
    expectations.push({ number: ivr.number, context: coreContexts.internal, reaches: { context: menu }, owner: owner(ivr) });
    for (const { key, destination } of events(ivr)) {
      const spec = keySpecs[key];
      expectations.push({ number: spec.exten, context: menu, reaches: { step: destinationTarget(destination) }, owner: `${owner(ivr)}, ${spec.label}` });
    }
    if (firstExtension && reachesExtensions(snapshot, registry, ivr)) {
      expectations.push({
        number: firstExtension.number,
        context: menu,
        reaches: { context: extensionContexts.dialExtension },
        owner: `${owner(ivr)}, direct dial of extension ${firstExtension.number}`,
      });
    }
  }
  return expectations;
}

/** Whether callers may dial extension numbers during the menu. */
function reachesExtensions(snapshot: PbxSnapshot, registry: DomainRegistry, ivr: SnapshotIvr): boolean {
  if (!ivr.allowDirectDial) return false;
  if (ivr.directDialPermission === null) return true;
  const permission = snapshot.dialPermissions.find((p) => p.name === ivr.directDialPermission);
  return !!permission && grantedRights(permission, registry).has('allowExtensions');
}
