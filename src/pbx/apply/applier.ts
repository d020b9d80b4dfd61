import { createTwoFilesPatch } from 'diff';
import type { Logger } from '../../logger.js';
import type { RenderResult } from '../render/index.js';
import { reloadModules } from '../render/index.js';
import { readFiles, restoreFile, writeAtomic } from './files.js';

/** What reloads modules in Asterisk (the ARI connection); absent or disconnected means files only. */
export type ModuleReloader = {
  connected(): boolean;
  reloadModule(module: string): Promise<void>;
};

/** Asterisk refuses a reload while another one runs (ast_module_reload takes its lock with trylock); such a refusal is waited out. */
const reloadBusy = /in progress/i;
const RELOAD_BUSY_ATTEMPTS = 25;
const RELOAD_BUSY_WAIT_MS = 200;

export type LintIssueReport = { code: string; message: string };

export type ApplyOutcome = 'APPLIED' | 'NO_CHANGES' | 'WRITTEN_NOT_RELOADED' | 'REFUSED' | 'FAILED';

export type ApplyReport = {
  revision: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: ApplyOutcome;
  changedFiles: string[];
  reloadedModules: string[];
  error: string | null;
  warnings: string[];
  lintIssues: LintIssueReport[];
};

export type PendingChange = { path: string; diff: string };
export type DryRun = { revision: number; changes: PendingChange[]; warnings: string[]; lintIssues: LintIssueReport[] };

export type ApplierDeps = {
  configDir: string;
  /** Snapshot + render, the pure part, behind one call. */
  renderCurrent(): Promise<RenderResult>;
  /** The dialplan proof (D4): issues stop an apply. */
  lint(result: RenderResult): LintIssueReport[];
  reloader: ModuleReloader | null;
  onApplied(report: ApplyReport): void;
  log: Logger;
  debounceMs: number;
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

  constructor(private readonly deps: ApplierDeps) {}

  get state() {
    return { revision: this.revision, appliedRevision: this.appliedRevision, lastApply: this.last, pendingReloads: [...this.pendingReloads] };
  }

  /** A change was committed: apply after the quiet time (none by default); changes during an apply are applied together after it. */
  markChanged(): void {
    this.revision += 1;
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.applyNow().catch((error) => this.deps.log.error({ err: error }, 'apply failed'));
    }, this.deps.debounceMs);
  }

  /** Applies now, after any apply under way (applies never overlap). */
  async applyNow(): Promise<ApplyReport> {
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
        void this.applyNow();
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
    return { revision: this.revision, changes, warnings: result.warnings, lintIssues: this.deps.lint(result) };
  }

  /** After (re)connecting to Asterisk: reload what was written while it was away. */
  async reconcile(): Promise<string[]> {
    // Never beside an apply: Asterisk runs one reload at a time and refuses a second one.
    while (this.running) await this.running.catch(() => undefined);
    const reconciling = this.reconcileOnce();
    this.reconciling = reconciling;
    try {
      return await reconciling;
    } finally {
      if (this.reconciling === reconciling) this.reconciling = null;
    }
  }

  private async reconcileOnce(): Promise<string[]> {
    const reloader = this.deps.reloader;
    if (!reloader?.connected() || !this.pendingReloads.size) return [];
    const modules = [...this.pendingReloads];
    for (const module of modules) {
      await this.reload(reloader, module);
      this.pendingReloads.delete(module);
    }
    this.deps.log.info({ modules }, 'reloaded modules whose files changed while Asterisk was away');
    return modules;
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

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async applyOnce(): Promise<ApplyReport> {
    const revision = this.revision;
    const startedAt = new Date();
    const finish = (fields: Partial<ApplyReport> & { outcome: ApplyOutcome }): ApplyReport => {
      const report: ApplyReport = { revision, startedAt, finishedAt: new Date(), changedFiles: [], reloadedModules: [], error: null, warnings: [], lintIssues: [], ...fields };
      this.last = report;
      if (report.outcome !== 'REFUSED' && report.outcome !== 'FAILED') this.appliedRevision = revision;
      this.deps.onApplied(report);
      return report;
    };

    if (this.reconciling) await this.reconciling.catch(() => undefined);
    let result: RenderResult;
    try {
      result = await this.deps.renderCurrent();
    } catch (error) {
      return finish({ outcome: 'REFUSED', error: `render: ${(error as Error).message}` });
    }
    const dir = this.deps.configDir;
    const previous = readFiles(dir, result.files.keys());
    const changed = [...result.files].filter(([name, text]) => previous.get(name) !== text).map(([name]) => name);

    // The dialplan is checked whenever it changes, and once after start (the file may be an older version's).
    if (changed.includes('extensions.conf') || !this.dialplanChecked) {
      const lintIssues = this.deps.lint(result);
      if (lintIssues.length) {
        return finish({ outcome: 'REFUSED', warnings: result.warnings, lintIssues, error: `the dialplan check found ${lintIssues.length} problem(s); nothing was written` });
      }
      this.dialplanChecked = true;
    }
    if (!changed.length) return finish({ outcome: 'NO_CHANGES', warnings: result.warnings });

    for (const name of changed) writeAtomic(dir, name, result.files.get(name)!);
    const modules = [...new Set(changed.map((name) => reloadModules[name]).filter((m): m is string => !!m))];
    const reloader = this.deps.reloader;
    if (!reloader?.connected()) {
      for (const module of modules) this.pendingReloads.add(module);
      return finish({ outcome: 'WRITTEN_NOT_RELOADED', changedFiles: changed, warnings: result.warnings, error: reloader ? 'Asterisk is not connected: the files will be reloaded when it is' : null });
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
        return finish({
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
    return finish({ outcome: 'APPLIED', changedFiles: changed, reloadedModules: reloaded, warnings: result.warnings });
  }
}
