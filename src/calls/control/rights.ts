import { can, refusal, type Principal } from '../../auth/permissions.js';
import { NotPermittedError } from '../../errors.js';
import type { Call, CallLeg } from '../contract.js';

/**
 * Who may act on calls: an account or API key with `calls:control` on any
 * call and for any extension; an extension user only on the calls its
 * extension takes part in, and only for its own extension.
 */
export type Actor = { kind: 'controller' } | { kind: 'extension'; number: string };

export function actorOf(principal: Principal | null): Actor {
  if (can(principal, 'calls:control')) return { kind: 'controller' };
  if (principal?.kind === 'extension') return { kind: 'extension', number: principal.username };
  throw refusal(principal, 'Not permitted: acting on calls needs the calls:control permission');
}

/** A leg that has not ended. */
export const isLive = (leg: CallLeg) => leg.state !== 'ENDED';

/** A leg that talks (answered, or on hold): one that can transfer, hold, park or record. */
export const isConnected = (leg: CallLeg) => leg.state === 'ANSWERED' || leg.state === 'ON_HOLD';

/** The extension number of a leg's endpoint, or null for a trunk or another kind of channel. */
export const extensionOf = (leg: CallLeg): string | null => (leg.endpoint.kind === 'EXTENSION' ? leg.endpoint.name : null);

/** An extension user acts only on a call its extension takes part in now (a leg not ended). */
export function requireParticipant(actor: Actor, call: Call): void {
  if (actor.kind === 'controller') return;
  if (!call.legs.some((leg) => isLive(leg) && extensionOf(leg) === actor.number)) {
    throw new NotPermittedError(`Extension ${actor.number} does not take part in call ${call.id}: an extension user acts only on its own calls`);
  }
}

/**
 * An extension user ends a call, or a leg of it, only while it talks in the call; one that only rings in it (a
 * department member, say) may decline, hanging up its own leg, and nothing more.
 */
export function requireMayHangUp(actor: Actor, call: Call, leg?: CallLeg): void {
  if (actor.kind === 'controller') return;
  requireParticipant(actor, call);
  if (leg && extensionOf(leg) === actor.number) return;
  if (!call.legs.some((l) => isConnected(l) && extensionOf(l) === actor.number)) {
    throw new NotPermittedError(`Extension ${actor.number} only rings in call ${call.id}: it may decline its own leg, not end the call or another leg`);
  }
}

/** An extension user places calls (click-to-call, picking up a parked call) from its own extension only. */
export function requireOwnExtension(actor: Actor, extension: string, path: string[]): void {
  if (actor.kind === 'extension' && actor.number !== extension) {
    throw new NotPermittedError(`An extension user places calls from its own extension (${actor.number}) only`, path);
  }
}
