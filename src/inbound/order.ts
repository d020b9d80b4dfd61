import { destinationTarget } from '../destinations/render.js';
import type { DomainRegistry } from '../domains/registry.js';
import type { InboundStep, RenderDestination } from '../domains/types.js';
import { operatorSteps } from '../extensions/dialplan.js';
import { context, coreContexts, exten, label, records } from '../pbx/render/dialplan-text.js';
import type { PbxSnapshot } from '../pbx/render/snapshot.js';
import { dialplanSafe, RenderError } from '../pbx/render/text.js';
import type { SnapshotTrunk } from '../trunks/snapshot.js';
import { inboundContexts, inboundVariables } from './contract.js';

/**
 * THE order of inbound routing (F-4.2.4, F-4.2.5, F-4.2.6, F-4.2.4.a): the one
 * place that decides what a call from a trunk meets, and in which order.
 *
 * Every enabled client-mode trunk (a provider; SIP and IAX) has the inbound
 * context `pbx-inbound-<trunk>`, where its endpoint's or IAX2 friend's calls
 * start. It sets the inherited variables PBX_TRUNK (the trunk's name) and
 * PBX_DID (the called number: for SIP the Request-URI user, or the To
 * header's user when the Request-URI carries `s` or the trunk's contact user,
 * as providers that send to the registered contact do; for IAX the called
 * number), then runs the steps the registered domains declare in their
 * `inboundSteps`, by `order`. The plan is fixed:
 *
 *    5  call record (src/records): Gosub pbx-call-record-inbound,s,1 — the trunk and the DID into the call's record
 *   10  blacklist (src/blacklist): Gosub pbx-inbound-blacklist,s,1 — hangs up a listed caller
 *   20  anonymous callers (src/inbound): while the PBX setting blockAnonymous is on, hangs up a caller without caller ID
 *   30  office pause (src/office-pause): Gosub pbx-office-pause,s,1 — while on, goes to its destination
 *   40  DID route (src/inbound): a DID with a route goes to that route's destination, bypassing time rules and the trunk route
 *   then the trunk's inbound route: its destination, or the operator extension when it has none
 *        (while the operator exists and is enabled: looked up when the call comes), or else an
 *        announcement and hang-up, with a warning in the apply report.
 *
 * A step whose domain is not registered is simply not there (the Gosub is
 * rendered only for steps a registered domain provides, and that domain
 * renders the context). Server-mode trunks (another PBX that dials our
 * numbers directly) have no inbound context: their calls start in their dial
 * permission's context (F-4.3.1.b, M-40). A disabled trunk has none either.
 */

/** The registered steps in their order. */
export function inboundSteps(registry: DomainRegistry): InboundStep[] {
  return registry.domains.flatMap((d) => d.inboundSteps ?? []).sort((a, b) => a.order - b.order);
}

/** The trunks whose calls start in an inbound context: enabled, client mode. */
export function inboundTrunks(snapshot: PbxSnapshot): SnapshotTrunk[] {
  return snapshot.trunks.filter((t) => t.enabled && t.mode === 'CLIENT');
}

/** Where a trunk's calls go after every step let them through: its route, else the operator, else a refusal. */
export function trunkRouteSteps(snapshot: PbxSnapshot, trunk: SnapshotTrunk): string[] {
  const route = snapshot.inboundRoutes.find((r) => r.trunkId === trunk.id);
  if (route) return [`Set(__${inboundVariables.alertInfo}=${alertInfoValue(route.alertInfo, `trunk ${trunk.name} alert info`)})`, destinationTarget(route.destination)];
  // The operator while it exists and is enabled, looked up when the call comes (the dialplan does not change with the extensions).
  return [...operatorSteps(snapshot), 'Answer()', 'Playback(ss-noservice)', 'Hangup()'];
}

/** The operator extension of the PBX settings, when it is set, exists and is enabled. */
export function operatorExtension(snapshot: PbxSnapshot): string | null {
  const { operatorExtension: number } = snapshot.settings.pbx;
  return number && snapshot.extensions.some((e) => e.number === number && e.enabled) ? number : null;
}

/** Trunks whose calls nobody takes, for the apply report. */
export function inboundWarnings(snapshot: PbxSnapshot): string[] {
  const routed = new Set(snapshot.inboundRoutes.map((r) => r.trunkId));
  const unused = snapshot.trunks
    .filter((t) => t.mode === 'SERVER' && routed.has(t.id))
    .map((t) => `trunk ${t.name} is in server mode: its calls start in its dial permission's context and its inbound route is not used`);
  if (operatorExtension(snapshot)) return unused;
  const refused = inboundTrunks(snapshot)
    .filter((t) => !routed.has(t.id))
    .map(
      (t) =>
        `trunk ${t.name} has no inbound route and the operator extension ${snapshot.settings.pbx.operatorExtension || '(none)'} does not exist or is disabled: its calls hear "not in service" and are hung up`,
    );
  return [...unused, ...refused];
}

export function alertInfoValue(value: string, what: string): string {
  if (!/^[A-Za-z0-9_.-]*$/.test(value)) throw new RenderError(`${what}: ${JSON.stringify(value)} is not a ring tone name`);
  return dialplanSafe(value, what);
}

const DID_CHARS = '0123456789+';

type Entries = { patterns: string[]; sSteps: string[] };

const setDid = `Set(__${inboundVariables.did}=\${FILTER(${DID_CHARS},\${PBX_RURI})})`;
/** Called numbers: kept in PBX_RURI, then `s` sets the DID (letters and separators filtered out). */
const numberEntries = [exten('_X!', ['Set(PBX_RURI=${EXTEN})', 'Goto(s,ruri)']), exten('_+X!', ['Set(PBX_RURI=${EXTEN})', 'Goto(s,ruri)'])];

/** SIP: the DID is the Request-URI user, or the To header's user when the Request-URI names the registered contact. */
function sipEntries(trunk: SnapshotTrunk): Entries {
  const contactUser = trunk.kind === 'SIP' && /^\+?[0-9]+$/.test(trunk.contactUser) ? trunk.contactUser : null;
  return {
    // A user that is no number (the registered contact's user, e.g. `s` or the contact user): the DID is in To.
    patterns: [...numberEntries, exten('_[A-Za-z].', ['Goto(s,1)'])],
    sSteps: [
      // To: "Name" <sip:+4930123456@provider.example;user=phone>;tag=…  is cut in steps, never evaluated as an expression.
      'Set(PBX_TO=${PJSIP_HEADER(read,To)})',
      'Set(PBX_TO=${CUT(PBX_TO,<,${FIELDQTY(PBX_TO,<)})})',
      'Set(PBX_TO=${CUT(PBX_TO,>,1)})',
      'Set(PBX_TO=${CUT(PBX_TO,@,1)})',
      'Set(PBX_TO=${CUT(PBX_TO,:,2)})',
      `Set(__${inboundVariables.did}=\${FILTER(${DID_CHARS},\${CUT(PBX_TO,\\;,1)})})`,
      'Goto(route)',
      // A numeric contact user in the Request-URI is the registered contact, not a DID.
      ...(contactUser ? [label('ruri', `GotoIf($["\${PBX_RURI}" = "${contactUser}"]?1)`), setDid] : [label('ruri', setDid)]),
    ],
  };
}

/** IAX: the DID is the called number; none without one. */
function iaxEntries(): Entries {
  return { patterns: numberEntries, sSteps: [`Set(__${inboundVariables.did}=)`, 'Goto(route)', label('ruri', setDid)] };
}

/** The inbound context of one trunk: the DID, the trunk, the steps in their order, then the trunk's route. */
export function trunkInboundContext(snapshot: PbxSnapshot, registry: DomainRegistry, trunk: SnapshotTrunk): string {
  const { patterns, sSteps } = trunk.kind === 'SIP' ? sipEntries(trunk) : iaxEntries();
  const steps = inboundSteps(registry).flatMap((s) => (s.lines ? s.lines(snapshot) : [`Gosub(${s.context},s,1)`]));
  // A trunk that records its inbound calls records them from here, whichever step takes the call.
  const record = records(trunk.recording, 'INBOUND') ? [`Gosub(${coreContexts.recordCall},s,1(\${${inboundVariables.did}}))`] : [];
  const route = [label('route', `Set(__${inboundVariables.trunk}=${dialplanSafe(trunk.name, 'trunk name')})`), ...record, ...steps, ...trunkRouteSteps(snapshot, trunk)];
  return context(inboundContexts.trunk(trunk.name), [...patterns, exten('s', [...sSteps, ...route])]);
}

/** The DID step (order 40): sets the route's ring tone (its `alert` priority), then goes to its extension. */
export function didStepLines(snapshot: PbxSnapshot): string[] {
  if (!snapshot.didRoutes.length) return [];
  const exists = `\${DIALPLAN_EXISTS(${inboundContexts.didRoutes},\${${inboundVariables.did}},1)}`;
  return [`GosubIf($[${exists}]?${inboundContexts.didRoutes},\${${inboundVariables.did}},alert)`, `GotoIf($[${exists}]?${inboundContexts.didRoutes},\${${inboundVariables.did}},1)`];
}

/** pbx-did-routes: per DID, the destination at priority 1 (what the check follows), and at `alert` the ring tone (a subroutine). */
export function didRoutesContext(snapshot: PbxSnapshot): string {
  const blocks = snapshot.didRoutes.map((d) =>
    exten(didName(d.did), [destinationTarget(d.destination), label('alert', `Set(__${inboundVariables.alertInfo}=${alertInfoValue(d.alertInfo, `DID ${d.did} alert info`)})`), 'Return()']),
  );
  return context(inboundContexts.didRoutes, blocks);
}

export function didName(did: string): string {
  if (!/^\+?[0-9]{1,32}$/.test(did)) throw new RenderError(`DID ${JSON.stringify(did)} is not a number`);
  return did;
}

/** The anonymous-callers step (order 20): only while blockAnonymous is on. */
export function anonymousContext(): string {
  return context(inboundContexts.anonymous, [
    exten('s', ['GotoIf($["${CALLERID(num)}" = "" | "${CALLERID(num)}" = "anonymous"]?reject)', 'Return()', label('reject', 'Playback(privacy-unident)'), 'Hangup(21)']),
  ]);
}

/** What a destination reaches, for the check: the context it jumps into, or its application. */
export function reachesOf(destination: RenderDestination): { app?: string; context?: string } {
  const step = destinationTarget(destination);
  const jump = /^(?:Goto|Gosub)\(([^,()]+),[^,()]+,/.exec(step);
  if (jump) return { context: jump[1] };
  return { app: /^(\w+)\(/.exec(step)?.[1] ?? step };
}
