import { soundNameRule, type PromptCategory } from '../sounds/contract.js';
import { AsteriskNotConnectedError } from '../errors.js';
import { isFinal, type PromptPhoneCall, type PromptPhoneCallFailure, type PromptPhoneCallKind, type PromptPhoneCallState } from '../sounds/phone/model.js';
import { ringSecondsRange } from '../sounds/phone/service.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { decodeId } from './ids.js';
import { PromptCategoryEnum, PromptRef } from './sounds.js';

/**
 * Prompts by phone (F-4.4.2, F-4.4.3): record a new prompt of the library on
 * an extension, or play one to it. Both answer at once with the call, which
 * is then followed with promptPhoneCall (a query) or promptPhoneCallChanged
 * (a subscription) until it is SAVED, PLAYED or FAILED.
 */
const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

const phoneCallErrors = [...mutationErrors, AsteriskNotConnectedError];

const KindEnum = builder.enumType('PromptPhoneCallKind', {
  values: {
    RECORD: { description: 'A new prompt is recorded (recordPromptByPhone)' },
    PLAY: { description: 'A prompt is played (playPromptOnExtension)' },
  } satisfies Record<PromptPhoneCallKind, unknown>,
});

const StateEnum = builder.enumType('PromptPhoneCallState', {
  values: {
    RINGING: { description: 'The extension is being called' },
    ANSWERED: { description: 'RECORD: answered; the instructions are said ("…after the tone. When done, hang up, or press the pound key")' },
    RECORDING: { description: 'RECORD: recording, after the beep, until #, 5 s of silence, 5 minutes, or the hang-up' },
    REVIEWING: { description: 'RECORD: the review menu: 1 keeps the recording, 2 plays it back, 3 records again' },
    SAVING: { description: 'RECORD: the recording is converted and stored in the sound library' },
    SAVED: { description: 'RECORD, final: the prompt is in the library (prompt)' },
    PLAYING: { description: 'PLAY: answered; the prompt is playing' },
    PLAYED: { description: 'PLAY, final: the whole prompt was played and the call hung up' },
    FAILED: { description: 'Final: see failure and failureReason; nothing was stored' },
  } satisfies Record<PromptPhoneCallState, unknown>,
});

const FailureEnum = builder.enumType('PromptPhoneCallFailure', {
  values: {
    NO_ANSWER: { description: 'Not answered within the ring time' },
    BUSY: { description: 'The extension was busy or declined the call' },
    UNREACHABLE: { description: 'The extension is not registered, or could not be called' },
    HUNG_UP: { description: 'Hung up before the recording started, or before the prompt ended' },
    NOTHING_RECORDED: { description: 'Nothing was said (three times), or the call ended before anything was recorded' },
    SAVE_FAILED: { description: 'The recording could not be stored (e.g. its name was taken meanwhile); failureReason says why' },
    PLAYBACK_FAILED: { description: "Asterisk could not play the prompt's file (it must read SOUNDS_DIR at the same path)" },
    ASTERISK_DISCONNECTED: { description: 'The connection to Asterisk was lost during the call' },
    ASTERISK_ERROR: { description: 'Asterisk refused a step of the call; failureReason has its answer' },
    TIMED_OUT: { description: 'The call lasted longer than 20 minutes and was hung up' },
  } satisfies Record<PromptPhoneCallFailure, unknown>,
});

const PromptPhoneCallRef = builder.objectRef<PromptPhoneCall>('PromptPhoneCall').implement({
  description: 'A call this server places to an extension to record or play a prompt. Kept for an hour after it ended, on the server instance that placed it',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'For promptPhoneCall and promptPhoneCallChanged' }),
    kind: t.field({ type: KindEnum, resolve: (c) => c.kind }),
    state: t.field({ type: StateEnum, resolve: (c) => c.state }),
    finished: t.boolean({ description: 'SAVED, PLAYED or FAILED: nothing changes any more', resolve: (c) => isFinal(c) }),
    extension: t.exposeString('extension', { description: 'The extension number called' }),
    promptName: t.exposeString('promptName', { description: 'RECORD: the name the new prompt gets; PLAY: the prompt played' }),
    category: t.field({ type: PromptCategoryEnum, nullable: true, description: 'RECORD: the category of the new prompt; PLAY: null', resolve: (c) => c.category }),
    prompt: t.field({
      type: PromptRef,
      nullable: true,
      description: 'RECORD: the new prompt once SAVED; PLAY: the prompt played. Null when there is none (or it was deleted since)',
      resolve: (c, _a, ctx) => (c.promptId ? ctx.services.db.prisma.prompt.findUnique({ where: { id: c.promptId } }) : null),
    }),
    recordedSeconds: t.float({ nullable: true, description: 'RECORD: length of the recording that was saved', resolve: (c) => (c.recordedMs === null ? null : c.recordedMs / 1000) }),
    failure: t.field({ type: FailureEnum, nullable: true, resolve: (c) => c.failure }),
    failureReason: t.exposeString('failureReason', { nullable: true, description: 'Why it FAILED, in words' }),
    startedAt: t.field({ type: 'DateTime', resolve: (c) => new Date(c.startedAt) }),
    updatedAt: t.field({ type: 'DateTime', description: 'When the state last changed', resolve: (c) => new Date(c.updatedAt) }),
  }),
});

const ringSecondsDescription = `How long the extension rings before the call counts as NO_ANSWER: ${ringSecondsRange.min} to ${ringSecondsRange.max} seconds, ${ringSecondsRange.default} when not given`;

const RecordPromptByPhoneInput = builder.inputType('RecordPromptByPhoneInput', {
  fields: (t) => ({
    name: t.string({ description: `The new prompt's name: unique over both categories (without regard to case). ${soundNameRule}` }),
    category: t.field({ type: PromptCategoryEnum }),
    extension: t.string({ description: 'The number of an enabled extension, which is called' }),
    ringSeconds: t.int({ required: false, description: ringSecondsDescription }),
  }),
});

builder.mutationFields((t) => ({
  recordPromptByPhone: t.field({
    type: PromptPhoneCallRef,
    description:
      'Calls the extension (caller ID "Prompt recording") and guides whoever answers through recording a new prompt with Asterisk\'s voicemail prompts: instructions, a beep, speak, # (or hang up); then 1 keeps it, 2 plays it back, 3 records again. The recording becomes a prompt of the library (origin RECORDING). Answers at once with the call (RINGING, or FAILED when the extension could not be called); follow it with promptPhoneCall or promptPhoneCallChanged',
    authScopes: write,
    errors: { types: phoneCallErrors },
    args: { input: t.arg({ type: RecordPromptByPhoneInput }) },
    resolve: audited((a: { input: { name: string; category: PromptCategory; extension: string; ringSeconds?: number | null } }, c) =>
      c.services.promptPhone.recordByPhone({ name: a.input.name, category: a.input.category, extension: a.input.extension, ringSeconds: a.input.ringSeconds }, c.services.sounds),
    ),
  }),
  playPromptOnExtension: t.field({
    type: PromptPhoneCallRef,
    description:
      'Calls the extension (caller ID "Prompt playback"), plays the prompt to whoever answers and hangs up. Answers at once with the call; follow it with promptPhoneCall or promptPhoneCallChanged',
    authScopes: write,
    errors: { types: phoneCallErrors },
    args: {
      prompt: t.arg.globalID({ description: 'A Prompt' }),
      extension: t.arg.string({ description: 'The number of an enabled extension' }),
      ringSeconds: t.arg.int({ required: false, description: ringSecondsDescription }),
    },
    resolve: audited((a: { prompt: { typename: string; id: string }; extension: string; ringSeconds?: number | null }, c) =>
      c.services.promptPhone.playOnExtension({ promptId: decodeId(a.prompt, 'Prompt'), extension: a.extension, ringSeconds: a.ringSeconds }),
    ),
  }),
}));

builder.queryField('promptPhoneCall', (t) =>
  t.field({
    type: PromptPhoneCallRef,
    nullable: true,
    description: 'A prompt call by id (running, or ended within the last hour); null when unknown',
    authScopes: read,
    args: { id: t.arg.id() },
    resolve: (_r, args, ctx) => ctx.services.promptPhone.get(String(args.id)),
  }),
);

builder.subscriptionField('promptPhoneCallChanged', (t) =>
  t.field({
    type: PromptPhoneCallRef,
    description: 'The prompt call now, then every change of its state; ends after SAVED, PLAYED or FAILED. Ends at once for an unknown id',
    authScopes: read,
    args: { id: t.arg.id() },
    subscribe: (_r, args, ctx) => ctx.services.promptPhone.watch(String(args.id)),
    resolve: (call) => call,
  }),
);
