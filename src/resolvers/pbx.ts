import type { ApplyReportJson } from '../services.js';
import { applyReportJson } from '../services.js';
import { builder } from './builder.js';
import { endsWithOperation, noteSecretRead } from './context.js';

const ApplyOutcomeEnum = builder.enumType('ApplyOutcome', {
  values: {
    APPLIED: { description: 'Changed files written and their modules reloaded, changed objects pushed through ARI' },
    NO_CHANGES: { description: 'The configuration on disk and in Asterisk was already current' },
    WRITTEN_NOT_RELOADED: { description: 'Files written; Asterisk is not connected, so they are reloaded (and objects pushed) when it is' },
    WAITING_FOR_ASTERISK: { description: 'No file changed; Asterisk is not connected, so the changed objects are pushed when it is' },
    REFUSED: { description: 'Nothing written: rendering or the dialplan check failed' },
    FAILED: { description: 'A reload or a push failed; the previous files (or objects) were put back' },
  } as const,
});

const LintIssueRef = builder.objectRef<{ code: string; message: string }>('DialplanIssue').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

export const ApplyReportRef = builder.objectRef<ApplyReportJson>('ApplyReport').implement({
  description: 'The result of applying the configuration to Asterisk (D3)',
  fields: (t) => ({
    revision: t.exposeInt('revision', { description: 'The configuration revision this apply rendered' }),
    startedAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.startedAt) }),
    finishedAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.finishedAt) }),
    outcome: t.field({ type: ApplyOutcomeEnum, resolve: (r) => r.outcome }),
    changedFiles: t.exposeStringList('changedFiles'),
    reloadedModules: t.exposeStringList('reloadedModules'),
    pushedObjects: t.exposeStringList('pushedObjects', { description: 'Objects created or updated through ARI, as configClass/type/id (`res_pjsip/endpoint/101`), in push order' }),
    removedObjects: t.exposeStringList('removedObjects', { description: 'Objects deleted through ARI, as configClass/type/id' }),
    error: t.exposeString('error', { nullable: true }),
    warnings: t.exposeStringList('warnings'),
    dialplanIssues: t.field({ type: [LintIssueRef], resolve: (r) => r.lintIssues }),
  }),
});

type PbxState = { revision: number; appliedRevision: number; asteriskConnected: boolean; configDirectory: string; pendingReloads: string[]; lastApply: ApplyReportJson | null };
const PbxStateRef = builder.objectRef<PbxState>('PbxConfigurationState').implement({
  fields: (t) => ({
    revision: t.exposeInt('revision', { description: 'Counts committed configuration changes since the server started' }),
    appliedRevision: t.exposeInt('appliedRevision', { description: 'The revision that last reached the files (and Asterisk when connected)' }),
    asteriskConnected: t.exposeBoolean('asteriskConnected'),
    configDirectory: t.exposeString('configDirectory'),
    pendingReloads: t.exposeStringList('pendingReloads', { description: 'Modules to reload when Asterisk connects' }),
    lastApply: t.field({ type: ApplyReportRef, nullable: true, resolve: (s) => s.lastApply }),
  }),
});

const PendingChangeRef = builder.objectRef<{ path: string; diff: string }>('PendingFileChange').implement({
  fields: (t) => ({ path: t.exposeString('path'), diff: t.exposeString('diff', { description: 'Unified diff of the file on disk against the rendered one' }) }),
});
const ObjectOperationEnum = builder.enumType('PendingObjectOperation', {
  values: {
    PUT: { description: 'Created or updated through ARI' },
    RECREATE: { description: 'Deleted and created again: an option Asterisk appends to (an endpoint ACL) changed, or the old object is unknown' },
    DELETE: { description: 'Deleted through ARI' },
  } as const,
});
const PendingObjectRef = builder.objectRef<{ object: string; operation: 'PUT' | 'RECREATE' | 'DELETE' }>('PendingObjectChange').implement({
  fields: (t) => ({
    object: t.exposeString('object', { description: 'configClass/type/id, e.g. `res_pjsip/endpoint/101`' }),
    operation: t.field({ type: ObjectOperationEnum, resolve: (c) => c.operation }),
  }),
});
type DryRun = Awaited<ReturnType<import('../pbx/apply/applier.js').ConfigApplier['dryRun']>>;
const DryRunRef = builder.objectRef<DryRun>('PbxDryRun').implement({
  fields: (t) => ({
    revision: t.exposeInt('revision'),
    changes: t.field({ type: [PendingChangeRef], resolve: (d) => d.changes }),
    objectChanges: t.field({
      type: [PendingObjectRef],
      description: 'Objects the next apply pushes through ARI (in push order); every object while Asterisk is not connected',
      resolve: (d) => d.objectChanges,
    }),
    warnings: t.exposeStringList('warnings'),
    dialplanIssues: t.field({ type: [LintIssueRef], resolve: (d) => d.lintIssues }),
  }),
});

builder.queryFields((t) => ({
  pbxConfiguration: t.field({
    type: PbxStateRef,
    authScopes: { perm: 'settings:read' },
    resolve: (_r, _a, ctx) => {
      const state = ctx.services.applier.state;
      return {
        revision: state.revision,
        appliedRevision: state.appliedRevision,
        asteriskConnected: ctx.services.live.asteriskConnected,
        configDirectory: ctx.services.config.asterisk.configDir,
        pendingReloads: state.pendingReloads,
        lastApply: state.lastApply ? applyReportJson(state.lastApply) : null,
      };
    },
  }),
  pbxDryRun: t.field({
    type: DryRunRef,
    description: 'What an apply would write now, without writing (the diff holds secrets: extensions:secrets)',
    authScopes: { perm: 'extensions:secrets' },
    resolve: (_r, _a, ctx) => {
      noteSecretRead(ctx, 'pbxDryRun');
      return ctx.services.applier.dryRun();
    },
  }),
}));

builder.mutationField('applyPbxConfiguration', (t) =>
  t.field({
    type: ApplyReportRef,
    description: 'Applies now. Changes apply by themselves shortly after each mutation; this is for impatient scripts.',
    authScopes: { perm: 'settings:write' },
    resolve: async (_r, _a, ctx) => applyReportJson(await ctx.services.applier.applyNow()),
  }),
);

builder.subscriptionField('pbxApplied', (t) =>
  t.field({
    type: ApplyReportRef,
    description: 'Each apply; starts with the last one',
    authScopes: { perm: 'settings:read' },
    subscribe: async function* (_r, _a, ctx) {
      const last = ctx.services.applier.state.lastApply;
      if (last) yield applyReportJson(last);
      for await (const report of endsWithOperation(ctx, ctx.services.bus.subscribe('pbxApplied'))) yield report;
    },
    resolve: (report) => report,
  }),
);
