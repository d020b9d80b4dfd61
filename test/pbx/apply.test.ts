import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigApplier, type ApplyReport, type ModuleReloader } from '../../src/pbx/apply/applier.js';
import { render, type RenderResult } from '../../src/pbx/render/index.js';
import { lintRendered } from '../../src/pbx/lint-rendered.js';
import { smallSnapshot } from './fixtures/snapshots.js';

function harness(
  options: {
    reloader?: ModuleReloader | null;
    debounceMs?: number;
    lint?: (r: RenderResult) => { code: string; message: string }[];
    /** Runs before each render; what it throws fails the render. */
    beforeRender?: () => void;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-apply-'));
  let snapshot = smallSnapshot();
  let renders = 0;
  let lints = 0;
  const reports: ApplyReport[] = [];
  const applier = new ConfigApplier({
    configDir: dir,
    renderCurrent: async () => {
      renders += 1;
      options.beforeRender?.();
      return render(snapshot);
    },
    lint: (result: RenderResult) => {
      lints += 1;
      return (options.lint ?? lintRendered)(result);
    },
    reloader: options.reloader ?? null,
    onApplied: (r) => reports.push(r),
    log: pino({ level: 'silent' }),
    debounceMs: options.debounceMs ?? 10,
    retryDelaysMs: { first: 30, max: 60 },
  });
  return {
    dir,
    applier,
    reports,
    counts: () => ({ renders, lints }),
    change(mutate: (s: ReturnType<typeof smallSnapshot>) => void) {
      mutate(snapshot);
      applier.markChanged();
    },
    set(next: ReturnType<typeof smallSnapshot>) {
      snapshot = next;
    },
  };
}

const recordingReloader = (fail: Set<string> = new Set()) => {
  const calls: string[] = [];
  return {
    calls,
    connected: () => true,
    async reloadModule(module: string) {
      calls.push(module);
      if (fail.has(module)) throw new Error(`409 ${module}`);
    },
  };
};

describe('ConfigApplier (D3)', () => {
  it('writes every file on the first apply, nothing on the next when nothing changed', async () => {
    const h = harness();
    const first = await h.applier.applyNow();
    expect(first.outcome).toBe('WRITTEN_NOT_RELOADED');
    expect(first.changedFiles.sort()).toEqual([
      'acl.conf',
      'ari.conf',
      'cdr.conf',
      'cdr_custom.conf',
      'extensions.conf',
      'features.conf',
      'http.conf',
      'iax.conf',
      'manager.conf',
      'modules.conf',
      'musiconhold.conf',
      'pjsip.conf',
      'queues.conf',
      'res_parking.conf',
      'rtp.conf',
      'voicemail.conf',
    ]);
    expect(readFileSync(join(h.dir, 'pjsip.conf'), 'utf8')).toBe(render(smallSnapshot()).files.get('pjsip.conf'));
    expect((await h.applier.applyNow()).outcome).toBe('NO_CHANGES');
  });

  it('coalesces a burst of changes into one apply and reloads only the modules of changed files', async () => {
    const reloader = recordingReloader();
    const h = harness({ reloader, debounceMs: 30 });
    await h.applier.applyNow();
    reloader.calls.length = 0;
    const before = h.counts().renders;
    for (let i = 0; i < 20; i++) h.change((s) => (s.extensions[0] = { ...s.extensions[0]!, maxContacts: 3 + i }));
    await new Promise((r) => setTimeout(r, 200));
    expect(h.counts().renders - before).toBe(1);
    expect(reloader.calls).toEqual(['res_pjsip.so']);
    expect(h.reports.at(-1)).toMatchObject({ outcome: 'APPLIED', changedFiles: ['pjsip.conf'], reloadedModules: ['res_pjsip.so'], revision: 20 });
    expect(h.applier.state.appliedRevision).toBe(20);
  });

  it('checks the dialplan only when it changes (and once after start)', async () => {
    const h = harness();
    await h.applier.applyNow();
    expect(h.counts().lints).toBe(1);
    h.change((s) => (s.extensions[0] = { ...s.extensions[0]!, maxContacts: 5 }));
    await h.applier.applyNow();
    expect(h.counts().lints).toBe(1);
    h.change((s) => (s.settings.pbx.globalRingSeconds = 12));
    await h.applier.applyNow();
    expect(h.counts().lints).toBe(2);
  });

  it('refuses a dialplan that fails the check, writing nothing', async () => {
    let broken = false;
    const h = harness({ lint: (r) => (broken ? [{ code: 'UNKNOWN_TARGET', message: 'extensions.conf:1 Goto(nowhere,s,1)' }] : lintRendered(r)) });
    await h.applier.applyNow();
    broken = true;
    h.change((s) => (s.settings.pbx.globalRingSeconds = 12));
    const report = await h.applier.applyNow();
    expect(report).toMatchObject({ outcome: 'REFUSED', lintIssues: [{ code: 'UNKNOWN_TARGET', message: 'extensions.conf:1 Goto(nowhere,s,1)' }] });
    expect(readFileSync(join(h.dir, 'extensions.conf'), 'utf8')).toContain('PBX_RINGTIME=30');
  });

  it('refuses a configuration that cannot be rendered safely, writing nothing', async () => {
    const h = harness();
    await h.applier.applyNow();
    const before = readFileSync(join(h.dir, 'extensions.conf'), 'utf8');
    // A destination to an external number that the dialplan cannot express safely stops the render.
    h.change((s) => (s.departments[0]!.noAnswer = { type: 'EXTERNAL_NUMBER', number: '1;2' }));
    const report = await h.applier.applyNow();
    expect(report.outcome).toBe('REFUSED');
    expect(report.error).toMatch(/render/);
    expect(readFileSync(join(h.dir, 'extensions.conf'), 'utf8')).toBe(before);
    expect(h.applier.state.appliedRevision).toBeLessThan(h.applier.state.revision);
  });

  it('a failed reload restores the previous files and reloads them again', async () => {
    const reloader = recordingReloader(new Set(['app_voicemail.so']));
    const h = harness({ reloader });
    writeFileSync(join(h.dir, 'marker'), 'x');
    const first = await h.applier.applyNow();
    expect(first.outcome).toBe('FAILED');
    expect(first.error).toContain('409 app_voicemail.so');
    // Nothing was there before: the files are gone again.
    expect(() => readFileSync(join(h.dir, 'pjsip.conf'))).toThrow();
    expect(readFileSync(join(h.dir, 'marker'), 'utf8')).toBe('x');
  });

  it('a reload refused because another one is running is waited out, not failed', async () => {
    const calls: string[] = [];
    let busy = 2;
    const reloader = {
      connected: () => true,
      async reloadModule(module: string) {
        calls.push(module);
        if (module === 'pjsip' || (module === 'res_pjsip.so' && busy-- > 0)) throw new Error('Another reload is currently in progress');
      },
    };
    const h = harness({ reloader });
    const report = await h.applier.applyNow();
    expect(report.outcome, report.error ?? '').toBe('APPLIED');
    expect(calls.filter((m) => m === 'res_pjsip.so')).toHaveLength(3);
  });

  it('reconnecting waits for an apply under way before reloading what was written meanwhile (one reload at a time)', async () => {
    let up = false;
    let inReload = 0;
    let overlapped = false;
    const reloader = {
      connected: () => up,
      async reloadModule() {
        if (inReload++) overlapped = true;
        await new Promise((r) => setTimeout(r, 5));
        inReload--;
      },
    };
    const h = harness({ reloader });
    await h.applier.applyNow();
    up = true;
    h.change((s) => (s.extensions[0] = { ...s.extensions[0]!, maxContacts: 9 }));
    const [applied, reconciled] = await Promise.all([h.applier.applyNow(), h.applier.reconcile()]);
    expect(applied.outcome).toBe('APPLIED');
    expect(reconciled.length).toBeGreaterThan(0);
    expect(overlapped).toBe(false);
  });

  it('without Asterisk it writes, remembers what to reload, and reloads it on reconnect', async () => {
    let up = false;
    const calls: string[] = [];
    const h = harness({ reloader: { connected: () => up, reloadModule: async (m) => void calls.push(m) } });
    const report = await h.applier.applyNow();
    expect(report.outcome).toBe('WRITTEN_NOT_RELOADED');
    expect(h.applier.state.pendingReloads.sort()).toEqual([
      'acl',
      'app_queue.so',
      'app_voicemail.so',
      'cdr',
      'cdr_custom.so',
      'chan_iax2.so',
      'features',
      'http',
      'manager',
      'pbx_config.so',
      'res_ari.so',
      'res_musiconhold.so',
      'res_parking.so',
      'res_pjsip.so',
      'res_rtp_asterisk.so',
    ]);
    up = true;
    await h.applier.reconcile();
    expect(calls.sort()).toEqual([
      'acl',
      'app_queue.so',
      'app_voicemail.so',
      'cdr',
      'cdr_custom.so',
      'chan_iax2.so',
      'features',
      'http',
      'manager',
      'pbx_config.so',
      'res_ari.so',
      'res_musiconhold.so',
      'res_parking.so',
      'res_pjsip.so',
      'res_rtp_asterisk.so',
    ]);
    expect(h.applier.state.pendingReloads).toEqual([]);
  });

  it('Asterisk going away during an apply keeps the new files and reloads them on reconnect', async () => {
    let up = true;
    let dropped = false;
    const calls: string[] = [];
    const h = harness({
      reloader: {
        connected: () => up,
        async reloadModule(m) {
          if (m === 'pbx_config.so' && !dropped) {
            dropped = true;
            up = false;
            throw new Error('socket closed');
          }
          calls.push(m);
        },
      },
    });
    const report = await h.applier.applyNow();
    expect(report.outcome).toBe('WRITTEN_NOT_RELOADED');
    expect(readFileSync(join(h.dir, 'extensions.conf'), 'utf8')).toBe(render(smallSnapshot()).files.get('extensions.conf'));
    expect(h.applier.state.pendingReloads).toContain('pbx_config.so');
    up = true;
    await h.applier.reconcile();
    expect(calls).toContain('pbx_config.so');
  });

  it('applies never overlap', async () => {
    let active = 0;
    let most = 0;
    const h = harness({
      reloader: {
        connected: () => true,
        async reloadModule() {
          active += 1;
          most = Math.max(most, active);
          await new Promise((r) => setTimeout(r, 5));
          active -= 1;
        },
      },
    });
    await Promise.all([h.applier.applyNow(), h.applier.applyNow(), h.applier.applyNow()]);
    expect(most).toBe(1);
  });

  it('a render that failed on something passing (the database away) is tried again, waiting longer after each failure in a row', async () => {
    let failures = 3;
    const h = harness({
      reloader: recordingReloader(),
      beforeRender: () => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('database is locked');
        }
      },
    });
    const first = await h.applier.applyNow();
    expect(first).toMatchObject({ outcome: 'REFUSED', error: 'render: database is locked' });
    await until(() => h.reports.at(-1)?.outcome === 'APPLIED', 2000);
    expect(h.reports.map((r) => r.outcome)).toEqual(['REFUSED', 'REFUSED', 'REFUSED', 'APPLIED']);
    expect(readFileSync(join(h.dir, 'extensions.conf'), 'utf8')).toContain('[pbx-parked-calls]');
    // 30 ms, then 60, then 60 (the longest wait).
    const gaps = h.reports.slice(1).map((r, i) => r.startedAt.getTime() - h.reports[i]!.finishedAt.getTime());
    expect(gaps[0]).toBeGreaterThanOrEqual(25);
    expect(gaps[1]).toBeGreaterThanOrEqual(55);
    expect(gaps[2]).toBeGreaterThanOrEqual(55);
    // Once it has applied, nothing more runs.
    await new Promise((r) => setTimeout(r, 150));
    expect(h.reports).toHaveLength(4);
  });

  it('a value the render refuses is not tried again: it fails the same way until it is changed', async () => {
    const h = harness();
    await h.applier.applyNow();
    h.change((s) => (s.departments[0]!.noAnswer = { type: 'EXTERNAL_NUMBER', number: '1;2' }));
    await until(() => h.reports.length === 2, 2000);
    expect(h.reports[1]!.outcome).toBe('REFUSED');
    await new Promise((r) => setTimeout(r, 150));
    expect(h.reports).toHaveLength(2);
  });

  it("a change applied while a retry waits does the retry's work: the retry does not run as well", async () => {
    let fail = true;
    const h = harness({
      reloader: recordingReloader(),
      beforeRender: () => {
        if (fail) throw new Error('database is locked');
      },
    });
    await h.applier.applyNow();
    fail = false;
    await h.applier.applyNow();
    await new Promise((r) => setTimeout(r, 150));
    expect(h.reports.map((r) => r.outcome)).toEqual(['REFUSED', 'APPLIED']);
  });

  it('stopping cancels a waiting retry', async () => {
    const h = harness({
      reloader: recordingReloader(),
      beforeRender: () => {
        throw new Error('database is locked');
      },
    });
    await h.applier.applyNow();
    await h.applier.stop();
    await new Promise((r) => setTimeout(r, 150));
    expect(h.reports).toHaveLength(1);
  });
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
