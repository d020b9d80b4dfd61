/**
 * The feature codes of F-4.7 with the manual's defaults. `phase` says when a
 * code is dialled: IDLE from an idle phone, CALL as DTMF in a call, ATXFER
 * while an attended transfer is being set up, CONFERENCE inside a conference,
 * INVITE between a conference admin and an invitee. Codes active in the same
 * phase must not clash. `rendered` says whether the feature exists on this
 * PBX: the others are stored and listed, not rendered, until their feature
 * arrives. `argument`: the code is followed by a number (e.g. `**` + 101).
 */
export type FeatureCodePhase = 'IDLE' | 'CALL' | 'ATXFER' | 'CONFERENCE' | 'INVITE';

export type FeatureCodeSpec = {
  key: string;
  code: string;
  group: string;
  phase: FeatureCodePhase;
  argument: boolean;
  rendered: boolean;
  description: string;
};

const spec = (group: string, key: string, code: string, phase: FeatureCodePhase, description: string, options: { argument?: boolean; rendered?: boolean } = {}): FeatureCodeSpec => ({
  key,
  code,
  group,
  phase,
  description,
  argument: options.argument ?? false,
  rendered: options.rendered ?? false,
});

export const featureCodeTable: readonly FeatureCodeSpec[] = [
  spec('F-4.7.a', 'voicemailMain', '*60', 'IDLE', 'Voicemail main menu: asks for a mailbox and its PIN', { rendered: true }),
  spec('F-4.7.a', 'voicemailOwn', '*61', 'IDLE', "The caller's own mailbox", { rendered: true }),
  spec('F-4.7.b', 'pickupGroup', '*8', 'IDLE', 'Answer a call ringing in the same pickup group', { rendered: true }),
  spec('F-4.7.b', 'pickupDirected', '**', 'IDLE', 'Answer the call ringing at the extension dialled after the code', { argument: true, rendered: true }),
  spec('F-4.7.c', 'parkCall', '*4', 'CALL', 'Park the call in a free slot of the park range'),
  spec('F-4.7.d', 'blindTransfer', '#', 'CALL', 'Transfer the call at once to the number dialled after the code', { rendered: true }),
  spec('F-4.7.d', 'attendedTransfer', '*2', 'CALL', 'Consult the number dialled after the code, then hang up to transfer', { rendered: true }),
  spec('F-4.7.d', 'cancelTransfer', '*', 'ATXFER', 'Abort an attended transfer and return to the caller', { rendered: true }),
  spec('F-4.7.e', 'blacklistLastCaller', '*76', 'IDLE', 'Add the last caller to the blacklist', { rendered: true }),
  spec('F-4.7.e', 'blacklistAdd', '*75', 'IDLE', 'Add a number to the blacklist', { rendered: true }),
  spec('F-4.7.e', 'blacklistRemove', '*075', 'IDLE', 'Remove the number dialled after the code from the blacklist', { argument: true, rendered: true }),
  spec('F-4.7.f', 'spyListen', '*90', 'IDLE', 'Listen to the extension dialled after the code', { argument: true }),
  spec('F-4.7.f', 'spyWhisper', '*91', 'IDLE', 'Talk to the monitored extension only', { argument: true }),
  spec('F-4.7.f', 'spyBarge', '*92', 'IDLE', 'Join the call of the extension as a three-way call', { argument: true }),
  spec('F-4.7.g', 'queuePause', '*95', 'IDLE', 'Pause this agent in every queue it is in', { rendered: true }),
  spec('F-4.7.g', 'queueUnpause', '*095', 'IDLE', 'Resume this agent in every queue it is in', { rendered: true }),
  spec('F-4.7.g', 'queueLogin', '*62', 'IDLE', 'Log in as a dynamic agent of the queue dialled after the code (dynamic agents of that queue only)', { argument: true, rendered: true }),
  spec('F-4.7.g', 'queueLogout', '*062', 'IDLE', 'Log out of the queue dialled after the code', { argument: true, rendered: true }),
  spec('F-4.7.h', 'confInvite', '0', 'CONFERENCE', 'Conference admin: invite a number'),
  spec('F-4.7.h', 'confInviteConfirm', '**', 'INVITE', 'Bring the invitee into the conference'),
  spec('F-4.7.h', 'confInviteCancel', '*#', 'INVITE', 'Drop the invitee and return to the conference'),
  spec('F-4.7.h', 'confCreate', '*0', 'CALL', 'Move a two-party call into a conference room'),
  spec('F-4.7.i', 'wakeupMenu', '*55', 'IDLE', 'Wake-up call menu'),
  spec('F-4.7.i', 'wakeupQuickBook', '*55*', 'IDLE', 'Book a wake-up call: the code, then MMDDhhmm', { argument: true }),
  spec('F-4.7.i', 'wakeupCancelAll', '*055', 'IDLE', "Cancel this extension's wake-up calls"),
  spec('F-4.7.j', 'cfAlwaysOn', '*71', 'IDLE', 'Forward every call to the number dialled after the code', { argument: true, rendered: true }),
  spec('F-4.7.j', 'cfAlwaysOff', '*071', 'IDLE', 'Stop forwarding every call', { rendered: true }),
  spec('F-4.7.j', 'cfBusyOn', '*72', 'IDLE', 'Forward calls when busy to the number dialled after the code', { argument: true, rendered: true }),
  spec('F-4.7.j', 'cfBusyOff', '*072', 'IDLE', 'Stop forwarding when busy', { rendered: true }),
  spec('F-4.7.j', 'cfNoAnswerOn', '*73', 'IDLE', 'Forward unanswered calls to the number dialled after the code', { argument: true, rendered: true }),
  spec('F-4.7.j', 'cfNoAnswerOff', '*073', 'IDLE', 'Stop forwarding unanswered calls', { rendered: true }),
  spec('F-4.7.k', 'dndOn', '*74', 'IDLE', 'Do not disturb on: calls go to voicemail or busy', { rendered: true }),
  spec('F-4.7.k', 'dndOff', '*074', 'IDLE', 'Do not disturb off', { rendered: true }),
  spec('F-4.7.l', 'officePauseOn', '*81', 'IDLE', 'Office pause on: inbound calls go to the office-pause destination', { rendered: true }),
  spec('F-4.7.l', 'officePauseOff', '*081', 'IDLE', 'Office pause off', { rendered: true }),
  spec('F-4.7.m', 'softphoneWakeAlways', '*19', 'IDLE', 'Wake the softphone app with a push on incoming calls'),
  spec('F-4.7.m', 'softphoneWakeNever', '*019', 'IDLE', 'Stop waking the softphone app'),
  spec('F-4.7.n', 'oneTouchRecord', '*1', 'CALL', 'Record the current call from now on; again to stop', { rendered: true }),
  spec('F-4.7.n', 'intercomExtension', '*50', 'IDLE', 'Two-way intercom with the extension dialled after the code', { argument: true }),
  spec('F-4.7.n', 'pageExtension', '*51', 'IDLE', 'One-way page to the extension dialled after the code', { argument: true }),
  spec('F-4.7.n', 'announceWanIp', '**11', 'IDLE', 'Read out the WAN address'),
  spec('F-4.7.n', 'announceLanIp', '**12', 'IDLE', 'Read out the LAN address'),
  spec('F-4.7.n', 'announceExtension', '**13', 'IDLE', "Read out the caller's own extension number"),
  spec('F-4.7.n', 'speedDial', '*99', 'IDLE', 'Dial the contact with the speed-dial code dialled after the code', { argument: true }),
  spec('F-4.7.n', 'switchCall', '*3', 'IDLE', 'Move the active call to the phone that dials the code'),
  spec('F-4.7.n', 'answerPage', '*52', 'IDLE', 'Answer a group page with two-way talk'),
];

export type FeatureCodeKey = string;
/** Code by key: the stored codes over the defaults. */
export type FeatureCodes = Record<FeatureCodeKey, string>;

export const defaultFeatureCodes: FeatureCodes = Object.fromEntries(featureCodeTable.map((c) => [c.key, c.code]));
export const featureCodeSpec = new Map(featureCodeTable.map((c) => [c.key, c]));
