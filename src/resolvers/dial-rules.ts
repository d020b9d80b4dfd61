import type { PrismaClient } from '../db/client.js';
import { dialRuleWarnings } from '../dial-rules/config.js';
import { patternRule, prefixRule, prependRule } from '../dial-rules/patterns.js';
import { dialRuleFieldSchemas, type DialRuleEntryInput } from '../dial-rules/service.js';
import type { CallerIdSource, SnapshotDialRule, TrunkSelection } from '../dial-rules/snapshot.js';
import { trunkTypename } from '../dial-rules/trunk-rows.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId, encodeGlobalId } from './ids.js';
import { PinSetRef } from './pin-sets.js';
import { TimeRuleRef } from './time-rules.js';
import { selection } from './selection.js';

const read = { perm: 'settings:read' } as const;
const write = { perm: 'settings:write' } as const;

const CallerIdSourceEnum = builder.enumType('CallerIdSource', {
  values: {
    EXT_CALLER_ID_1: { description: "The calling extension's outboundCallerId1" },
    EXT_CALLER_ID_2: { description: "The calling extension's outboundCallerId2" },
  } satisfies Record<CallerIdSource, unknown>,
});
const TrunkSelectionEnum = builder.enumType('TrunkSelection', {
  values: { SEQUENTIAL: { description: 'Try the trunks in order; the next one only when a trunk cannot carry the call (unavailable or congested) or is at its call limit' } } satisfies Record<
    TrunkSelection,
    unknown
  >,
});

type TrunkLink = { trunk: { id: string; name: string; enabled: boolean; kind: string } };
type EntryRow = {
  id: string;
  position: number;
  prefix: string;
  pattern: string;
  prependDigits: string;
  pinSet: { id: string; name: string; pins: string } | null;
  callerIdSource: string;
  callTimeLimitSeconds: number | null;
  trunkSelection: string;
  trunks: TrunkLink[];
  timeRule: { id: string; name: string; workScheduleId: string; holidayId: string | null } | null;
};

const DialRuleTrunkRef = builder.objectRef<TrunkLink['trunk']>('DialRuleTrunk').implement({
  description: 'A trunk of a dial-rule entry',
  fields: (t) => ({
    id: t.id({ description: 'The global ID of the trunk', resolve: (tr) => encodeGlobalId(trunkTypename(tr.kind), tr.id) }),
    name: t.exposeString('name'),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled trunk is skipped' }),
  }),
});

const DialRuleEntryRef = builder.objectRef<EntryRow>('DialRuleEntry').implement({
  description: 'One pattern of a dial rule (F-4.3.2.a)',
  fields: (t) => ({
    prefix: t.exposeString('prefix', { description: dialRuleFieldSchemas.prefix.description }),
    pattern: t.exposeString('pattern', { description: dialRuleFieldSchemas.pattern.description }),
    prependDigits: t.exposeString('prependDigits', { description: dialRuleFieldSchemas.prependDigits.description }),
    pinSet: t.field({ type: PinSetRef, nullable: true, description: 'The caller must enter a PIN of this set (3 tries); the PIN goes into the call record', resolve: (e) => e.pinSet }),
    callerIdSource: t.field({ type: CallerIdSourceEnum, resolve: (e) => e.callerIdSource as CallerIdSource }),
    callTimeLimitSeconds: t.int({ nullable: true, description: dialRuleFieldSchemas.callTimeLimitSeconds.description, resolve: (e) => e.callTimeLimitSeconds }),
    trunkSelection: t.field({ type: TrunkSelectionEnum, resolve: (e) => e.trunkSelection as TrunkSelection }),
    trunks: t.field({ type: [DialRuleTrunkRef], description: 'In the order they are tried; none: the entry answers with congestion', resolve: (e) => e.trunks.map((l) => l.trunk) }),
    timeRule: t.field({
      type: TimeRuleRef,
      nullable: true,
      description: 'Outside the working time of this time rule (holidays included) the entry is not used: the next entry that matches takes the call, or the caller hears congestion (F-4.3.2.a)',
      resolve: (e) => e.timeRule,
    }),
  }),
});

const entryInclude = { pinSet: true, timeRule: true, trunks: { orderBy: { position: 'asc' }, include: { trunk: { select: { id: true, name: true, enabled: true, kind: true } } } } } as const;

/** The warnings of one rule: computed against every rule and trunk, as the apply report has them. */
async function warningsOf(prisma: PrismaClient, ruleId: string): Promise<string[]> {
  const rows = await prisma.dialRule.findMany({ include: { entries: { orderBy: { position: 'asc' }, include: { trunks: { orderBy: { position: 'asc' } } } } } });
  const rules: SnapshotDialRule[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    entries: r.entries.map((e) => ({
      id: e.id,
      prefix: e.prefix,
      pattern: e.pattern,
      prependDigits: e.prependDigits,
      pinSetId: e.pinSetId,
      callerIdSource: e.callerIdSource as CallerIdSource,
      callTimeLimitSeconds: e.callTimeLimitSeconds,
      trunkSelection: e.trunkSelection as TrunkSelection,
      trunks: e.trunks.map((t) => t.trunkId),
      timeRuleId: e.timeRuleId,
    })),
  }));
  const trunks = await prisma.trunk.findMany({ select: { id: true, name: true, enabled: true } });
  return dialRuleWarnings(rules, trunks)
    .filter((w) => w.ruleId === ruleId)
    .map((w) => w.message);
}

export const DialRuleRef = builder.prismaNode('DialRule', {
  id: { field: 'id' },
  description: 'A dial rule (F-4.3.2): which trunks carry a call, by the number dialled. Usable through the dial permissions that list it',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    name: t.exposeString('name', { description: dialRuleFieldSchemas.name.description }),
    entries: t.field({
      type: [DialRuleEntryRef],
      description: 'In order',
      resolve: (r, _a, ctx) => ctx.services.db.prisma.dialRuleEntry.findMany({ where: { ruleId: r.id }, orderBy: { position: 'asc' }, include: entryInclude }),
    }),
    warnings: t.stringList({
      description: 'What will not work as it may seem: entries without an enabled trunk (congestion), entries that can match the same numbers as another rule',
      resolve: (r, _a, ctx) => warningsOf(ctx.services.db.prisma, r.id),
    }),
  }),
});

builder.queryFields((t) => ({
  dialRules: t.prismaField({
    type: [DialRuleRef],
    description: 'Every dial rule, by name',
    authScopes: read,
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.dialRule.findMany({ ...selection(query), orderBy: { name: 'asc' } }),
  }),
}));

const DialRuleEntryInput = builder.inputType('DialRuleEntryInput', {
  fields: (t) => ({
    prefix: t.string({ required: false, description: `Default empty. ${prefixRule}` }),
    pattern: t.string({ description: patternRule }),
    prependDigits: t.string({ required: false, description: `Default empty. ${prependRule}` }),
    pinSet: t.string({ required: false, description: 'Name or ID of a PIN set the caller must enter a PIN of; none when absent or null' }),
    callerIdSource: t.field({ type: CallerIdSourceEnum, required: false, description: 'Default EXT_CALLER_ID_1' }),
    callTimeLimitSeconds: t.int({ required: false, description: dialRuleFieldSchemas.callTimeLimitSeconds.description }),
    trunkSelection: t.field({ type: TrunkSelectionEnum, required: false, description: 'Default SEQUENTIAL' }),
    trunks: t.stringList({ required: false, description: 'Names or IDs of trunks, in the order they are tried' }),
    timeRule: t.string({ required: false, description: 'Name or ID of a time rule: outside its working time (holidays included) the entry is not used; none when absent or null' }),
  }),
});

const DialRuleFields = (required: boolean) => (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  name: t.string({ required, description: dialRuleFieldSchemas.name.description }),
  entries: t.field({ type: [DialRuleEntryInput], required, description: 'The entries in order (at least one); replaces the list when given' }),
});
const CreateDialRuleInput = builder.inputType('CreateDialRuleInput', { fields: DialRuleFields(true) });
const UpdateDialRuleInput = builder.inputType('UpdateDialRuleInput', { description: 'Only the fields given change', fields: DialRuleFields(false) });

type EntryArgs = { pattern: string } & Record<string, unknown>;
/** Absent and null mean the default, except for the fields where null means none. */
const entryInput = (e: EntryArgs): DialRuleEntryInput =>
  Object.fromEntries(Object.entries(e).filter(([k, v]) => v !== undefined && (v !== null || k === 'callTimeLimitSeconds' || k === 'pinSet' || k === 'timeRule'))) as DialRuleEntryInput;
const ruleInput = (input: { name?: string | null; entries?: EntryArgs[] | null }) => ({
  ...(input.name != null ? { name: input.name } : {}),
  ...(input.entries != null ? { entries: input.entries.map(entryInput) } : {}),
});

builder.mutationFields((t) => ({
  createDialRule: t.prismaField({
    type: DialRuleRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateDialRuleInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.dialRules.create(ruleInput(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.dialRule.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  updateDialRule: t.prismaField({
    type: DialRuleRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateDialRuleInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.dialRules.update(decodeId(a.id, 'DialRule'), ruleInput(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.dialRule.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteDialRule: t.field({
    type: DeletedRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited(async (a: { id: { typename: string; id: string } }, c) => deletedPayload([await c.services.dialRules.delete(decodeId(a.id, 'DialRule'))], 'DialRule')),
  }),
}));
