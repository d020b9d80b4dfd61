import type { FeatureCode } from '../feature-codes/service.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { NumberRangeInput } from './zod-types.js';

/** Feature codes (F-4.7): every code of the table, whether its feature exists yet or not. */
const PhaseEnum = builder.enumType('FeatureCodePhase', {
  values: {
    IDLE: { description: 'Dialled from an idle phone' },
    CALL: { description: 'Pressed during a call' },
    ATXFER: { description: 'Pressed while an attended transfer is set up' },
    CONFERENCE: { description: 'Pressed inside a conference' },
    INVITE: { description: 'Pressed between a conference admin and an invitee' },
  },
});

const FeatureCodeRef = builder.objectRef<FeatureCode>('FeatureCode').implement({
  description: 'A feature code (F-4.7). Codes of one phase never clash; only codes whose feature exists are rendered',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Stable key, e.g. dndOn' }),
    code: t.exposeString('code', { description: 'The digits, * and # to dial or press' }),
    defaultCode: t.exposeString('defaultCode', { description: "The manual's default" }),
    group: t.exposeString('group', { description: 'The feature group of FEATURES.md, e.g. F-4.7.k' }),
    phase: t.field({ type: PhaseEnum, resolve: (c) => c.phase }),
    takesNumber: t.boolean({ description: 'The code is followed by a number (e.g. ** then the extension)', resolve: (c) => c.argument }),
    rendered: t.exposeBoolean('rendered', { description: 'The feature exists on this PBX and the code works; false: stored and listed only' }),
    description: t.exposeString('description'),
  }),
});

const FeatureCodeInput = builder.inputType('FeatureCodeInput', {
  fields: (t) => ({ key: t.string({ description: 'The key of the code, e.g. dndOn' }), code: t.string({ description: '1–10 of 0–9 * #; idle codes start with * or #' }) }),
});

const UpdateFeatureCodesInput = builder.inputType('UpdateFeatureCodesInput', {
  fields: (t) => ({
    codes: t.field({ type: [FeatureCodeInput], required: false, description: 'The codes to change; the others keep theirs' }),
    parkRetrievalRange: t.field({ type: NumberRangeInput, required: false, description: 'The parking slots dialled to take a parked call back (F-4.7.c, F-4.6.1.a)' }),
  }),
});

builder.queryField('featureCodes', (t) =>
  t.field({
    type: [FeatureCodeRef],
    description: 'The whole feature-code table (F-4.7); every logged-in user may read it',
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => ctx.services.featureCodes.list(),
  }),
);

builder.mutationField('updateFeatureCodes', (t) =>
  t.field({
    type: [FeatureCodeRef],
    description: 'Changes the named codes (and the park range); all or nothing',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: UpdateFeatureCodesInput }) },
    resolve: audited((a: { input: { codes?: { key: string; code: string }[] | null; parkRetrievalRange?: { start: string; end: string } | null } }, c) => c.services.featureCodes.update(a.input)),
  }),
);
