import { createHash } from 'node:crypto';

/** One option of a pushed object, in the order Asterisk applies them (`disallow` before `allow`). */
export type ObjectField = [attribute: string, value: string];

/** An object of ARI's dynamic configuration: `res_pjsip` / `endpoint` / `101`. */
export type ObjectRef = { configClass: string; type: string; id: string };

/** The database object a pushed object is rendered from: what an object-level apply reads and diffs. */
export type ObjectOwner = { domain: string; id: string };

/**
 * An object Asterisk keeps in a sorcery wizard that survives restarts (astdb),
 * created, updated and deleted through ARI's dynamic configuration (D3):
 * `PUT/DELETE /asterisk/config/dynamic/{configClass}/{type}/{id}`.
 */
export type PushedObject = {
  configClass: string;
  type: string;
  id: string;
  /**
   * Every option, with explicit defaults: a PUT applies the given fields on top of
   * the old object, so an option left out would keep its old value.
   */
  fields: ObjectField[];
  /**
   * Options Asterisk appends to instead of replacing (an endpoint's `acl`): when one
   * of them changes the object is deleted and created again, else they are not sent.
   */
  appendOnly?: string[];
  owner: ObjectOwner;
};

/** What identifies an object in Asterisk: `res_pjsip/endpoint/101`. */
export const objectKey = (o: ObjectRef) => `${o.configClass}/${o.type}/${o.id}`;

/** A short digest of an object's fields: equal fields, equal fingerprint. */
export function fingerprint(fields: ObjectField[]): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 20);
}

/** The values of the append-only options, to see whether they changed. */
export function appendOnlyPart(object: PushedObject): string {
  const names = new Set(object.appendOnly ?? []);
  return JSON.stringify(object.fields.filter(([name]) => names.has(name)));
}
