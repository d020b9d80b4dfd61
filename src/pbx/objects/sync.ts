import type { Logger } from '../../logger.js';
import type { AppliedStore } from './applied-store.js';
import type { SorceryBacklog } from './pacing.js';
import type { StoredObjectWriter } from './restore.js';
import { ownerKey, planObjects, type AppliedObject, type ObjectStep } from './plan.js';
import { fingerprint, objectKey, type ObjectField, type ObjectRef, type PushedObject } from './types.js';

/** Where objects go: ARI's dynamic configuration. */
export type ObjectTarget = {
  connected(): boolean;
  putObject(object: ObjectRef, fields: ObjectField[]): Promise<void>;
  deleteObject(object: ObjectRef): Promise<void>;
};

export type PushOutcome = {
  /** Keys of the objects created or updated, in push order. */
  pushed: string[];
  removed: string[];
  /** Why the push stopped; what it had done was undone. */
  error: string | null;
  /** Asterisk went away during the push: the next connect reconciles. */
  disconnected: boolean;
};

type Entry = AppliedObject & { owner?: string };

const RETRY_WAIT_MS = 100;
/** Pushes of one wave in flight at a time: Asterisk's HTTP server takes each on a thread of its own. */
const PUSH_CONCURRENCY = 4;
/** Asterisk's observer queues are looked at after this many pushes… */
const PACE_EVERY = 200;
/** …and pushing waits until the deepest has no more than this many tasks (Asterisk stops taking SIP requests at 500)… */
const PACE_LOW = 100;
const PACE_POLL_MS = 50;
/** …but not longer than this at a time. */
const PACE_MAX_WAIT_MS = 30_000;
/** Fingerprint writes (AMI, one session, answered in order) unanswered at a time. */
const SAVES_IN_FLIGHT = 64;

/** Consecutive steps of the same direction and type: a wave, whose steps may run in any order. */
function wavesOf(steps: ObjectStep[]): ObjectStep[][] {
  const waves: ObjectStep[][] = [];
  let last = '';
  for (const step of steps) {
    const key = step.op === 'delete' ? step.key : objectKey(step.object);
    const kind = `${step.op === 'delete' ? 'delete' : 'put'} ${key.slice(0, key.lastIndexOf('/'))}`;
    if (kind !== last || !waves.length) waves.push([]);
    waves.at(-1)!.push(step);
    last = kind;
  }
  return waves;
}

/** Runs `work` over `items`, `concurrency` at a time, in order of start; stops starting new ones once one answers false. */
async function eachConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<boolean>): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < items.length) {
      if (!(await work(items[next++]!))) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

const refOf = (key: string): ObjectRef => {
  const [configClass = '', type = '', ...rest] = key.split('/');
  return { configClass, type, id: rest.join('/') };
};

/**
 * What the server has pushed into Asterisk, and the pushing (D3): the steps
 * of planObjects() run in order; a failed step is tried once more, then the
 * steps already done are undone so Asterisk is as before, as a failed reload
 * restores the previous files. After every connect the index is read again
 * from Asterisk (load) before the next push, so a restarted Asterisk or a
 * wiped astdb is seen.
 */
export class ObjectSync {
  private applied = new Map<string, Entry>();
  private loaded = false;
  /** Loaded without the fingerprints (AMI was not connected): reading them later spares nothing now, but shows what differs. */
  private blind = false;
  private readonly saves = new Set<Promise<void>>();
  private pacing: Promise<void> | null = null;
  /** The push or restore running: one at a time, so an owed stored copy is never written over a newer one. */
  private running: Promise<unknown> = Promise.resolve();
  /** Fingerprint writes that failed or were not tried since the last report, and the first error. */
  private unsaved: { count: number; error: unknown } = { count: 0, error: undefined };
  /** Updated objects, newest version by key, whose stored copy could not be written again yet (see restore.ts); written once AMI is back. */
  private readonly owedRestores = new Map<string, PushedObject>();
  /** Stored copies that could not be written again since the last report, and the first error. */
  private unrestored: { count: number; error: unknown } = { count: 0, error: undefined };

  constructor(
    private readonly deps: {
      target: ObjectTarget;
      store: AppliedStore | null;
      /** Types (`res_pjsip/aor`) whose stored copy is written again after an update, the writer, and whether it can write now (AMI). */
      restore?: { types: Set<string>; write: StoredObjectWriter; connected(): boolean } | null;
      /** Asterisk's queue of object observers: pushes wait while it is deep (null: not paced). */
      backlog?: SorceryBacklog | null;
      typeOrder: Map<string, string[]>;
      log: Logger;
    },
  ) {}

  /** Asterisk (re)connected: what it holds is read again before the next push. */
  invalidate(): void {
    this.loaded = false;
  }

  connected(): boolean {
    return this.deps.target.connected();
  }

  /**
   * Reads the fingerprints of what Asterisk holds. Without them (no AMI) every
   * object is pushed again, and the objects this process pushed before stay
   * known by key: one whose row was deleted meanwhile is still removed.
   */
  async load(): Promise<void> {
    const stored = (await this.deps.store?.load().catch(() => null)) ?? null;
    if (stored === null && this.deps.store) this.deps.log.warn('the fingerprints of pushed objects could not be read (AMI not connected): every object is pushed again');
    this.applied =
      stored === null
        ? new Map([...this.applied.values()].map(({ key, owner, object }) => [key, { key, fingerprint: null, ...(owner ? { owner } : {}), ...(object ? { object } : {}) }]))
        : new Map([...stored].map(([key, fp]) => [key, { key, fingerprint: fp }]));
    this.loaded = true;
    this.blind = stored === null && this.deps.store !== null;
  }

  /** Whether the last load could not read the fingerprints: a reconcile once AMI is connected finds objects this one could not (extra ones). */
  get loadedBlind(): boolean {
    return this.blind;
  }

  /** What apply() would do with every object, doing nothing. */
  async preview(desired: PushedObject[]): Promise<{ object: string; operation: 'PUT' | 'RECREATE' | 'DELETE' }[]> {
    if (!this.loaded && this.connected()) await this.load();
    const applied = this.loaded ? this.applied : new Map<string, Entry>();
    return planObjects(desired, applied, { owners: null, typeOrder: this.deps.typeOrder }).map((step) =>
      step.op === 'delete' ? { object: step.key, operation: 'DELETE' } : { object: objectKey(step.object), operation: step.op === 'put' ? 'PUT' : 'RECREATE' },
    );
  }

  /** Pushes what differs between `desired` and Asterisk; `owners` limits it to the objects of those rows (null: every object). */
  apply(desired: PushedObject[], owners: Set<string> | null): Promise<PushOutcome> {
    return this.exclusive(() => this.push(desired, owners));
  }

  private async push(desired: PushedObject[], owners: Set<string> | null): Promise<PushOutcome> {
    if (!this.loaded) await this.load();
    const steps = planObjects(desired, this.applied, { owners, typeOrder: this.deps.typeOrder });
    // Objects found equal are known now: their fields make a later change of an append-only option visible.
    for (const object of desired) {
      const entry = this.applied.get(objectKey(object));
      if (entry && entry.fingerprint === fingerprint(object.fields)) Object.assign(entry, { object, owner: ownerKey(object.owner) });
    }
    const outcome: PushOutcome = { pushed: [], removed: [], error: null, disconnected: false };
    const done: ObjectStep[] = [];
    let failure: { step: ObjectStep; error: unknown } | null = null;
    // Objects of one type in one direction do not depend on each other: a few are pushed at a time.
    for (const wave of wavesOf(steps)) {
      if (failure) break;
      await eachConcurrently(wave, PUSH_CONCURRENCY, async (step) => {
        if (this.pacing) await this.pacing;
        try {
          await this.withRetry(() => this.run(step));
        } catch (error) {
          failure ??= { step, error };
          return false;
        }
        done.push(step);
        if (step.op === 'delete') outcome.removed.push(step.key);
        else outcome.pushed.push(objectKey(step.object));
        if (done.length % PACE_EVERY === 0) await this.paced();
        return true;
      });
    }
    await this.savesSettled();
    if (!failure) return outcome;
    const { step, error } = failure as { step: ObjectStep; error: unknown };
    const message = (error as Error).message;
    if (!this.deps.target.connected()) {
      this.invalidate();
      return { ...outcome, disconnected: true, error: `Asterisk disconnected during the push: ${message}` };
    }
    await this.undo(done.reverse());
    await this.savesSettled();
    return {
      pushed: [],
      removed: [],
      error: `push of ${step.op === 'delete' ? step.key : objectKey(step.object)} failed, the objects pushed before it were put back: ${message}`,
      disconnected: false,
    };
  }

  /**
   * An updated object of a restored type is stored again from its own fields
   * (see restore.ts). The push itself succeeded: while AMI is away the stored
   * copy stays as ARI wrote it (which matters only if a phone was registered)
   * and is written once AMI is back (writeOwedRestores).
   */
  private async restoreStored(object: PushedObject): Promise<void> {
    const restore = this.deps.restore;
    if (!restore || !restore.types.has(`${object.configClass}/${object.type}`)) return;
    const key = objectKey(object);
    this.owedRestores.set(key, object);
    if (!restore.connected()) {
      this.unrestored.count += 1;
      return;
    }
    try {
      await restore.write(object);
      this.owedRestores.delete(key);
    } catch (error) {
      this.unrestored.count += 1;
      this.unrestored.error ??= error;
    }
  }

  /** Writes the stored copies owed since AMI went away (call when AMI is connected); how many remain owed. */
  writeOwedRestores(): Promise<number> {
    return this.exclusive(() => this.restoreOwed());
  }

  private async restoreOwed(): Promise<number> {
    const restore = this.deps.restore;
    if (!restore || !this.owedRestores.size) return this.owedRestores.size;
    let written = 0;
    for (const [key, object] of [...this.owedRestores]) {
      if (!restore.connected()) break;
      try {
        await restore.write(object);
        this.owedRestores.delete(key);
        written += 1;
      } catch (error) {
        this.deps.log.warn({ err: error, key, owed: this.owedRestores.size }, 'writing again the stored copy of an updated object failed: tried again when AMI connects');
        break;
      }
    }
    if (written) this.deps.log.info({ written }, 'stored copies of objects updated while AMI was away written again');
    return this.owedRestores.size;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.running.then(work, work);
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Waits while Asterisk's observers are behind: they fall behind a batch of pushes, and too far behind, Asterisk drops new SIP requests. */
  private async paced(): Promise<void> {
    const backlog = this.deps.backlog;
    if (!backlog || this.pacing) return this.pacing ?? undefined;
    this.pacing = (async () => {
      const deadline = Date.now() + PACE_MAX_WAIT_MS;
      for (let depth = await backlog(); depth !== null && depth > PACE_LOW && this.deps.target.connected(); depth = await backlog()) {
        if (Date.now() > deadline) {
          this.deps.log.warn({ depth }, "Asterisk's sorcery observers stay behind: pushing on");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, PACE_POLL_MS));
      }
    })().finally(() => (this.pacing = null));
    return this.pacing;
  }

  private async withRetry(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!this.deps.target.connected()) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_WAIT_MS));
      await action();
    }
  }

  private async run(step: ObjectStep): Promise<void> {
    const { target } = this.deps;
    if (step.op === 'delete') {
      await target.deleteObject(refOf(step.key));
      this.forget(step.key);
      return;
    }
    const key = objectKey(step.object);
    if (step.op === 'recreate') await target.deleteObject(step.object);
    await target.putObject(step.object, step.op === 'put' ? step.fields : step.object.fields);
    // Also after a load without fingerprints: the object may have been in Asterisk, with a phone registered.
    if (step.op === 'put' && (step.previous || this.blind)) await this.restoreStored(step.object);
    await this.remember(key, step.object);
  }

  private async remember(key: string, object: PushedObject): Promise<void> {
    const fp = fingerprint(object.fields);
    this.applied.set(key, { key, fingerprint: fp, object, owner: ownerKey(object.owner) });
    // The fingerprint only spares the next reconcile a push: losing it costs a push, never a wrong object.
    await this.saving((store) => store.save(key, fp));
  }

  private forget(key: string): void {
    this.applied.delete(key);
    this.owedRestores.delete(key);
    void this.saving((store) => store.remove(key));
  }

  /**
   * Fingerprint writes go beside the pushes, not between them: a push waits
   * only while SAVES_IN_FLIGHT writes are unanswered, and apply() waits for
   * them all before it reports. While the store cannot be written (AMI away)
   * none is tried; what was not written is counted and reported once.
   */
  private async saving(write: (store: AppliedStore) => Promise<void>): Promise<void> {
    const store = this.deps.store;
    if (!store) return;
    if (!store.connected()) {
      this.unsaved.count += 1;
      return;
    }
    while (this.saves.size >= SAVES_IN_FLIGHT) await Promise.race(this.saves);
    const pending = write(store)
      .catch((error: unknown) => {
        this.unsaved.count += 1;
        this.unsaved.error ??= error;
      })
      .finally(() => this.saves.delete(pending));
    this.saves.add(pending);
  }

  private async savesSettled(): Promise<void> {
    while (this.saves.size) await Promise.all(this.saves);
    if (this.unrestored.count) {
      const { count, error } = this.unrestored;
      this.unrestored = { count: 0, error: undefined };
      this.deps.log.warn(
        { err: error, count },
        `${count} updated object(s) could not be stored again from their own fields (AMI not connected or refusing): a phone registered to one stays a permanent contact until AMI is back and they are written`,
      );
    }
    const { count, error } = this.unsaved;
    if (!count) return;
    this.unsaved = { count: 0, error: undefined };
    // The fingerprints only spare the next reconcile pushes: without them it pushes those objects again (or, without any, every object).
    this.deps.log.warn(
      { err: error, count },
      `${count} fingerprint(s) of pushed or removed objects could not be written (AMI not connected or refusing): the next reconcile pushes again what it cannot tell`,
    );
  }

  /** Puts back what the steps changed, newest first; what cannot be put back (never seen by this process) is logged. */
  private async undo(steps: ObjectStep[]): Promise<void> {
    const { target, log } = this.deps;
    for (const step of steps) {
      const key = step.op === 'delete' ? step.key : objectKey(step.object);
      const before = step.previous;
      try {
        if (!before) {
          await target.deleteObject(refOf(key));
          this.forget(key);
        } else if (before.object) {
          // An update of an object Asterisk was known to hold kept the append-only options: sending them again would append them twice.
          const appendOnly = new Set(step.op === 'put' && before.fingerprint !== null ? (before.object.appendOnly ?? []) : []);
          if (step.op !== 'put') await target.deleteObject(refOf(key));
          await target.putObject(
            before.object,
            before.object.fields.filter(([name]) => !appendOnly.has(name)),
          );
          if (step.op === 'put') await this.restoreStored(before.object);
          await this.remember(key, before.object);
        } else {
          log.warn({ key }, 'a pushed object could not be put back: its previous fields are unknown to this process');
        }
      } catch (error) {
        log.error({ err: error, key }, 'putting a pushed object back failed');
        this.invalidate();
      }
    }
  }
}
