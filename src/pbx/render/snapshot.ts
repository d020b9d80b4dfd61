import type { ExtensionFields } from '../../extensions/fields.js';
import type { NumberingPlan, PbxSettings, SipSettings } from '../../settings/schemas.js';

/** A call target as the renderer sees it: the kind and the number (or external number) it goes to. */
export type RenderDestination = { type: string; number: string | null };

export type SnapshotExtension = ExtensionFields & { id: string };

export type SnapshotDepartment = {
  id: string;
  name: string;
  number: string;
  ringStrategy: 'RING_ALL' | 'SEQUENTIAL';
  ringTimeSeconds: number;
  distinctiveRing: string;
  noAnswer: RenderDestination;
  /** Member extension numbers in ring order. */
  members: string[];
};

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
};

/** Everything the configuration is rendered from, read in one consistent read (D2). */
export type PbxSnapshot = {
  extensions: SnapshotExtension[];
  departments: SnapshotDepartment[];
  settings: { pbx: PbxSettings; sip: SipSettings; numberingPlan: NumberingPlan };
  connection: AsteriskConnection;
};
