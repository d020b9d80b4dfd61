import { describe, expect, it } from 'vitest';
import { deepestQueue } from '../../../src/pbx/objects/pacing.js';
import { ObjectSync, type ObjectTarget } from '../../../src/pbx/objects/sync.js';
import type { ObjectRef, PushedObject } from '../../../src/pbx/objects/types.js';
import { createLogger } from '../../../src/logger.js';

const typeOrder = new Map([['res_pjsip', ['auth', 'aor', 'endpoint']]]);
const log = createLogger('silent');

function extensions(count: number): PushedObject[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(1000 + i);
    const owner = { domain: 'extensions', id: n };
    return [
      { configClass: 'res_pjsip', type: 'auth', id: `${n}-auth`, fields: [['password', `p${n}`]], owner },
      { configClass: 'res_pjsip', type: 'aor', id: n, fields: [['max_contacts', '1']], owner },
      { configClass: 'res_pjsip', type: 'endpoint', id: n, fields: [['aors', n]], owner },
    ] satisfies PushedObject[];
  }).flat();
}

/** A logger that keeps its warnings. */
function capturingLog() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = createLogger('silent');
  logger.warn = (fields: Record<string, unknown> | string, message?: string) => void warnings.push(typeof fields === 'string' ? { fields: {}, message: fields } : { fields, message: message ?? '' });
  return { logger, warnings };
}

/** A target that answers after a tick and records what was in flight. */
function recordingTarget(options: { refuse?: string } = {}) {
  const log: { op: string; key: string; inFlight: number }[] = [];
  let inFlight = 0;
  let deepest = 0;
  const call = async (op: string, o: ObjectRef) => {
    const key = `${o.type}/${o.id}`;
    inFlight += 1;
    deepest = Math.max(deepest, inFlight);
    log.push({ op, key, inFlight });
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight -= 1;
    if (options.refuse === key && op === 'put') throw new Error('refused');
  };
  const target: ObjectTarget = { connected: () => true, putObject: (o) => call('put', o), deleteObject: (o) => call('delete', o) };
  return { target, log, deepest: () => deepest };
}

describe('pushing objects', () => {
  it('pushes one extension whole first, then several objects of one type at a time, every auth and aor before any endpoint', async () => {
    const { target, log: all, deepest } = recordingTarget();
    const sync = new ObjectSync({ target, store: null, typeOrder, log });
    const outcome = await sync.apply(extensions(50), null);
    expect(outcome.error).toBeNull();
    expect(outcome.pushed).toHaveLength(150);
    expect(deepest()).toBeGreaterThan(1);
    expect(deepest()).toBeLessThanOrEqual(4);
    // One at a time: each names the one before.
    expect(all.slice(0, 3).map((p) => [p.key, p.inFlight])).toEqual([
      ['auth/1000-auth', 1],
      ['aor/1000', 1],
      ['endpoint/1000', 1],
    ]);
    const pushes = all.slice(3);
    const firstEndpoint = pushes.findIndex((p) => p.key.startsWith('endpoint/'));
    const lastAor = pushes.map((p) => p.key.startsWith('aor/')).lastIndexOf(true);
    const lastAuth = pushes.map((p) => p.key.startsWith('auth/')).lastIndexOf(true);
    const firstAor = pushes.findIndex((p) => p.key.startsWith('aor/'));
    expect(lastAuth).toBeLessThan(firstAor);
    expect(lastAor).toBeLessThan(firstEndpoint);
  });

  it('waits while Asterisk reports its observer queues deep, and goes on once they drained', async () => {
    const { target, log: pushes } = recordingTarget();
    const depths = [600, 450, 250, 40];
    const asked: number[] = [];
    const backlog = async () => {
      asked.push(pushes.length);
      return depths.length ? depths.shift()! : 0;
    };
    const sync = new ObjectSync({ target, store: null, backlog, typeOrder, log });
    const outcome = await sync.apply(extensions(100), null);
    expect(outcome.error).toBeNull();
    expect(outcome.pushed).toHaveLength(300);
    // Asked once 200 were done (a few more had started beside them), again and again until the deepest queue was at 40:
    // no push started meanwhile. 400 were never reached.
    expect(asked).toHaveLength(4);
    expect(new Set(asked).size).toBe(1);
    expect(asked[0]).toBeGreaterThanOrEqual(200);
    expect(asked[0]).toBeLessThanOrEqual(204);
  });

  it('a refused push stops the wave and puts back what was pushed, also what ran beside it', async () => {
    const { target, log: pushes } = recordingTarget({ refuse: 'aor/1010' });
    const sync = new ObjectSync({ target, store: null, typeOrder, log });
    const outcome = await sync.apply(extensions(20), null);
    expect(outcome.error).toMatch(/push of res_pjsip\/aor\/1010 failed/);
    expect(outcome.pushed).toEqual([]);
    const created = new Set(pushes.filter((p) => p.op === 'put' && p.key !== 'aor/1010').map((p) => p.key));
    const deleted = new Set(pushes.filter((p) => p.op === 'delete').map((p) => p.key));
    expect(deleted).toEqual(created);
    // The leading extension's endpoint, and no other.
    expect(pushes.filter((p) => p.key.startsWith('endpoint/')).map((p) => `${p.op} ${p.key}`)).toEqual(['put endpoint/1000', 'delete endpoint/1000']);
  });
});

describe('after a reconnect without fingerprints to read (no AMI)', () => {
  it('pushes every object again in full, and still removes the objects of a row deleted meanwhile', async () => {
    const { target, log: pushes } = recordingTarget();
    const sync = new ObjectSync({ target, store: null, typeOrder, log });
    await sync.apply(extensions(2), null);
    sync.invalidate();
    pushes.length = 0;
    // Extension 1000 was deleted while Asterisk was away; the reconcile pushes what is left.
    const outcome = await sync.apply(
      extensions(2).filter((o) => o.owner.id !== '1000'),
      null,
    );
    expect(outcome.error).toBeNull();
    expect(outcome.removed).toEqual(['res_pjsip/endpoint/1000', 'res_pjsip/aor/1000', 'res_pjsip/auth/1000-auth']);
    expect(outcome.pushed).toEqual(['res_pjsip/auth/1001-auth', 'res_pjsip/aor/1001', 'res_pjsip/endpoint/1001']);
    expect(pushes.filter((p) => p.op === 'delete').map((p) => p.key)).toEqual(['endpoint/1000', 'aor/1000', 'auth/1000-auth']);
    // Found equal now: nothing more to push.
    expect(
      await sync.apply(
        extensions(2).filter((o) => o.owner.id !== '1000'),
        null,
      ),
    ).toMatchObject({ pushed: [], removed: [] });
  });

  it('a push refused during that reconcile puts the objects back as this process pushed them, and deletes none', async () => {
    let refuse = '';
    const { target, log: pushes } = recordingTarget();
    const refusing: ObjectTarget = { ...target, putObject: async (o, fields) => (refuse === `${o.type}/${o.id}` ? Promise.reject(new Error('refused')) : target.putObject(o, fields)) };
    const sync = new ObjectSync({ target: refusing, store: null, typeOrder, log });
    await sync.apply(extensions(20), null);
    sync.invalidate();
    pushes.length = 0;
    refuse = 'aor/1010';
    const changed = extensions(20).map((o) => (o.type === 'auth' ? { ...o, fields: [['password', 'changed']] as [string, string][] } : o));
    const outcome = await sync.apply(changed, null);
    expect(outcome.error).toMatch(/push of res_pjsip\/aor\/1010 failed/);
    expect(pushes.filter((p) => p.op === 'delete')).toEqual([]);
    // Every auth was changed, then put back: twice each.
    const authPuts = pushes.filter((p) => p.op === 'put' && p.key.startsWith('auth/'));
    expect(authPuts).toHaveLength(40);
  });

  it('a scoped apply after the reconnect removes the objects of its own deleted row only', async () => {
    const { target } = recordingTarget();
    const sync = new ObjectSync({ target, store: null, typeOrder, log });
    await sync.apply(extensions(2), null);
    sync.invalidate();
    const outcome = await sync.apply([], new Set(['extensions/1001']));
    expect(outcome.removed).toEqual(['res_pjsip/endpoint/1001', 'res_pjsip/aor/1001', 'res_pjsip/auth/1001-auth']);
  });
});

describe('fingerprints that cannot be written', () => {
  it('while AMI is away none is tried, the push goes on, and one warning gives the count', async () => {
    const { target } = recordingTarget();
    const { logger, warnings } = capturingLog();
    let writes = 0;
    const store = { connected: () => false, load: async () => null, save: async () => void (writes += 1), remove: async () => void (writes += 1) };
    const sync = new ObjectSync({ target, store, typeOrder, log: logger });
    const outcome = await sync.apply(extensions(50), null);
    expect(outcome).toMatchObject({ error: null });
    expect(outcome.pushed).toHaveLength(150);
    expect(writes).toBe(0);
    expect(warnings.filter((w) => w.message.includes('fingerprint(s)'))).toEqual([{ fields: { err: undefined, count: 150 }, message: expect.stringContaining('150 fingerprint(s)') }]);
  });

  it('writes refused by the store are reported once per apply, with the first error', async () => {
    const { target } = recordingTarget();
    const { logger, warnings } = capturingLog();
    const store = { connected: () => true, load: async () => new Map<string, string>(), save: async (key: string) => Promise.reject(new Error(`refused ${key}`)), remove: async () => undefined };
    const sync = new ObjectSync({ target, store, typeOrder, log: logger });
    await sync.apply(extensions(2), null);
    const reported = warnings.filter((w) => w.message.includes('fingerprint(s)'));
    expect(reported).toHaveLength(1);
    expect(reported[0]!.fields.count).toBe(6);
    expect(String(reported[0]!.fields.err)).toMatch(/refused res_pjsip\/auth/);
  });
});

describe('objects whose stored copy lists live state', () => {
  it('an updated aor is stored again from its own fields; a created one and other types are not', async () => {
    const { target } = recordingTarget();
    const written: string[] = [];
    const restore = {
      types: new Set(['res_pjsip/aor']),
      write: async (o: PushedObject) => void written.push(`${o.type}/${o.id} ${JSON.stringify(Object.fromEntries(o.fields))}`),
      connected: () => true,
    };
    const sync = new ObjectSync({ target, store: null, restore, typeOrder, log });
    await sync.apply(extensions(2), null);
    expect(written).toEqual([]);
    const changed = extensions(2).map((o) => (o.type === 'aor' && o.id === '1001' ? { ...o, fields: [['max_contacts', '3']] as [string, string][] } : o));
    const changedEndpoint = changed.map((o) =>
      o.type === 'endpoint' && o.id === '1000'
        ? {
            ...o,
            fields: [
              ['aors', '1000'],
              ['allow', 'ulaw'],
            ] as [string, string][],
          }
        : o,
    );
    const outcome = await sync.apply(changedEndpoint, null);
    expect(outcome.pushed).toEqual(['res_pjsip/endpoint/1000', 'res_pjsip/aor/1001']);
    expect(written).toEqual(['aor/1001 {"max_contacts":"3"}']);
  });

  /** A writer of stored copies whose AMI can be taken away and refuse. */
  function switchableRestore() {
    const state = { connected: true, refusing: false, written: [] as string[] };
    const restore = {
      types: new Set(['res_pjsip/aor']),
      connected: () => state.connected,
      write: async (o: PushedObject) => {
        if (!state.connected || state.refusing) throw new Error('AMI is not connected');
        state.written.push(`${o.type}/${o.id} ${JSON.stringify(Object.fromEntries(o.fields))}`);
      },
    };
    return { restore, state };
  }
  const withAor = (fields: [string, string][]) => extensions(1).map((o) => (o.type === 'aor' ? { ...o, fields } : o));

  it('a write that fails leaves the push done; the copy is written once AMI answers again', async () => {
    const { target } = recordingTarget();
    const { restore, state } = switchableRestore();
    const sync = new ObjectSync({ target, store: null, restore, typeOrder, log });
    await sync.apply(extensions(1), null);
    state.refusing = true;
    const outcome = await sync.apply(withAor([['max_contacts', '2']]), null);
    expect(outcome).toMatchObject({ error: null, pushed: ['res_pjsip/aor/1000'] });
    expect(await sync.writeOwedRestores()).toBe(1);
    state.refusing = false;
    expect(await sync.writeOwedRestores()).toBe(0);
    expect(state.written).toEqual(['aor/1000 {"max_contacts":"2"}']);
    expect(await sync.writeOwedRestores()).toBe(0);
    expect(state.written).toHaveLength(1);
  });

  it('an aor updated while AMI is away is not tried, one warning says so, and the newest version is written when AMI is back', async () => {
    const { target } = recordingTarget();
    const { restore, state } = switchableRestore();
    const { logger, warnings } = capturingLog();
    const sync = new ObjectSync({ target, store: null, restore, typeOrder, log: logger });
    await sync.apply(extensions(1), null);
    state.connected = false;
    await sync.apply(withAor([['max_contacts', '2']]), null);
    await sync.apply(withAor([['max_contacts', '3']]), null);
    expect(state.written).toEqual([]);
    expect(warnings.filter((w) => w.message.includes('could not be stored again')).map((w) => w.fields.count)).toEqual([1, 1]);
    state.connected = true;
    await sync.writeOwedRestores();
    expect(state.written).toEqual(['aor/1000 {"max_contacts":"3"}']);
  });

  it('an owed copy is still written after the reconcile of the AMI connect read the fingerprints again and found nothing to push', async () => {
    const { target } = recordingTarget();
    const { restore, state } = switchableRestore();
    const saved = new Map<string, string>();
    const store = {
      connected: () => state.connected,
      load: async () => (state.connected ? new Map(saved) : null),
      save: async (key: string, fp: string) => void saved.set(key, fp),
      remove: async (key: string) => void saved.delete(key),
    };
    const sync = new ObjectSync({ target, store, restore, typeOrder, log });
    await sync.apply(extensions(1), null);
    // Asterisk reconnected while AMI was away: a blind reconcile pushes the aor over what Asterisk holds.
    state.connected = false;
    sync.invalidate();
    await sync.apply(extensions(1), null);
    // AMI is back: its reconcile reads the fingerprints, all equal, before the owed copies are written.
    state.connected = true;
    sync.invalidate();
    expect(await sync.apply(extensions(1), null)).toMatchObject({ pushed: [], removed: [] });
    expect(await sync.writeOwedRestores()).toBe(0);
    expect(state.written).toEqual(['aor/1000 {"max_contacts":"1"}']);
  });

  it('an aor whose extension was deleted before AMI came back is not written', async () => {
    const { target } = recordingTarget();
    const { restore, state } = switchableRestore();
    const sync = new ObjectSync({ target, store: null, restore, typeOrder, log });
    await sync.apply(extensions(1), null);
    state.connected = false;
    await sync.apply(withAor([['max_contacts', '2']]), null);
    await sync.apply([], new Set(['extensions/1000']));
    state.connected = true;
    expect(await sync.writeOwedRestores()).toBe(0);
    expect(state.written).toEqual([]);
  });

  it('after a load without fingerprints (AMI away), every aor put may have been over a registered one: each is written when AMI is back', async () => {
    const { target } = recordingTarget();
    const { restore, state } = switchableRestore();
    state.connected = false;
    const store = { connected: () => state.connected, load: async () => (state.connected ? new Map<string, string>() : null), save: async () => undefined, remove: async () => undefined };
    const sync = new ObjectSync({ target, store, restore, typeOrder, log });
    await sync.apply(extensions(2), null);
    expect(sync.loadedBlind).toBe(true);
    state.connected = true;
    expect(await sync.writeOwedRestores()).toBe(0);
    expect(state.written.sort()).toEqual(['aor/1000 {"max_contacts":"1"}', 'aor/1001 {"max_contacts":"1"}']);
  });
});

describe("reading Asterisk's taskprocessor listing", () => {
  it('finds the deepest sorcery queue', () => {
    const listing = [
      'Processor                                                               Processed   In Queue  Max Depth  Low water High water Low time(us) High time(us)',
      'sorcery/aor-00000013                                                        12000        512        513        450        500          12         900',
      'sorcery/endpoint-00000015                                                    4000         17         60        450        500           9         100',
      '',
      '2 taskprocessors',
    ].join('\n');
    expect(deepestQueue(listing)).toBe(512);
    expect(deepestQueue('0 taskprocessors')).toBeNull();
  });
});
