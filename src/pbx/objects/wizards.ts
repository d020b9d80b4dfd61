import type { ObjectContribution } from '../../domains/types.js';
import type { PbxSnapshot } from '../render/snapshot.js';
import { Composed, file, RenderError, section, type OptionValue } from '../render/text.js';
import type { PushedObject } from './types.js';

/** The astdb family under which Asterisk keeps pushed objects: `/<family>/<type>/<id>`. */
export const objectsFamily = (configClass: string) => `pbx-objects/${configClass}`;

/**
 * What the memory cache in front of a cached type keeps: every object, from
 * the first listing on, kept current by every create, update and delete, and
 * emptied when the files are reloaded. Asterisk lists every endpoint for each
 * new aor (its qualify bookkeeping): from astdb that costs a parse per
 * endpoint, about 1.8 s of CPU per new extension at 4,000, and a batch of them
 * backed up its PJSIP queues until new REGISTERs were dropped.
 */
const CACHE = 'memory_cache,full_backend_cache=yes,expire_on_reload=yes';

/**
 * sorcery.conf: each pushed type is read from its file, then from astdb (a
 * cached type from its memory cache first), where pushed objects live and survive a restart.
 * An update of an object missing from astdb (wiped while Asterisk ran, the
 * cache still holding it) creates it. Asterisk reads this file only when it
 * starts (a reload keeps the wizards it has).
 */
export function renderSorcery(contributions: ObjectContribution[], snapshot: PbxSnapshot): [string, string][] {
  if (!snapshot.connection.pushObjects || !contributions.length) return [];
  const byClass = new Map<string, [string, string][]>();
  for (const c of contributions) {
    const options = byClass.get(c.configClass) ?? [];
    for (const type of c.types) {
      if (c.cachedTypes?.includes(type)) options.push([`${type}/cache`, CACHE]);
      options.push([type, `config,${c.file},criteria=type=${type}`], [type, `astdb,${objectsFamily(c.configClass)}`]);
    }
    byClass.set(c.configClass, options);
  }
  const general = section('general', [['update_or_create_on_update_miss', 'yes']]);
  return [['sorcery.conf', file(general, ...[...byClass].map(([configClass, options]) => section(configClass, options)))]];
}

/**
 * An id in a file and also pushed would live in two wizards: Asterisk then shows
 * the file's copy, updates only the hidden one and crashed on the next listing.
 * Such a configuration is never applied.
 */
export function assertOneWizard(files: ReadonlyMap<string, string>, contributions: ObjectContribution[], objects: PushedObject[]): void {
  for (const c of contributions) {
    const text = files.get(c.file);
    if (!text) continue;
    const inFile = new Set([...text.matchAll(/^\[([^\]\r\n]+)\]/gm)].map((m) => m[1]!));
    const clash = objects.find((o) => o.configClass === c.configClass && inFile.has(o.id));
    if (clash) throw new RenderError(`${clash.type} ${clash.id} is both a section of ${c.file} and a pushed object: rename the one in ${c.file}`);
  }
}

/** An object as a section of its file, for a server that writes files only (values were checked when the object was rendered; empty ones are left out). */
export const objectSection = (o: PushedObject) => section(o.id, [['type', o.type], ...o.fields.map(([name, value]): [string, OptionValue] => [name, value ? new Composed(value) : undefined])]);
