import { describeOwner } from '../numbering/namespace.js';
import { builder } from './builder.js';
import { NumberOwnerRef } from './errors.js';

builder.queryField('numberOwner', (t) =>
  t.field({
    type: NumberOwnerRef,
    nullable: true,
    description: 'Who holds a dialable number (D5), or null when it is free',
    authScopes: { perm: 'settings:read' },
    args: { number: t.arg.string() },
    resolve: async (_r, args, ctx) => {
      const row = await ctx.services.db.prisma.dialableNumber.findUnique({ where: { number: args.number } });
      return row ? describeOwner(ctx.services.db.prisma, row.ownerKind, row.ownerId) : null;
    },
  }),
);
