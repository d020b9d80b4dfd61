import type { Logger } from '../../logger.js';
import type { AppliedStore } from './applied-store.js';
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

  constructor(
    private readonly deps: {
      target: ObjectTarget;
      store: AppliedStore | null;
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

  /** Reads the fingerprints of what Asterisk holds; without a store (no AMI) nothing is known, and every object is pushed again. */
  async load(): Promise<void> {
    const stored = (await this.deps.store?.load().catch(() => null)) ?? null;
    if (stored === null && this.deps.store) this.deps.log.warn('the fingerprints of pushed objects could not be read (AMI not connected): every object is pushed again');
    this.applied = new Map([...(stored ?? [])].map(([key, fp]) => [key, { key, fingerprint: fp }]));
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
  async apply(desired: PushedObject[], owners: Set<string> | null): Promise<PushOutcome> {
    if (!this.loaded) await this.load();
    const steps = planObjects(desired, this.applied, { owners, typeOrder: this.deps.typeOrder });
    // Objects found equal are known now: their fields make a later change of an append-only option visible.
    for (const object of desired) {
      const entry = this.applied.get(objectKey(object));
      if (entry && entry.fingerprint === fingerprint(object.fields)) Object.assign(entry, { object, owner: ownerKey(object.owner) });
    }
    const outcome: PushOutcome = { pushed: [], removed: [], error: null, disconnected: false };
    const done: ObjectStep[] = [];
    for (const step of steps) {
      try {
        await this.withRetry(() => this.run(step));
        done.push(step);
        if (step.op === 'delete') outcome.removed.push(step.key);
        else outcome.pushed.push(objectKey(step.object));
      } catch (error) {
        const message = (error as Error).message;
        if (!this.deps.target.connected()) {
          this.invalidate();
          return { ...outcome, disconnected: true, error: `Asterisk disconnected during the push: ${message}` };
        }
        await this.undo(done.reverse());
        return {
          pushed: [],
          removed: [],
          error: `push of ${step.op === 'delete' ? step.key : objectKey(step.object)} failed, the objects pushed before it were put back: ${message}`,
          disconnected: false,
        };
      }
    }
    return outcome;
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
    await this.remember(key, step.object);
  }

  private async remember(key: string, object: PushedObject): Promise<void> {
    const fp = fingerprint(object.fields);
    this.applied.set(key, { key, fingerprint: fp, object, owner: ownerKey(object.owner) });
    // The fingerprint only spares the next reconcile a push: losing it costs a push, never a wrong object.
    await this.deps.store?.save(key, fp).catch((error: unknown) => this.deps.log.warn({ err: error, key }, 'the fingerprint of a pushed object was not saved'));
  }

  private forget(key: string): void {
    this.applied.delete(key);
    void this.deps.store?.remove(key).catch((error: unknown) => this.deps.log.warn({ err: error, key }, 'the fingerprint of a removed object was not removed'));
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
          // An update kept the append-only options: sending them again would append them twice.
          const appendOnly = new Set(step.op === 'put' ? (before.object.appendOnly ?? []) : []);
          if (step.op !== 'put') await target.deleteObject(refOf(key));
          await target.putObject(
            before.object,
            before.object.fields.filter(([name]) => !appendOnly.has(name)),
          );
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
