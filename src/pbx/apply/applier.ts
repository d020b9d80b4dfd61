import { createTwoFilesPatch } from 'diff';
import type { Logger } from '../../logger.js';
import type { RenderResult } from '../render/index.js';
import { reloadModules, RenderError } from '../render/index.js';
import { readFiles, restoreFile, writeAtomic } from './files.js';
import type { ObjectSync, PushOutcome } from '../objects/sync.js';
import { ownerKey } from '../objects/plan.js';
import type { PushedObject } from '../objects/types.js';

/** What reloads modules in Asterisk (the ARI connection); absent or disconnected means files only. */
export type ModuleReloader = {
  connected(): boolean;
  reloadModule(module: string): Promise<void>;
};

/** Asterisk refuses a reload while another one runs (ast_module_reload takes its lock with trylock); such a refusal is waited out. */
const reloadBusy = /in progress/i;
const RELOAD_BUSY_ATTEMPTS = 25;
const RELOAD_BUSY_WAIT_MS = 200;
/** An apply that failed on something passing (a push Asterisk refused, a render that could not read the database) is tried again after these waits, doubling. */
const RETRY_FIRST_DELAY_MS = 5_000;
const RETRY_MAX_DELAY_MS = 300_000;

export type LintIssueReport = { code: string; message: string };

export type ApplyOutcome = 'APPLIED' | 'NO_CHANGES' | 'WRITTEN_NOT_RELOADED' | 'WAITING_FOR_ASTERISK' | 'REFUSED' | 'FAILED';

/** What a committed change touched: rows of one domain whose objects are pushed, and whether files may change too. */
export type ChangeScope = { domain: string; ids: string[]; filesMayChange: boolean };

export type ApplyReport = {
  revision: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: ApplyOutcome;
  changedFiles: string[];
  reloadedModules: string[];
  /** Objects created or updated through ARI (`res_pjsip/endpoint/101`), in push order. */
  pushedObjects: string[];
  removedObjects: string[];
  error: string | null;
  warnings: string[];
  lintIssues: LintIssueReport[];
};

export type PendingChange = { path: string; diff: string };
/** An object the next apply would push (`put`: create or update; `recreate`: delete, then create) or delete. */
export type PendingObjectChange = { object: string; operation: 'PUT' | 'RECREATE' | 'DELETE' };
export type DryRun = { revision: number; changes: PendingChange[]; objectChanges: PendingObjectChange[]; warnings: string[]; lintIssues: LintIssueReport[] };

export type ApplierDeps = {
  configDir: string;
  /** Snapshot + render, the pure part, behind one call. */
  renderCurrent(): Promise<RenderResult>;
  /** The dialplan proof (D4): issues stop an apply. */
  lint(result: RenderResult): LintIssueReport[] | Promise<LintIssueReport[]>;
  reloader: ModuleReloader | null;
  /** Pushes objects through ARI; null: objects are sections of files (no ARI). */
  objects?: ObjectSync | null;
  /** The objects of some rows of one domain, from a snapshot of those rows alone (an object-level apply). */
  renderObjectsOf?(domain: string, ids: string[]): Promise<{ objects: PushedObject[]; warnings: string[] }>;
  onApplied(report: ApplyReport): void;
  log: Logger;
  debounceMs: number;
  /** The waits before an apply that failed on something passing is tried again: the first, doubling up to the longest. */
  retryDelaysMs?: { first: number; max: number };
};

/**
 * Applies configuration changes to Asterisk safely (D3): bursts of changes
 * coalesce into one apply; applies run one at a time; only files whose
 * content changed are written (atomically) and only their modules reloaded;
 * a failed reload puts the previous files back and reloads them again.
 */
export class ConfigApplier {
  private revision = 0;
  private appliedRevision = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ApplyReport> | null = null;
  private reconciling: Promise<string[]> | null = null;
  private again = false;
  private last: ApplyReport | null = null;
  /** Modules whose files were written while Asterisk was not reachable: reloaded on the next connect. */
  private pendingReloads = new Set<string>();
  private stopped = false;
  private dialplanChecked = false;
  /** Whether the next apply renders everything (files and every object) or only the objects of `pendingRows`. */
  private pendingFull = true;
  private pendingRows = new Map<string, Set<string>>();
  /** Set by an apply that failed on something passing (a push, a render): it is tried again after `retryDelayMs`. */
  private failedTransiently = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;

  constructor(private readonly deps: ApplierDeps) {
    this.retryDelayMs = this.retryDelays.first;
  }

  private get retryDelays() {
    return this.deps.retryDelaysMs ?? { first: RETRY_FIRST_DELAY_MS, max: RETRY_MAX_DELAY_MS };
  }

  get state() {
    return { revision: this.revision, appliedRevision: this.appliedRevision, lastApply: this.last, pendingReloads: [...this.pendingReloads] };
  }

  /**
   * A change was committed: apply after the quiet time (none by default);
   * changes during an apply are applied together after it. A change scoped to
   * rows whose objects are pushed, touching no file, is applied by rendering
   * and pushing those objects alone.
   */
  markChanged(scope?: ChangeScope): void {
    this.revision += 1;
    if (!scope || scope.filesMayChange || !this.deps.objects) this.pendingFull = true;
    else {
      const rows = this.pendingRows.get(scope.domain) ?? new Set<string>();
      for (const id of scope.ids) rows.add(id);
      this.pendingRows.set(scope.domain, rows);
    }
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run().catch((error) => this.deps.log.error({ err: error }, 'apply failed'));
    }, this.deps.debounceMs);
  }

  /** Applies everything now (files and every object), after any apply under way (applies never overlap). */
  async applyNow(): Promise<ApplyReport> {
    this.pendingFull = true;
    return this.run();
  }

  /** Applies what is pending, after any apply under way. */
  private async run(): Promise<ApplyReport> {
    if (this.stopped) return this.stoppedReport();
    if (this.running) {
      this.again = true;
      await this.running.catch(() => undefined);
      if (this.running !== null) return this.running;
    }
    this.running = this.applyOnce();
    try {
      const report = await this.running;
      return report;
    } finally {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.run();
      }
    }
  }

  /** The pending diff, without writing anything. */
  async dryRun(): Promise<DryRun> {
    const result = await this.deps.renderCurrent();
    const current = readFiles(this.deps.configDir, result.files.keys());
    const changes: PendingChange[] = [];
    for (const [name, text] of result.files) {
      const before = current.get(name) ?? null;
      if (before === text) continue;
      changes.push({ path: name, diff: createTwoFilesPatch(`a/${name}`, `b/${name}`, before ?? '', text, undefined, undefined, { context: 2 }) });
    }
    // Without a connection what Asterisk holds is unknown: every object is pending.
    const objectChanges = this.deps.objects ? await this.deps.objects.preview(result.objects) : [];
    return { revision: this.revision, changes, objectChanges, warnings: result.warnings, lintIssues: await this.deps.lint(result) };
  }

  /**
   * After (re)connecting to Asterisk: reload what was written while it was
   * away, then, when objects are pushed, read what Asterisk holds and push
   * what differs (it may have restarted, with its astdb or without).
   */
  async reconcile(): Promise<string[]> {
    // Never beside an apply: Asterisk runs one reload at a time and refuses a second one.
    while (this.running) await this.running.catch(() => undefined);
    if (this.stopped) return [];
    const reconciling = this.reloadPending(this.deps.reloader);
    this.reconciling = reconciling;
    let modules: string[];
    try {
      modules = await reconciling;
    } finally {
      if (this.reconciling === reconciling) this.reconciling = null;
    }
    if (this.deps.objects && this.deps.reloader?.connected()) {
      this.deps.objects.invalidate();
      await this.applyNow();
    }
    return modules;
  }

  private async reloadPending(reloader: ModuleReloader | null): Promise<string[]> {
    if (!reloader?.connected() || !this.pendingReloads.size) return [];
    const modules = [...this.pendingReloads];
    for (const module of modules) {
      await this.reload(reloader, module);
      this.pendingReloads.delete(module);
    }
    this.deps.log.info({ modules }, 'reloaded modules whose files changed while Asterisk was away');
    return modules;
  }

  /** The objects of the rows changed since the last apply, pushed alone: no snapshot of the rest, no file, no reload. */
  private async applyRows(rows: Map<string, Set<string>>, finish: (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }) => ApplyReport): Promise<ApplyReport> {
    const objects = this.deps.objects!;
    const desired: PushedObject[] = [];
    const owners = new Set<string>();
    const warnings: string[] = [];
    try {
      for (const [domain, ids] of rows) {
        const rendered = await this.deps.renderObjectsOf!(domain, [...ids]);
        desired.push(...rendered.objects);
        warnings.push(...rendered.warnings);
        for (const id of ids) owners.add(ownerKey({ domain, id }));
      }
    } catch (error) {
      // A value the render refuses stays refused until it is changed; anything else (the database away) may pass.
      if (!(error instanceof RenderError)) this.failedTransiently = true;
      return finish({ outcome: 'REFUSED', error: `render: ${(error as Error).message}` });
    }
    if (!objects.connected()) {
      // Pushed by the reconcile of the next connect, with everything else.
      this.pendingFull = true;
      return finish({ outcome: 'WAITING_FOR_ASTERISK', warnings, error: 'Asterisk is not connected: the objects are pushed when it is' });
    }
    const pushed = await objects.apply(desired, owners);
    const report = pushReport(pushed, warnings);
    // A push that did not finish is done again, whole, by the next apply (a retry's, a change's, or the next connect's).
    if (report.outcome === 'FAILED' || report.outcome === 'WAITING_FOR_ASTERISK') this.pendingFull = true;
    if (report.outcome === 'FAILED') this.failedTransiently = true;
    return finish(report);
  }

  /** Reloads a module, waiting out a reload already running in Asterisk (another apply's, or an operator's `core reload`). */
  private async reload(reloader: ModuleReloader, module: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await reloader.reloadModule(module);
      } catch (error) {
        if (attempt >= RELOAD_BUSY_ATTEMPTS || !reloadBusy.test((error as Error).message) || !reloader.connected()) throw error;
        await new Promise((resolve) => setTimeout(resolve, RELOAD_BUSY_WAIT_MS));
      }
    }
  }

  /** No further apply starts; resolves once the one under way (and a reconcile) has finished, so that nothing reads the database after it is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    while (this.running || this.reconciling) await (this.running ?? this.reconciling)?.catch(() => undefined);
  }

  /** What an apply asked for while the server stops answers: nothing was done. */
  private stoppedReport(): ApplyReport {
    const now = new Date();
    return {
      revision: this.revision,
      startedAt: now,
      finishedAt: now,
      changedFiles: [],
      reloadedModules: [],
      pushedObjects: [],
      removedObjects: [],
      error: 'the server is stopping: nothing was applied',
      warnings: [],
      lintIssues: [],
      outcome: 'REFUSED',
    };
  }

  private async applyOnce(): Promise<ApplyReport> {
    const revision = this.revision;
    const startedAt = new Date();
    const finish = (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }): ApplyReport => {
      const report: ApplyReport = {
        revision,
        startedAt,
        finishedAt: new Date(),
        changedFiles: [],
        reloadedModules: [],
        pushedObjects: [],
        removedObjects: [],
        error: null,
        warnings: [],
        lintIssues: [],
        ...fields,
      };
      this.last = report;
      if (report.outcome !== 'REFUSED' && report.outcome !== 'FAILED') this.appliedRevision = revision;
      this.deps.onApplied(report);
      return report;
    };

    if (this.reconciling) await this.reconciling.catch(() => undefined);
    // This apply does what a retry would have done.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.failedTransiently = false;
    const report = await this.applyPending(finish);
    this.retryIfPassing(report);
    return report;
  }

  /**
   * Nothing else would apply again after a push Asterisk refused or a render
   * that failed (the next change or reconnect may be far away): a timer does,
   * waiting longer after each failure in a row. A refused dialplan or reload
   * waits for a change instead: it fails the same way until then.
   */
  private retryIfPassing(report: ApplyReport): void {
    if (!this.failedTransiently) {
      if (report.outcome !== 'FAILED' && report.outcome !== 'REFUSED') this.retryDelayMs = this.retryDelays.first;
      return;
    }
    if (this.stopped) return;
    const delayMs = this.retryDelayMs;
    this.retryDelayMs = Math.min(delayMs * 2, this.retryDelays.max);
    this.deps.log.warn({ revision: report.revision, outcome: report.outcome, error: report.error, retryInMs: delayMs }, 'the apply failed: it is tried again');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pendingFull = true;
      void this.run().catch((error) => this.deps.log.error({ err: error }, 'apply failed'));
    }, delayMs);
    this.retryTimer.unref();
  }

  private async applyPending(finish: (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }) => ApplyReport): Promise<ApplyReport> {
    const full = this.pendingFull;
    const rows = this.pendingRows;
    this.pendingFull = false;
    this.pendingRows = new Map();
    if (!full && rows.size) return this.applyRows(rows, finish);
    if (!full) return finish({ outcome: 'NO_CHANGES' });
    const report = await this.applyFiles(finish);
    if (report.outcome === 'REFUSED' || report.outcome === 'FAILED') this.pendingFull = true;
    return report;
  }

  /** A full apply: every file, then every object. */
  private async applyFiles(finish: (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }) => ApplyReport): Promise<ApplyReport> {
    let result: RenderResult;
    try {
      result = await this.deps.renderCurrent();
    } catch (error) {
      // A value the render refuses stays refused until it is changed; anything else (the database away) may pass.
      if (!(error instanceof RenderError)) this.failedTransiently = true;
      return finish({ outcome: 'REFUSED', error: `render: ${(error as Error).message}` });
    }
    const dir = this.deps.configDir;
    const previous = readFiles(dir, result.files.keys());
    const changed = [...result.files].filter(([name, text]) => previous.get(name) !== text).map(([name]) => name);

    // The dialplan is checked whenever it changes, and once after start (the file may be an older version's).
    if (changed.includes('extensions.conf') || !this.dialplanChecked) {
      const lintIssues = await this.deps.lint(result);
      if (lintIssues.length) {
        return finish({ outcome: 'REFUSED', warnings: result.warnings, lintIssues, error: `the dialplan check found ${lintIssues.length} problem(s); nothing was written` });
      }
      this.dialplanChecked = true;
    }
    const withObjects = (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }) => this.pushAll(result.objects, fields, finish);
    if (!changed.length) return withObjects({ outcome: 'NO_CHANGES', warnings: result.warnings });

    for (const name of changed) writeAtomic(dir, name, result.files.get(name)!);
    const modules = [...new Set(changed.map((name) => reloadModules[name]).filter((m): m is string => !!m))];
    // Files no module reloads (sorcery.conf, modules.conf) are read when Asterisk starts.
    const readAtStart = changed.filter((name) => reloadModules[name] === '');
    if (readAtStart.length && this.deps.reloader?.connected())
      result.warnings.push(`${readAtStart.join(', ')} changed: Asterisk reads ${readAtStart.length > 1 ? 'them' : 'it'} only when it starts; restart Asterisk`);
    const reloader = this.deps.reloader;
    if (!reloader?.connected()) {
      for (const module of modules) this.pendingReloads.add(module);
      return withObjects({
        outcome: 'WRITTEN_NOT_RELOADED',
        changedFiles: changed,
        warnings: result.warnings,
        error: reloader ? 'Asterisk is not connected: the files will be reloaded when it is' : null,
      });
    }

    const reloaded: string[] = [];
    try {
      for (const module of modules) {
        await this.reload(reloader, module);
        reloaded.push(module);
      }
    } catch (error) {
      if (!reloader.connected()) {
        // Asterisk went away during the apply: it reads the new files when it is back (reconcile).
        for (const module of modules) if (!reloaded.includes(module)) this.pendingReloads.add(module);
        return withObjects({
          outcome: 'WRITTEN_NOT_RELOADED',
          changedFiles: changed,
          reloadedModules: reloaded,
          warnings: result.warnings,
          error: 'Asterisk disconnected during the apply: the files will be reloaded when it is back',
        });
      }
      // Asterisk refused a reload: put the previous files back and make it read them again.
      for (const name of changed) restoreFile(dir, name, previous.get(name) ?? null);
      for (const module of reloaded.concat(modules.filter((m) => !reloaded.includes(m)))) {
        await reloader.reloadModule(module).catch((e) => this.deps.log.error({ err: e, module }, 'reload after restoring the previous files failed'));
      }
      return finish({ outcome: 'FAILED', changedFiles: changed, reloadedModules: reloaded, warnings: result.warnings, error: `reload failed, previous files restored: ${(error as Error).message}` });
    }
    for (const module of modules) this.pendingReloads.delete(module);
    return withObjects({ outcome: 'APPLIED', changedFiles: changed, reloadedModules: reloaded, warnings: result.warnings });
  }

  /** After the files: every object, pushed where it differs (files first: an object may name what a file defines, such as an ACL). */
  private async pushAll(
    desired: PushedObject[],
    files: Partial<ApplyReport> & { outcome: ApplyOutcome },
    finish: (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }) => ApplyReport,
  ): Promise<ApplyReport> {
    const objects = this.deps.objects;
    if (!objects) return finish(files);
    if (!objects.connected()) {
      this.pendingFull = true;
      if (files.outcome !== 'NO_CHANGES' || !desired.length) return finish(files);
      return finish({ ...files, outcome: 'WAITING_FOR_ASTERISK', error: 'Asterisk is not connected: the objects are pushed when it is' });
    }
    const pushed = await objects.apply(desired, null);
    const objectsReport = pushReport(pushed, files.warnings ?? []);
    if (objectsReport.outcome === 'FAILED' || objectsReport.outcome === 'WAITING_FOR_ASTERISK') {
      this.pendingFull = true;
      if (objectsReport.outcome === 'FAILED') this.failedTransiently = true;
      return finish({ ...files, ...objectsReport, outcome: files.outcome === 'WRITTEN_NOT_RELOADED' || objectsReport.outcome === 'FAILED' ? objectsReport.outcome : 'WAITING_FOR_ASTERISK' });
    }
    const outcome = files.outcome === 'NO_CHANGES' ? objectsReport.outcome : files.outcome;
    return finish({ ...files, pushedObjects: pushed.pushed, removedObjects: pushed.removed, outcome });
  }
}

/** The report's part of a push of objects. */
function pushReport(pushed: PushOutcome, warnings: string[]): Partial<ApplyReport> & { outcome: ApplyOutcome } {
  const fields = { pushedObjects: pushed.pushed, removedObjects: pushed.removed, warnings, error: pushed.error };
  if (pushed.disconnected) return { ...fields, outcome: 'WAITING_FOR_ASTERISK' };
  if (pushed.error) return { ...fields, outcome: 'FAILED' };
  return { ...fields, outcome: pushed.pushed.length || pushed.removed.length ? 'APPLIED' : 'NO_CHANGES' };
}
