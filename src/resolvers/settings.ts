import { settingGroups, type SettingGroup } from '../settings/schemas.js';
import { builder } from './builder.js';
import { tableType, tableValue } from './runtime-types.js';
import { graphqlType, type AnySchema } from './zod-types.js';
import { audited, mutationErrors } from './errors.js';

/**
 * GraphQL types of the setting groups, derived from their zod schemas
 * (src/settings/schemas.ts): one object type and one input type per group,
 * with the schema's descriptions. Input fields are all optional: an update
 * changes only what it names.
 */

const typeNames: Record<SettingGroup, string> = {
  numberingPlan: 'NumberingPlan',
  pbx: 'PbxSettings',
  sip: 'SipSettings',
  softphone: 'SoftphoneSettings',
  proxyDomain: 'ProxyDomainSettings',
  system: 'SystemSettings',
  intrusionProtection: 'IntrusionProtectionSettings',
  callRecords: 'CallRecordSettings',
};
const mutationNames: Record<SettingGroup, string> = {
  numberingPlan: 'updateNumberingPlan',
  pbx: 'updatePbxSettings',
  sip: 'updateSipSettings',
  softphone: 'updateSoftphoneSettings',
  proxyDomain: 'updateProxyDomainSettings',
  system: 'updateSystemSettings',
  intrusionProtection: 'updateIntrusionProtectionSettings',
  callRecords: 'updateCallRecordSettings',
};

function shapeOf(group: SettingGroup): Record<string, AnySchema> {
  return (settingGroups[group] as AnySchema).def.shape!;
}

const groupRefs = Object.fromEntries(
  (Object.keys(settingGroups) as SettingGroup[]).map((group) => {
    const name = typeNames[group];
    const shape = shapeOf(group);
    const ref = builder.objectRef<Record<string, unknown>>(name).implement({
      fields: (t) =>
        Object.fromEntries(
          Object.entries(shape).map(([field, schema]) => [
            field,
            t.field({ type: tableType(graphqlType(name, field, schema, false)), description: schema.description, resolve: (v) => tableValue(v[field]) }),
          ]),
        ),
    });
    const inputRef = builder.inputType(`${name}Input`, {
      fields: (t) =>
        Object.fromEntries(
          Object.entries(shape).map(([field, schema]) => [field, t.field({ type: tableType(graphqlType(name, field, schema, true)), required: false, description: schema.description })]),
        ),
    });
    return [group, { ref, inputRef }];
  }),
) as Record<SettingGroup, { ref: ReturnType<typeof builder.objectRef<Record<string, unknown>>>; inputRef: ReturnType<typeof builder.inputType> }>;

const SettingsRef = builder.objectRef<object>('Settings').implement({
  description: 'PBX-wide settings, one group per field',
  fields: (t) =>
    Object.fromEntries(
      (Object.keys(settingGroups) as SettingGroup[]).map((group) => [
        group,
        t.field({ type: groupRefs[group].ref, resolve: (_p, _a, ctx) => ctx.services.settings.get(group) as Promise<Record<string, unknown>> }),
      ]),
    ),
});

builder.queryField('settings', (t) => t.field({ type: SettingsRef, authScopes: { perm: 'settings:read' }, resolve: () => ({}) }));

for (const group of Object.keys(settingGroups) as SettingGroup[]) {
  builder.mutationField(mutationNames[group], (t) =>
    t.field({
      type: groupRefs[group].ref,
      description: `Changes the named fields of the ${typeNames[group]} group; the rest keep their values`,
      authScopes: { perm: 'settings:write' },
      errors: { types: mutationErrors },
      args: { input: t.arg({ type: tableType(groupRefs[group].inputRef) }) },
      resolve: audited((a: { input: Record<string, unknown> }, c) => c.services.settings.update(group, tableValue(a.input)) as Promise<Record<string, unknown>>),
    }),
  );
}
