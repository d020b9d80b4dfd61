import { appendOnlyPart, fingerprint, objectKey, type PushedObject } from './types.js';

/** What Asterisk holds of an object the server pushed: its fingerprint, and the object itself when this process pushed it. */
export type AppliedObject = {
  key: string;
  /** null: pushed before by this process, but whether Asterisk still holds it, and as what, could not be read. */
  fingerprint: string | null;
  /** Known when pushed (or found equal) by this process: needed to roll back to it and to see what changed. */
  object?: PushedObject;
};

export type ObjectStep =
  /**
   * Create or update; `fields` may leave out append-only options that did not
   * change. `previous` is what the server knows Asterisk held (its fingerprint
   * null when it could not be read); null: nothing known, a new object.
   */
  | { op: 'put'; object: PushedObject; fields: PushedObject['fields']; previous: AppliedObject | null }
  /** Delete, then create: an append-only option changed (or may have). */
  | { op: 'recreate'; object: PushedObject; previous: AppliedObject }
  | { op: 'delete'; key: string; previous: AppliedObject };

export type ObjectScope = {
  /** The owners (domain rows) whose objects are in `desired`; null: `desired` is every object. */
  owners: Set<string> | null;
  /** The push order of each configuration class's types. */
  typeOrder: Map<string, string[]>;
};

export const ownerKey = (owner: { domain: string; id: string }) => `${owner.domain}/${owner.id}`;

/**
 * The steps that take Asterisk from `applied` to `desired`: deletes first
 * (an endpoint before the auth and aor it names), then creates and updates
 * (auth and aor before the endpoint), the objects of one owner ahead of the
 * rest (leadFirst). Objects outside the scope are left alone.
 */
export function planObjects(desired: PushedObject[], applied: ReadonlyMap<string, AppliedObject & { owner?: string }>, scope: ObjectScope): ObjectStep[] {
  const rank = (o: { configClass: string; type: string }) => scope.typeOrder.get(o.configClass)?.indexOf(o.type) ?? 0;
  const wanted = new Map(desired.map((o) => [objectKey(o), o]));
  const deletes: ObjectStep[] = [];
  for (const [key, previous] of applied) {
    if (wanted.has(key)) continue;
    if (scope.owners && !(previous.owner && scope.owners.has(previous.owner))) continue;
    deletes.push({ op: 'delete', key, previous });
  }
  const puts: ObjectStep[] = [];
  for (const [key, object] of wanted) {
    const previous = applied.get(key) ?? null;
    if (!previous || previous.fingerprint === null) {
      // Unknown or unread: every field, append-only ones too (one left out could be missing from Asterisk).
      puts.push({ op: 'put', object, fields: object.fields, previous });
      continue;
    }
    if (previous.fingerprint === fingerprint(object.fields)) continue;
    if (!object.appendOnly?.length) puts.push({ op: 'put', object, fields: object.fields, previous });
    else if (previous.object && appendOnlyPart(previous.object) === appendOnlyPart(object)) {
      const appendOnly = new Set(object.appendOnly);
      puts.push({ op: 'put', object, fields: object.fields.filter(([name]) => !appendOnly.has(name)), previous });
    } else puts.push({ op: 'recreate', object, previous });
  }
  const keyRank = (key: string) => {
    const [configClass = '', type = ''] = key.split('/');
    return rank({ configClass, type });
  };
  deletes.sort((a, b) => keyRank((b as { key: string }).key) - keyRank((a as { key: string }).key));
  puts.sort((a, b) => rank((a as { object: PushedObject }).object) - rank((b as { object: PushedObject }).object));
  return [...deletes, ...leadFirst(puts as PutStep[])];
}

type PutStep = Exclude<ObjectStep, { op: 'delete' }>;

/**
 * Moves every put of one owner (the owner of the first put of the last type,
 * an endpoint's) ahead of the others, in the same type order. Measured on
 * Asterisk 22: for each new aor it lists every endpoint, and while its
 * endpoint cache is empty each listing fills it again from astdb, a scan of
 * the whole of astdb; 4,000 extensions pushed into an Asterisk without
 * endpoints spent 87 % of its CPU there. With one owner's objects first, an
 * endpoint is there before the other aors come.
 */
function leadFirst(puts: PutStep[]): PutStep[] {
  const last = puts.at(-1);
  if (!last) return puts;
  const leader = puts.find((step) => step.object.configClass === last.object.configClass && step.object.type === last.object.type)!;
  const lead = ownerKey(leader.object.owner);
  const first = puts.filter((step) => ownerKey(step.object.owner) === lead);
  if (first.length === puts.length) return puts;
  return [...first, ...puts.filter((step) => ownerKey(step.object.owner) !== lead)];
}
