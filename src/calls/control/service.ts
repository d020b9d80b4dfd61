import { randomUUID } from 'node:crypto';
import { can, type Principal } from '../../auth/permissions.js';
import { permissionContext } from '../../dial-permissions/context.js';
import { DEFAULT_DIAL_PERMISSION } from '../../dial-permissions/context.js';
import { AsteriskNotConnectedError, ConflictError, ValidationError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { onDemandRecordingFile } from '../../records/contract.js';
import type { Call, CallDirectory, CallLeg } from '../contract.js';
import { channelAction, dialplanHas, requireAmi } from './ami.js';
import { heldBy, hold, unhold } from './hold.js';
import { startRecording, stopRecording } from './recording.js';
import { callControlContexts as contexts, callControlVariables as vars } from './contexts.js';
import { CallLegNotFoundError, CallNotFoundError, ParkedCallNotFoundError } from './errors.js';
import { actingLeg, recordingLeg } from './legs.js';
import { listParkedCalls, park, type ParkedCall } from './parking.js';
import type { ControlAmi, ControlAri, ControlExtension, ControlExtensions } from './ports.js';
import { actorOf, extensionOf, isLive, requireMayHangUp, requireOwnExtension, requireParticipant } from './rights.js';

export type ClickToCallResult = { callId: string; channelId: string };
export type HangupResult = { callId: string; channelIds: string[] };
/** `channelId`: the extension's leg that acted; `otherChannelIds`: the parties it moved (transferred, held, taken back). */
export type CallActionResult = { callId: string; channelId: string; otherChannelIds: string[] };
export type ParkedCallPickup = { callId: string; channelId: string; slot: string };
export type OnDemandRecording = { callId: string; channelId: string; file: string };

export type CallControlOptions = {
  calls: CallDirectory;
  /** Connected only on the instance that holds the Asterisk lease; null without ARI_URL. */
  ari: ControlAri | null;
  ami: ControlAmi | null;
  extensions: ControlExtensions;
  log: Logger;
  /** How long to wait for Asterisk to report a parked call (default 5 s). */
  parkWaitMs?: number;
  now?: () => Date;
};

/** Numbers a call may be sent to: digits, * and #, a leading + (as dial rules accept them). */
const numberPattern = /^\+?[0-9*#]{1,32}$/;
const slotPattern = /^[0-9]{1,11}$/;
export const ringSecondsRange = { min: 5, max: 120, default: 30 } as const;

/**
 * Call control (issue 10): acting on calls in progress for integrators, the
 * softphone app and scripts. Calls are read from the live call directory;
 * Asterisk is driven with ARI where it can act on ordinary dialplan calls
 * (originate, hang up, bridges) and AMI where ARI needs a Stasis application
 * (transfer, hold, park, recording). Nothing routes a call through Stasis (D1).
 */
export class CallControlService {
  private readonly now: () => Date;

  constructor(private readonly options: CallControlOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Rings `extension` first, showing `number` on its phone; once it answers,
   * the number is dialled as if the phone had dialled it (its dial
   * permission, its caller ID). Answers at once with the new call's id.
   */
  async clickToCall(principal: Principal | null, input: { extension: string; number: string; ringSeconds?: number | null }): Promise<ClickToCallResult> {
    const actor = actorOf(principal);
    requireOwnExtension(actor, input.extension, ['extension']);
    const number = input.number.trim();
    if (!numberPattern.test(number)) throw ValidationError.single(['number'], 'digits, * and # (1–32), optionally after a leading +', 'INVALID_FORMAT');
    if (number === input.extension) throw ValidationError.single(['number'], 'an extension cannot call itself', 'SAME_EXTENSION');
    const ringSeconds = checkRingSeconds(input.ringSeconds);
    const extension = await this.extension(input.extension, ['extension']);
    const context = permissionContext(extension.dialPermission);
    // Refused before the phone rings, rather than once it has answered. The check needs AMI; without it the call is placed anyway.
    if (this.options.ami?.connected() && !(await dialplanHas(this.options.ami, context, number))) {
      throw ValidationError.single(['number'], `extension ${extension.number} cannot dial ${number} (no such number, or its dial permission does not allow it)`, 'UNREACHABLE');
    }
    const channelId = `c2c.${randomUUID().replace(/-/g, '')}`;
    await this.originate({
      extension: extension.number,
      context: contexts.clickToCall,
      exten: number,
      callerId: `"${number}" <${number}>`,
      ringSeconds,
      channelId,
      variables: { [vars.clickToCallContext]: context },
    });
    this.options.log.info({ extension: extension.number, number, channelId }, 'click-to-call placed');
    // An originated channel is the first of its call: the call's linkedid is its own uniqueid.
    return { callId: channelId, channelId };
  }

  /** Hangs up every leg of the call. */
  async hangupCall(principal: Principal | null, callId: string): Promise<HangupResult> {
    const actor = actorOf(principal);
    const call = this.call(callId);
    requireMayHangUp(actor, call);
    const legs = call.legs.filter(isLive);
    await this.viaAri('the hang-up', (ari) => Promise.all(legs.map((leg) => ari.hangupChannel(leg.channelId))));
    return { callId: call.id, channelIds: legs.map((l) => l.channelId) };
  }

  /** Hangs up one leg; the rest of the call goes on as the dialplan says (a two-party call ends). */
  async hangupCallLeg(principal: Principal | null, channelId: string): Promise<HangupResult> {
    const actor = actorOf(principal);
    this.requireAri();
    const call = this.options.calls.callOfChannel(channelId);
    const leg = call?.legs.find((l) => l.channelId === channelId);
    if (!call || !leg || !isLive(leg)) throw new CallLegNotFoundError(channelId);
    requireMayHangUp(actor, call, leg);
    await this.viaAri('the hang-up', (ari) => ari.hangupChannel(channelId));
    return { callId: call.id, channelIds: [channelId] };
  }

  /**
   * Transfers the party the extension talks to (blind: at once, AMI
   * BlindTransfer; attended: AMI Atxfer, the extension consults `to` first
   * and completes by hanging up, as with the *2 code). `to` is dialled in the
   * extension's dial-permission context. The call stays one call.
   */
  async transferCall(principal: Principal | null, input: { callId: string; channelId?: string | null; to: string; attended: boolean }): Promise<CallActionResult> {
    const actor = actorOf(principal);
    const to = input.to.trim();
    if (!numberPattern.test(to)) throw ValidationError.single(['to'], 'digits, * and # (1–32), optionally after a leading +', 'INVALID_FORMAT');
    const call = this.call(input.callId);
    requireParticipant(actor, call);
    const leg = actingLeg(call, actor, input.channelId, 'transfer');
    const peers = await this.bridgePeers(leg, 'transfer');
    const context = await this.contextOf(leg);
    // Asterisk would send the party to a number that does not exist (and lose the call) without a word.
    if (!(await dialplanHas(this.options.ami, context, to))) {
      throw ValidationError.single(
        ['to'],
        `${to} cannot be dialled from ${extensionOf(leg) ? `extension ${extensionOf(leg)}` : 'this channel'} (no such number, or its dial permission does not allow it)`,
        'UNREACHABLE',
      );
    }
    await channelAction(this.options.ami, leg.channelId, { Action: input.attended ? 'Atxfer' : 'BlindTransfer', Channel: leg.channelId, Exten: to, Context: context });
    this.options.log.info({ call: call.id, channel: leg.channelId, to, attended: input.attended }, 'call transferred');
    return { callId: call.id, channelId: leg.channelId, otherChannelIds: peers.map((p) => p.channelId) };
  }

  /**
   * Puts the party the extension talks to on hold: it hears the extension's
   * music class, the extension silence, until unholdCall (both channels are
   * moved out of their bridge by AMI Redirect into the hold contexts).
   */
  async holdCall(principal: Principal | null, input: { callId: string; channelId?: string | null }): Promise<CallActionResult> {
    const actor = actorOf(principal);
    const call = this.call(input.callId);
    requireParticipant(actor, call);
    const leg = actingLeg(call, actor, input.channelId, 'hold');
    const peers = await this.bridgePeers(leg, 'hold');
    if (peers.length > 1) throw new ConflictError(`Channel ${leg.channelId} talks to ${peers.length} parties: only a two-party call can be held`, []);
    const peer = peers[0]!;
    const number = extensionOf(leg);
    const music = number ? ((await this.options.extensions.find(number))?.mohClass ?? '') : '';
    await hold(this.options.ami, { holder: leg, held: peer, music });
    this.options.log.info({ call: call.id, channel: leg.channelId, held: peer.channelId }, 'call put on hold');
    return { callId: call.id, channelId: leg.channelId, otherChannelIds: [peer.channelId] };
  }

  /** Takes a call held with holdCall back: the extension and the held party are bridged again (AMI Bridge). */
  async unholdCall(principal: Principal | null, input: { callId: string; channelId?: string | null }): Promise<CallActionResult> {
    const actor = actorOf(principal);
    const call = this.call(input.callId);
    requireParticipant(actor, call);
    const ami = requireAmi(this.options.ami);
    const placed = new Map((await this.viaAri('the channel listing', (ari) => ari.listChannels())).map((c) => [c.id, c.dialplan?.context ?? '']));
    const inContext = (context: string) => call.legs.filter((l) => isLive(l) && placed.get(l.channelId) === context);
    const holders = inContext(contexts.holding).filter((l) => (!input.channelId || l.channelId === input.channelId) && (actor.kind === 'controller' || extensionOf(l) === actor.number));
    if (!holders.length) throw new ConflictError(`Call ${call.id} is not on hold${actor.kind === 'extension' ? ` by extension ${actor.number}` : ''}`, []);
    if (holders.length > 1) throw ValidationError.single(['channelId'], 'Several extensions hold parts of this call: name the channel of the one taking its call back', 'AMBIGUOUS');
    const holder = holders[0]!;
    const heldName = await heldBy(ami, holder);
    const held = inContext(contexts.held).find((l) => l.channelName === heldName);
    if (!held) throw new ConflictError(`The party extension ${extensionOf(holder) ?? holder.channelName} held has left the call`, []);
    await unhold(ami, { holder, held });
    this.options.log.info({ call: call.id, channel: holder.channelId, held: held.channelId }, 'call taken off hold');
    return { callId: call.id, channelId: holder.channelId, otherChannelIds: [held.channelId] };
  }

  /** Parks the party the extension talks to in the first free slot of the park range; the extension hears the slot and is hung up. */
  async parkCall(principal: Principal | null, input: { callId: string; channelId?: string | null }): Promise<ParkedCall> {
    const actor = actorOf(principal);
    const call = this.call(input.callId);
    requireParticipant(actor, call);
    const leg = actingLeg(call, actor, input.channelId, 'park');
    const peers = await this.bridgePeers(leg, 'park');
    if (peers.length > 1) throw new ConflictError(`Channel ${leg.channelId} talks to ${peers.length} parties: only a two-party call can be parked`, []);
    const parked = await park(this.options.ami, { channelId: peers[0]!.channelId, parkerName: leg.channelName }, this.options.parkWaitMs ?? 5000);
    this.options.log.info({ call: call.id, channel: parked.channelId, slot: parked.slot }, 'call parked');
    return parked;
  }

  /** The calls waiting in the park range: for those who may read or act on calls, and for extension users (any extension may take a parked call back). */
  async parkedCalls(principal: Principal | null): Promise<ParkedCall[]> {
    if (!can(principal, 'calls:read')) actorOf(principal);
    return listParkedCalls(this.options.ami);
  }

  /** Rings `extension`, showing the parked caller; once it answers it takes the call parked in `slot`. */
  async pickUpParkedCall(principal: Principal | null, input: { slot: string; extension: string; ringSeconds?: number | null }): Promise<ParkedCallPickup> {
    const actor = actorOf(principal);
    requireOwnExtension(actor, input.extension, ['extension']);
    if (!slotPattern.test(input.slot)) throw ValidationError.single(['slot'], 'a parking slot number', 'INVALID_FORMAT');
    const ringSeconds = checkRingSeconds(input.ringSeconds);
    const extension = await this.extension(input.extension, ['extension']);
    this.requireAri();
    const parked = (await listParkedCalls(this.options.ami)).find((p) => Number(p.slot) === Number(input.slot));
    if (!parked) throw new ParkedCallNotFoundError(input.slot);
    const channelId = `pickup.${randomUUID().replace(/-/g, '')}`;
    const shown = parked.callerNumber || parked.slot;
    await this.originate({
      extension: extension.number,
      context: contexts.parkedCalls,
      exten: input.slot,
      callerId: `"${(parked.callerName || shown).replace(/["<>]/g, '')}" <${shown}>`,
      ringSeconds,
      channelId,
    });
    this.options.log.info({ extension: extension.number, slot: input.slot, channelId }, 'parked call being picked up');
    return { callId: parked.callId, channelId, slot: parked.slot };
  }

  /**
   * One-touch recording from the API (F-5.1.3): MixMonitor on the extension's
   * channel (both directions of the conversation) into the monitor spool,
   * named so the recordings index links the file to the call.
   */
  async startCallRecording(principal: Principal | null, input: { callId: string; channelId?: string | null }): Promise<OnDemandRecording> {
    const actor = actorOf(principal);
    const call = this.call(input.callId);
    requireParticipant(actor, call);
    const leg = recordingLeg(call, actor, input.channelId);
    const file = onDemandRecordingFile(call.id, leg.channelId, this.now());
    await startRecording(this.options.ami, leg.channelId, file, call.id);
    this.options.log.info({ call: call.id, channel: leg.channelId, file }, 'on-demand recording started');
    return { callId: call.id, channelId: leg.channelId, file };
  }

  /** Stops the on-demand recording of the call (a recording the dialplan started by the extension's or trunk's settings goes on). */
  async stopCallRecording(principal: Principal | null, input: { callId: string }): Promise<OnDemandRecording> {
    const actor = actorOf(principal);
    const call = this.call(input.callId);
    requireParticipant(actor, call);
    const stopped = await stopRecording(
      requireAmi(this.options.ami),
      call.legs.filter(isLive).map((l) => l.channelId),
    );
    if (!stopped) throw new ConflictError(`Call ${call.id} is not being recorded on demand`, []);
    this.options.log.info({ call: call.id, channel: stopped.channelId, file: stopped.file }, 'on-demand recording stopped');
    return { callId: call.id, ...stopped };
  }

  /** A call in progress; Asterisk is checked first, as without it no call is known (the instance does not hold the connection, or Asterisk is away). */
  private call(callId: string): Call {
    this.requireAri();
    const call = this.options.calls.get(callId);
    if (!call || call.state === 'ENDED') throw new CallNotFoundError(callId);
    return call;
  }

  private requireAri(): ControlAri {
    if (!this.options.ari?.connected()) throw new AsteriskNotConnectedError();
    return this.options.ari;
  }

  /** An ARI request whose failure is typed: Asterisk went away, or it refused. */
  private async viaAri<T>(what: string, run: (ari: ControlAri) => Promise<T>): Promise<T> {
    const ari = this.requireAri();
    try {
      return await run(ari);
    } catch (error) {
      if (!ari.connected()) throw new AsteriskNotConnectedError();
      throw new ConflictError(`Asterisk refused ${what}: ${(error as Error).message}`, []);
    }
  }

  private async extension(number: string, path: string[]): Promise<ControlExtension> {
    const extension = await this.options.extensions.find(number);
    if (!extension) throw ValidationError.single(path, `no extension ${number}`, 'NOT_FOUND');
    if (!extension.enabled) throw ValidationError.single(path, `extension ${number} is disabled`, 'DISABLED');
    return extension;
  }

  /** The dial-permission context a leg's transfers are dialled in: its extension's, else the default permission's. */
  private async contextOf(leg: CallLeg): Promise<string> {
    const number = extensionOf(leg);
    const extension = number ? await this.options.extensions.find(number) : null;
    return permissionContext(extension?.dialPermission ?? DEFAULT_DIAL_PERMISSION);
  }

  /** The other channels in the bridge of `leg` (the parties it talks to), as legs of its call where known. */
  private async bridgePeers(leg: CallLeg, what: string): Promise<{ channelId: string; channelName: string }[]> {
    const bridges = await this.viaAri('the bridge listing', (ari) => ari.listBridges());
    const bridge = bridges.find((b) => b.channels.includes(leg.channelId));
    const others = bridge?.channels.filter((id) => id !== leg.channelId) ?? [];
    if (!others.length) throw new ConflictError(`Channel ${leg.channelId} is not connected to anyone now: nothing to ${what}`, []);
    const names = new Map((this.options.calls.callOfChannel(leg.channelId)?.legs ?? []).map((l) => [l.channelId, l.channelName]));
    const missing = others.filter((id) => !names.has(id));
    if (missing.length) for (const c of await this.viaAri('the channel listing', (ari) => ari.listChannels())) if (missing.includes(c.id)) names.set(c.id, c.name);
    return others.map((id) => ({ channelId: id, channelName: names.get(id) ?? id }));
  }

  private async originate(input: { extension: string; context: string; exten: string; callerId: string; ringSeconds: number; channelId: string; variables?: Record<string, string> }): Promise<void> {
    const ari = this.requireAri();
    try {
      await ari.originateToDialplan({
        endpoint: `PJSIP/${input.extension}`,
        context: input.context,
        extension: input.exten,
        callerId: input.callerId,
        timeoutSeconds: input.ringSeconds,
        channelId: input.channelId,
        variables: input.variables,
      });
    } catch (error) {
      if (!ari.connected()) throw new AsteriskNotConnectedError();
      const message = (error as Error).message;
      // chan_pjsip cannot create a channel for an endpoint without a registered contact.
      if (/allocation failed/i.test(message)) throw new ConflictError(`Extension ${input.extension} cannot be rung: it is not registered`, ['extension']);
      throw new ConflictError(`Asterisk did not place the call: ${message}`, ['extension']);
    }
  }
}

function checkRingSeconds(value: number | null | undefined): number {
  const seconds = value ?? ringSecondsRange.default;
  if (!Number.isInteger(seconds) || seconds < ringSecondsRange.min || seconds > ringSecondsRange.max) {
    throw ValidationError.single(['ringSeconds'], `${ringSecondsRange.min} to ${ringSecondsRange.max} seconds`, 'OUT_OF_RANGE');
  }
  return seconds;
}
