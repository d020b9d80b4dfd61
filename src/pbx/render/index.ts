import { domains as defaultRegistry } from '../../domains/index.js';
import type { DomainRegistry } from '../../domains/registry.js';
import type { ConfigContribution } from '../../domains/types.js';
import type { PushedObject } from '../objects/types.js';
import { assertOneWizard, objectSection, renderSorcery } from '../objects/wizards.js';
import type { LookupTables, NumberExpectation } from '../lint/types.js';
import { dialplanExpectations, dialplanWarnings, renderDialplan } from './dialplan.js';
import { iaxCore } from './iax.js';
import { pjsipCore } from './pjsip.js';
import type { PbxSnapshot } from './snapshot.js';
import { renderRealtime } from './realtime.js';
import { renderAri, renderHttp, renderManager, renderModules, renderRtp } from './system.js';
import { file } from './text.js';

export type { PbxSnapshot } from './snapshot.js';
export { RenderError } from './text.js';

export type RenderResult = {
  /** File name (relative to the Asterisk configuration directory) → content. */
  files: Map<string, string>;
  /** Things Asterisk will do differently from what was asked, for the apply report. */
  warnings: string[];
  /** What each dialable number must reach in the dialplan, for the check before applying (D4). */
  expectations: NumberExpectation[];
  /** Objects pushed through ARI (D3); empty when the snapshot says objects go into files. */
  objects: PushedObject[];
  /** The rows Asterisk's realtime lookups return for this snapshot, by family (the views' rules in TypeScript), for the same check. */
  lookups: LookupTables;
};

/** Every domain's call-time lookup rows, by family. */
function lookupTables(snapshot: PbxSnapshot, registry: DomainRegistry): LookupTables {
  const tables = new Map<string, Record<string, string>[]>();
  for (const d of registry.domains) {
    for (const [family, rows] of Object.entries(d.dialplan?.lookups?.(snapshot) ?? {})) tables.set(family, [...(tables.get(family) ?? []), ...rows]);
  }
  return tables;
}

/** Files made of parts: the core's part first (order 0), then the domains' parts by their order. */
const coreParts: ConfigContribution[] = [
  { file: 'pjsip.conf', order: 0, render: pjsipCore },
  { file: 'iax.conf', order: 0, render: iaxCore },
];

/** Files the core renders whole. */
function wholeFiles(snapshot: PbxSnapshot): [string, string][] {
  return [
    ['ari.conf', renderAri(snapshot)],
    ['http.conf', renderHttp(snapshot)],
    ['manager.conf', renderManager(snapshot)],
    ['modules.conf', renderModules(snapshot)],
    ['rtp.conf', renderRtp(snapshot)],
    ...renderRealtime(snapshot),
  ];
}

/** The Asterisk configuration for a snapshot (D2): pure and deterministic, files in a stable order. */
export function render(snapshot: PbxSnapshot, registry: DomainRegistry = defaultRegistry): RenderResult {
  const warnings: string[] = [];
  const contributions = [...coreParts, ...registry.domains.flatMap((d) => d.config ?? [])];
  const parts = new Map<string, { order: number; parts: string[] }[]>();
  for (const c of contributions) {
    const rendered = c.render(snapshot);
    warnings.push(...(rendered.warnings ?? []));
    parts.set(c.file, [...(parts.get(c.file) ?? []), { order: c.order, parts: rendered.parts }]);
  }
  const objectContributions = registry.domains.flatMap((d) => (d.objects ? [d.objects] : []));
  const objects: PushedObject[] = [];
  for (const c of objectContributions) {
    const rendered = c.render(snapshot);
    warnings.push(...(rendered.warnings ?? []));
    if (snapshot.connection.pushObjects) objects.push(...rendered.objects);
    else parts.set(c.file, [...(parts.get(c.file) ?? []), { order: c.order, parts: rendered.objects.map(objectSection) }]);
  }
  const files = new Map<string, string>([...wholeFiles(snapshot), ...renderSorcery(objectContributions, snapshot), ['extensions.conf', renderDialplan(snapshot, registry)]]);
  warnings.push(...dialplanWarnings(snapshot, registry));
  for (const [name, list] of parts) files.set(name, file(...list.sort((a, b) => a.order - b.order).flatMap((p) => p.parts)));
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
  assertOneWizard(sorted, objectContributions, objects);
  return { files: sorted, warnings, expectations: dialplanExpectations(snapshot, registry), objects, lookups: lookupTables(snapshot, registry) };
}

/** Which Asterisk module reloads each file (through ARI, D3). */
export const reloadModules: Record<string, string> = {
  'ari.conf': 'res_ari.so',
  'cdr.conf': 'cdr',
  'cdr_custom.conf': 'cdr_custom.so',
  'extensions.conf': 'pbx_config.so',
  'extconfig.conf': 'extconfig',
  'acl.conf': 'acl',
  'features.conf': 'features',
  'http.conf': 'http',
  'iax.conf': 'chan_iax2.so',
  'manager.conf': 'manager',
  'modules.conf': '',
  'musiconhold.conf': 'res_musiconhold.so',
  'pjsip.conf': 'res_pjsip.so',
  'queues.conf': 'app_queue.so',
  'res_config_sqlite3.conf': 'res_config_sqlite3.so',
  'res_parking.conf': 'res_parking.so',
  'res_pgsql.conf': 'res_config_pgsql.so',
  'rtp.conf': 'res_rtp_asterisk.so',
  // Read when Asterisk starts only: a change waits for its next start.
  'sorcery.conf': '',
  'voicemail.conf': 'app_voicemail.so',
};
