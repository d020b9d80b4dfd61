import type { Astdb } from '../ami/astdb.js';
import { objectsFamily } from './wizards.js';
import type { PushedObject } from './types.js';

/**
 * Writes an object into astdb as the astdb wizard stores it (a JSON object of
 * its options), from the pushed fields alone. Needed after ARI updates an aor:
 * ARI copies the stored aor through its option list, where `contact` lists the
 * phones registered right then, and stores that copy, so their registrations
 * would come back as permanent contacts (Asterisk then rings a phone twice,
 * and its old address after it moved). Only for types no memory cache holds:
 * what Asterisk reads next comes from astdb.
 */
export type StoredObjectWriter = (object: PushedObject) => Promise<void>;

export function astdbStoredObjectWriter(astdb: Astdb): StoredObjectWriter {
  return (object) => astdb.put(`${objectsFamily(object.configClass)}/${object.type}`, object.id, JSON.stringify(Object.fromEntries(object.fields)));
}
