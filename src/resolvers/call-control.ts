import { CallLegNotFoundError, CallNotFoundError, ParkedCallNotFoundError } from '../calls/control/errors.js';
import type { ParkedCall } from '../calls/control/parking.js';
import { ringSecondsRange, type CallActionResult, type ClickToCallResult, type HangupResult, type OnDemandRecording, type ParkedCallPickup } from '../calls/control/service.js';
import { AsteriskNotConnectedError, ConflictError, NotPermittedError, ValidationError } from '../errors.js';
import { builder } from './builder.js';
import { audited, ErrorInterface } from './errors.js';

/**
 * Call control (issue 10): acting on calls in progress. Accounts and API keys
 * need calls:control; an extension user acts on the calls its extension takes
 * part in, and places calls from its own extension. Rules live in src/calls/control.
 */

builder.objectType(CallNotFoundError, {
  name: 'CallNotFoundError',
  description: 'The call is not in progress: it ended, or never existed',
  interfaces: [ErrorInterface],
  fields: (t) => ({ callId: t.exposeID('callId') }),
});
builder.objectType(CallLegNotFoundError, {
  name: 'CallLegNotFoundError',
  description: 'The channel is not (or no longer) a leg of a call in progress',
  interfaces: [ErrorInterface],
  fields: (t) => ({ channelId: t.exposeString('channelId') }),
});
builder.objectType(ParkedCallNotFoundError, {
  name: 'ParkedCallNotFoundError',
  description: 'No call waits in that parking slot (taken back, or gone back to who parked it)',
  interfaces: [ErrorInterface],
  fields: (t) => ({ slot: t.exposeString('slot') }),
});

/** What call control answers besides its result: bad input, refusals (Asterisk's too), rights, Asterisk away, the call or leg gone. */
const callErrors = [ValidationError, ConflictError, NotPermittedError, AsteriskNotConnectedError, CallNotFoundError, CallLegNotFoundError];

const ClickToCallResultRef = builder.objectRef<ClickToCallResult>('ClickToCallResult').implement({
  fields: (t) => ({
    callId: t.exposeID('callId', { description: 'The new call (its linkedid): follow it in callEvents or call(id)' }),
    channelId: t.exposeString('channelId', { description: "The extension's channel, ringing now" }),
  }),
});

const CallHangupResultRef = builder.objectRef<HangupResult>('CallHangupResult').implement({
  fields: (t) => ({
    callId: t.exposeID('callId'),
    channelIds: t.exposeStringList('channelIds', { description: 'The channels asked to hang up' }),
  }),
});

const CallActionResultRef = builder.objectRef<CallActionResult>('CallActionResult').implement({
  fields: (t) => ({
    callId: t.exposeID('callId', { description: 'The call; a transfer keeps it one call' }),
    channelId: t.exposeString('channelId', { description: 'The channel of the extension the action was for' }),
    otherChannelIds: t.exposeStringList('otherChannelIds', { description: 'The parties it moved: transferred, put on hold or taken back' }),
  }),
});

const ParkedCallRef = builder.objectRef<ParkedCall>('ParkedCall').implement({
  description: 'A call waiting in a parking slot (F-4.7.c): dial the slot, or pickUpParkedCall, to take it back',
  fields: (t) => ({
    slot: t.exposeString('slot', { description: 'The slot, within the park range' }),
    callId: t.exposeID('callId', { description: 'The parked call (its linkedid)' }),
    channelId: t.exposeString('channelId', { description: 'The parked channel' }),
    channelName: t.exposeString('channelName'),
    callerNumber: t.exposeString('callerNumber', { description: 'Who is parked: its caller ID number' }),
    callerName: t.exposeString('callerName'),
    parkerDialString: t.exposeString('parkerDialString', { description: 'Who it rings again when nobody takes it back in time (e.g. PJSIP/101)' }),
    durationSeconds: t.exposeInt('durationSeconds', { description: 'Seconds it has waited, at the time of this answer' }),
    timeoutSeconds: t.exposeInt('timeoutSeconds', { description: 'Seconds left before it rings who parked it again, at the time of this answer' }),
  }),
});

const ParkedCallPickupRef = builder.objectRef<ParkedCallPickup>('ParkedCallPickup').implement({
  fields: (t) => ({
    callId: t.exposeID('callId', { description: 'The parked call, which the extension joins once it answers' }),
    channelId: t.exposeString('channelId', { description: "The extension's channel, ringing now" }),
    slot: t.exposeString('slot'),
  }),
});

const OnDemandRecordingRef = builder.objectRef<OnDemandRecording>('OnDemandRecording').implement({
  description: 'A recording started on demand (F-5.1.3)',
  fields: (t) => ({
    callId: t.exposeID('callId'),
    channelId: t.exposeString('channelId', { description: 'The channel recorded (both directions of the conversation)' }),
    file: t.exposeString('file', { description: "The file, relative to Asterisk's monitor spool; the call's recordings list it" }),
  }),
});

const ringSeconds = `How long the extension rings, ${ringSecondsRange.min}–${ringSecondsRange.max} seconds (default ${ringSecondsRange.default})`;
const actingChannel = "The extension's channel the action is for; default: the caller's own extension, or the only extension connected in the call";
type CallArgs = { callId: string | number; channelId?: string | null };

builder.queryField('parkedCalls', (t) =>
  t.field({
    type: [ParkedCallRef],
    description:
      'The calls waiting in the park range, in slot order. Needs calls:read or calls:control; an extension user sees them too (any extension may take a parked call back). An error when Asterisk is not connected',
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => ctx.services.callControl.parkedCalls(ctx.principal),
  }),
);

builder.mutationFields((t) => ({
  clickToCall: t.field({
    type: ClickToCallResultRef,
    description:
      "Rings the extension first, showing the number being called; when it answers, dials the number through the extension's dial permission, as if its phone had dialled it (the called party sees the extension's usual caller ID). Answers at once with the new call's id. An extension user calls from its own extension only",
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: {
      extension: t.arg.string({ description: 'The extension that places the call' }),
      number: t.arg.string({ description: 'What to dial: an extension, a department or another internal number, or an outside number with its dial-rule prefix' }),
      ringSeconds: t.arg.int({ required: false, description: ringSeconds }),
    },
    resolve: audited((a: { extension: string; number: string; ringSeconds?: number | null }, c) => c.services.callControl.clickToCall(c.principal, a)),
  }),
  hangupCall: t.field({
    type: CallHangupResultRef,
    description: 'Hangs up every leg of the call',
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { callId: t.arg.id() },
    resolve: audited((a: { callId: string | number }, c) => c.services.callControl.hangupCall(c.principal, String(a.callId))),
  }),
  hangupCallLeg: t.field({
    type: CallHangupResultRef,
    description: 'Hangs up one channel of a call; what happens to the others is what happens when that party hangs up (a two-party call ends)',
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { channelId: t.arg.string() },
    resolve: audited((a: { channelId: string }, c) => c.services.callControl.hangupCallLeg(c.principal, a.channelId)),
  }),
  transferCall: t.field({
    type: CallActionResultRef,
    description:
      "Transfers the party the extension talks to, to `to` (dialled in the extension's dial permission). Blind: at once, the extension leaves the call. Attended: the party waits with music while the extension consults `to`; the extension hangs up to complete (or presses the cancel code). The call stays one call",
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: {
      callId: t.arg.id(),
      channelId: t.arg.string({ required: false, description: actingChannel }),
      to: t.arg.string({ description: 'The number to transfer to' }),
      attended: t.arg.boolean({ required: false, defaultValue: false }),
    },
    resolve: audited((a: CallArgs & { to: string; attended?: boolean | null }, c) =>
      c.services.callControl.transferCall(c.principal, { callId: String(a.callId), channelId: a.channelId, to: a.to, attended: a.attended ?? false }),
    ),
  }),
  holdCall: t.field({
    type: CallActionResultRef,
    description: "Puts the party the extension talks to on hold: it hears the extension's music on hold, the extension silence, until unholdCall (a call held four hours ends)",
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { callId: t.arg.id(), channelId: t.arg.string({ required: false, description: actingChannel }) },
    resolve: audited((a: CallArgs, c) => c.services.callControl.holdCall(c.principal, { callId: String(a.callId), channelId: a.channelId })),
  }),
  unholdCall: t.field({
    type: CallActionResultRef,
    description: 'Takes a call put on hold with holdCall back: the extension and the held party talk again',
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { callId: t.arg.id(), channelId: t.arg.string({ required: false, description: 'The channel of the extension that holds the call; default: the only one' }) },
    resolve: audited((a: CallArgs, c) => c.services.callControl.unholdCall(c.principal, { callId: String(a.callId), channelId: a.channelId })),
  }),
  parkCall: t.field({
    type: ParkedCallRef,
    description:
      'Parks the party the extension talks to in the first free slot of the park range (F-4.7.c) and answers with the slot; the extension hears the slot and is hung up. Unclaimed after 120 s, the call rings the extension again',
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { callId: t.arg.id(), channelId: t.arg.string({ required: false, description: actingChannel }) },
    resolve: audited((a: CallArgs, c) => c.services.callControl.parkCall(c.principal, { callId: String(a.callId), channelId: a.channelId })),
  }),
  pickUpParkedCall: t.field({
    type: ParkedCallPickupRef,
    description: 'Rings the extension, showing the parked caller; when it answers it takes the parked call. An extension user picks up to its own extension only',
    authScopes: { authenticated: true },
    errors: { types: [...callErrors, ParkedCallNotFoundError] },
    args: {
      slot: t.arg.string({ description: 'The parking slot' }),
      extension: t.arg.string({ description: 'The extension to ring' }),
      ringSeconds: t.arg.int({ required: false, description: ringSeconds }),
    },
    resolve: audited((a: { slot: string; extension: string; ringSeconds?: number | null }, c) => c.services.callControl.pickUpParkedCall(c.principal, a)),
  }),
  startCallRecording: t.field({
    type: OnDemandRecordingRef,
    description: 'Starts recording the call from now on (one-touch recording, F-5.1.3), into a file the call recordings list',
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { callId: t.arg.id(), channelId: t.arg.string({ required: false, description: 'The channel to record on; default: the caller’s own extension, or the first extension connected' }) },
    resolve: audited((a: CallArgs, c) => c.services.callControl.startCallRecording(c.principal, { callId: String(a.callId), channelId: a.channelId })),
  }),
  stopCallRecording: t.field({
    type: OnDemandRecordingRef,
    description: 'Stops the recording started on demand (a recording the extension’s or trunk’s settings made goes on)',
    authScopes: { authenticated: true },
    errors: { types: callErrors },
    args: { callId: t.arg.id() },
    resolve: audited((a: { callId: string | number }, c) => c.services.callControl.stopCallRecording(c.principal, { callId: String(a.callId) })),
  }),
}));
