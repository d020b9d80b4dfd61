import { forwardingOf, type Forwarding } from '../call-forwarding/service.js';
import { AsteriskNotConnectedError } from '../errors.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { audited, mutationErrors } from './errors.js';
import { decodeId } from './ids.js';
import type { FieldNeeds } from './list-plan.js';
import { selection } from './selection.js';

const CallForwardTypeEnum = builder.enumType('CallForwardType', {
  description: 'When calls are forwarded (F-4.5.1)',
  values: {
    ALWAYS: { description: 'Every call, without ringing the extension (code *71 / *071)' },
    BUSY: { description: 'When the phone answers busy (code *72 / *072)' },
    NO_ANSWER: { description: 'When nobody answers within the ring time (code *73 / *073)' },
  },
});

const CallForwardingRef = builder.objectRef<Forwarding>('CallForwarding').implement({
  description:
    'Where an extension forwards its calls (F-4.5.1), by kind; null where that kind is off. The number is dialled as the phone of the extension would dial it, through its dial permission (an outside number carries its outbound prefix); a number that permission does not reach is not forwarded to. Forwarding always wins over the other kinds; busy and unanswered may be set together; do not disturb comes first. A call forwarded 5 times in a row rings the extension it reached',
  fields: (t) => ({
    always: t.string({ nullable: true, resolve: (f) => f.ALWAYS }),
    busy: t.string({ nullable: true, resolve: (f) => f.BUSY }),
    noAnswer: t.string({ nullable: true, resolve: (f) => f.NO_ANSWER }),
  }),
});

const forwardsOfPage: FieldNeeds<{ number: string }, Context> = { columns: ['number'], prefetch: (_rows, ctx) => ctx.loaders.callForwarding.preload(['cf']) };

builder.prismaObjectField('Extension', 'callForwarding', (t) =>
  t.field({
    type: CallForwardingRef,
    nullable: true,
    description:
      'Where its calls are forwarded. Set by its phone with the forwarding codes or by setExtensionCallForwarding; Asterisk keeps it. Null while Asterisk cannot be asked (AMI not connected here)',
    select: { number: true },
    extensions: forwardsOfPage,
    resolve: async (ext, _a, ctx) => {
      const all = await ctx.loaders.callForwarding.get('cf');
      return all ? forwardingOf(all, ext.number) : null;
    },
  }),
);

builder.mutationField('setExtensionCallForwarding', (t) =>
  t.prismaField({
    type: 'Extension',
    description:
      'Forwards the calls of one kind of an extension to a number, or stops forwarding them (number null), as its phone does with the forwarding codes (*71 / *72 / *73 + number, *071 / *072 / *073). Administrators, or the extension user for its own extension. Needs Asterisk (AMI): refused with AsteriskNotConnectedError while it cannot be reached',
    authScopes: (_r, args) => ({ $any: { perm: 'extensions:write', selfExtension: args.id.id } }),
    errors: { types: [...mutationErrors, AsteriskNotConnectedError] },
    args: {
      id: t.arg.globalID(),
      type: t.arg({ type: CallForwardTypeEnum }),
      number: t.arg.string({ required: false, description: 'Digits with an optional leading +, at most 32; null or left out: stop forwarding' }),
    },
    resolve: async (query, root, args, ctx, info) => {
      const id = decodeId(args.id, 'Extension');
      await audited((a: typeof args, c) => c.services.callForwarding.set(id, a.type, a.number ?? null))(root, args, ctx, info);
      return ctx.services.db.prisma.extension.findUniqueOrThrow({ ...selection(query), where: { id } });
    },
  }),
);
