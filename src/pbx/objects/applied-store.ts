import type { Astdb } from '../ami/astdb.js';

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
function split(key: string): { family: string; key: string } {
  const slash = key.lastIndexOf('/');
  return { family: `${FAMILY}/${key.slice(0, slash)}`, key: key.slice(slash + 1) };
}

/** The fingerprints in astdb (src/pbx/ami/astdb.ts). */
export function astdbAppliedStore(astdb: Astdb, onConnected: (listener: () => void) => void): AppliedStore {
  let everConnected = astdb.connected();
  onConnected(() => (everConnected = true));
  return {
    connected: () => astdb.connected(),
    async load() {
      // An AMI that was connected is usually back just after ARI: a little patience spares pushing every object again.
      for (let waited = 0; everConnected && !astdb.connected() && waited < AMI_WAIT_MS; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!astdb.connected()) return null;
      return astdb.tree(FAMILY, LOAD_TIMEOUT_MS).catch(() => null);
    },
    async save(key, fingerprint) {
      const { family, key: leaf } = split(key);
      await astdb.put(family, leaf, fingerprint);
    },
    async remove(key) {
      const { family, key: leaf } = split(key);
      await astdb.remove(family, leaf);
    },
  };
}
