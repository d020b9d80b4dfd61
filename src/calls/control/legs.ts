import { ConflictError, ValidationError } from '../../errors.js';
import type { Call, CallLeg } from '../contract.js';
import { CallLegNotFoundError } from './errors.js';
import { extensionOf, isConnected, isLive, type Actor } from './rights.js';
import { NotPermittedError } from '../../errors.js';

/**
 * The leg a request acts for: the extension that transfers, holds, parks or
 * records (the party it talks to is the one moved). Named by `channelId`, or
 * else the one connected extension leg the caller may act for: an extension
 * user its own, an account the only extension in the call (with two, e.g. an
 * internal call, the channel must be named).
 */
export function actingLeg(call: Call, actor: Actor, channelId: string | null | undefined, what: string): CallLeg {
  if (channelId) {
    const leg = call.legs.find((l) => l.channelId === channelId && isLive(l));
    if (!leg) throw new CallLegNotFoundError(channelId, `is not a channel of call ${call.id} in progress`);
    if (actor.kind === 'extension' && extensionOf(leg) !== actor.number) {
      throw new NotPermittedError(`Channel ${channelId} is not extension ${actor.number}'s: an extension user acts for its own extension only`, ['channelId']);
    }
    if (!isConnected(leg)) throw new ConflictError(`Channel ${channelId} is not connected (it is ${leg.state.toLowerCase()}): nothing to ${what}`, ['channelId']);
    return leg;
  }
  const candidates = call.legs.filter((l) => isConnected(l) && extensionOf(l) !== null && (actor.kind === 'controller' || extensionOf(l) === actor.number));
  if (candidates.length === 1) return candidates[0]!;
  if (!candidates.length) {
    throw new ConflictError(
      actor.kind === 'extension' ? `Extension ${actor.number} is not connected in call ${call.id}: nothing to ${what}` : `No extension is connected in call ${call.id}: nothing to ${what}`,
      [],
    );
  }
  throw ValidationError.single(['channelId'], `Extensions ${candidates.map((l) => extensionOf(l)).join(' and ')} both take part: name the channel of the one that acts (channelId)`, 'AMBIGUOUS');
}

/** The leg to record on: the acting one when it can be told, else the first connected extension leg (or any connected leg). */
export function recordingLeg(call: Call, actor: Actor, channelId: string | null | undefined): CallLeg {
  if (channelId || actor.kind === 'extension') return actingLeg(call, actor, channelId, 'record');
  const connected = call.legs.filter(isConnected);
  const leg = connected.find((l) => extensionOf(l) !== null) ?? connected[0];
  if (!leg) throw new ConflictError(`Call ${call.id} is not connected yet: nothing to record`, []);
  return leg;
}
