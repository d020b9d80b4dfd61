import type { AmiClient } from '../ami/client.js';

/**
 * Where the fingerprints of pushed objects are kept: in Asterisk's own astdb,
 * beside the objects, so that a wiped astdb or an Asterisk started on another
 * disk loses (or keeps) both together and the next reconcile sees it.
 */
export type AppliedStore = {
  /** Whether it can be read and written now. */
  connected(): boolean;
  /** Object key → fingerprint of what was pushed; null when it cannot be read now. */
  load(): Promise<Map<string, string> | null>;
  save(key: string, fingerprint: string): Promise<void>;
  remove(key: string): Promise<void>;
};

const FAMILY = 'pbx-applied';
const LOAD_TIMEOUT_MS = 60_000;
const AMI_WAIT_MS = 3_000;

/** `res_pjsip/endpoint/101` → family `pbx-applied/res_pjsip/endpoint`, key `101`. */
function split(key: string): { Family: string; Key: string } {
  const slash = key.lastIndexOf('/');
  return { Family: `${FAMILY}/${key.slice(0, slash)}`, Key: key.slice(slash + 1) };
}

/** The fingerprints through AMI's DBGetTree/DBPut/DBDel (ARI cannot read astdb, and refuses to write it: DB() is a dangerous function). */
export function amiAppliedStore(ami: AmiClient): AppliedStore {
  let everConnected = ami.connected();
  ami.on('connected', () => (everConnected = true));
  return {
    connected: () => ami.connected(),
    async load() {
      // An AMI that was connected is usually back just after ARI: a little patience spares pushing every object again.
      for (let waited = 0; everConnected && !ami.connected() && waited < AMI_WAIT_MS; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!ami.connected()) return null;
      try {
        const events = await ami.list({ Action: 'DBGetTree', Family: FAMILY }, LOAD_TIMEOUT_MS);
        const prefix = `/${FAMILY}/`;
        const out = new Map<string, string>();
        for (const e of events) if (e.Key?.startsWith(prefix) && e.Val !== undefined) out.set(e.Key.slice(prefix.length), e.Val);
        return out;
      } catch (error) {
        // An empty family is "not found" in some versions: nothing was pushed.
        if (/not found/i.test((error as Error).message)) return new Map();
        return null;
      }
    },
    async save(key, fingerprint) {
      await ami.action({ Action: 'DBPut', ...split(key), Val: fingerprint });
    },
    async remove(key) {
      await ami.action({ Action: 'DBDel', ...split(key) }).catch((error: Error) => {
        if (!/not found|failed/i.test(error.message)) throw error;
      });
    },
  };
}
