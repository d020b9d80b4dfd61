import type { NumberingPlan, PbxSettings, SipSettings } from '../../settings/schemas.js';

export type { RenderDestination } from '../../domains/types.js';

/** How Asterisk lets this server in: rendered into http.conf, ari.conf and manager.conf. */
export type AsteriskConnection = {
  httpBindAddress: string;
  httpPort: number;
  ariUsername: string;
  ariPassword: string;
  amiBindAddress: string;
  amiPort: number;
  amiUsername: string;
  amiPassword: string;
  /** This server's ARI application (ARI_APP): where Stasis() hands calls to the server (blacklist codes). */
  ariApp?: string;
  /** The sound library's folder (SOUNDS_DIR), which Asterisk reads prompts and music from by absolute path; absent in hand-made test snapshots. */
  soundsDir?: string;
  /** Whether domains' objects are pushed through ARI (the server talks to Asterisk) or written into files. */
  pushObjects?: boolean;
  /** The database Asterisk reads call-time lookups from (realtime: extconfig.conf); absent in hand-made test snapshots: no realtime files. */
  realtime?: RealtimeStore;
};

/** Where Asterisk's realtime drivers find this server's database: the SQLite file itself, or the PostgreSQL server. */
export type RealtimeStore = { driver: 'sqlite3'; file: string } | { driver: 'pgsql'; host: string; port: number; database: string; user: string; password: string };

/**
 * Everything the configuration is rendered from, read in one consistent read
 * (D2). The core's part is here; each domain adds its slice to this interface
 * from its own folder (e.g. `extensions` in src/extensions/snapshot.ts).
 */
export interface PbxSnapshot {
  settings: { pbx: PbxSettings; sip: SipSettings; numberingPlan: NumberingPlan };
  connection: AsteriskConnection;
}
