import type { AmiClient } from './client.js';

/**
 * Asterisk's astdb as the server reads and writes it, through AMI's
 * DBGetTree/DBPut/DBDel (ARI cannot read astdb, and refuses to write it:
 * DB() is a dangerous function).
 */
export type Astdb = {
  /** Whether it can be read and written now. */
  connected(): boolean;
  /** Every key under `family` (nested families included, e.g. `res_pjsip/endpoint/101`) → its value. */
  tree(family: string, timeoutMs?: number): Promise<Map<string, string>>;
  put(family: string, key: string, value: string): Promise<void>;
  /** Removes the key; a key that is not there is no error. */
  remove(family: string, key: string): Promise<void>;
};

export function amiAstdb(ami: Pick<AmiClient, 'connected' | 'action' | 'list'>): Astdb {
  return {
    connected: () => ami.connected(),
    async tree(family, timeoutMs) {
      const prefix = `/${family}/`;
      const out = new Map<string, string>();
      try {
        const events = await ami.list({ Action: 'DBGetTree', Family: family }, timeoutMs);
        for (const e of events) if (e.Key?.startsWith(prefix) && e.Val !== undefined) out.set(e.Key.slice(prefix.length), e.Val);
      } catch (error) {
        // An empty family is "not found" in some versions (Asterisk 22 answers an empty list).
        if (!/not found/i.test((error as Error).message)) throw error;
      }
      return out;
    },
    async put(family, key, value) {
      await ami.action({ Action: 'DBPut', Family: family, Key: key, Val: value });
    },
    async remove(family, key) {
      // Asterisk 22 answers a missing key "Database entry could not be deleted"; older ones "not found".
      await ami.action({ Action: 'DBDel', Family: family, Key: key }).catch((error: Error) => {
        if (!/not found|could not be deleted|failed/i.test(error.message)) throw error;
      });
    },
  };
}
