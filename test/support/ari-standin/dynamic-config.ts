import { allocationFailed, ariError, noContent, ok, type AriResponse } from './http-responses.js';
import type { PjsipObjectType } from './pjsip-object-fields.js';
import { applyField, isPjsipObjectType, loadPjsipObject, newPjsipObject, objectIsValid, printObject, storedFields, type PjsipObject } from './pjsip-object.js';

/**
 * ARI's dynamic configuration (`/asterisk/config/dynamic/...`, res/ari/resource_asterisk.c)
 * over res_pjsip's sorcery as the server configures it (sorcery.conf): the
 * configuration file first, then an `astdb` wizard for endpoint, auth and
 * aor. What is modelled, as seen on Asterisk 22.10.1:
 *
 * - A PUT on an existing object applies the given fields on top of its
 *   current ones (ast_sorcery_copy, then ast_sorcery_objectset_apply), so
 *   fields left out keep their values; in one PUT the last value of an
 *   option wins, `set_var` replaces a variable of the same name, `acl`,
 *   `permit` and `deny` append (naming an ACL twice fails validation).
 * - astdb keeps what the options print and reads that back: channel
 *   variables (`set_var`) are lost (the PUT's answer still lists them), and
 *   permit/deny rules come back as a named ACL `deny/permit`, which does not
 *   exist (so Asterisk refuses everything from such an endpoint).
 * - An endpoint created without codecs (`allow`) prints `allow=(nothing)`,
 *   which cannot be read back: GET and DELETE answer 404, a PUT creates it
 *   anew from its fields alone, and it stays listed under /endpoints until
 *   a restart. (With a `memory` wizard the same endpoint answers updates with
 *   500 "Allocation failed" instead; not modelled.)
 * - Objects of the configuration file (the stand-in's configured endpoints)
 *   cannot be updated or deleted: 403. Other res_pjsip types (transport,
 *   identify...) have no writable wizard: creating one is 403, without the
 *   field validation Asterisk would run first.
 * - A ConfigTuple without a string `attribute` and `value` crashes Asterisk
 *   (NULL dereference); the stand-in answers 500 naming that instead.
 */

export const CONFIG_CLASS = 'res_pjsip';

/** res_pjsip's other object types, which sorcery.conf gives no writable wizard. */
const READ_ONLY_TYPES = ['transport', 'contact', 'identify', 'domain_alias', 'global', 'system', 'registration'];

export type ConfigMethod = 'GET' | 'PUT' | 'DELETE';

export interface ConfigRequest {
  method: ConfigMethod;
  configClass: string;
  type: string;
  id: string;
  status: number;
}

export interface PushFailure {
  /** The status to answer with; 400, 403, 404 and 500 carry Asterisk's own body for the request. */
  status: number;
  /** How many matching pushes fail (default 1). */
  count?: number;
  /** Replaces the message of the body. */
  message?: string;
  /** Only pushes of this method, object type or id count. */
  method?: 'PUT' | 'DELETE';
  type?: string;
  id?: string;
}

/** A pushed object as Asterisk would read it back. */
export interface DynamicObjectView {
  configClass: string;
  type: PjsipObjectType;
  id: string;
  /** Every printed option, as GET shows it (for an unreadable object: as astdb holds it). */
  fields: Readonly<Record<string, string>>;
  /** False for an object Asterisk cannot read back (an endpoint pushed without codecs). */
  readable: boolean;
}

export type ConfigChange = { kind: 'saved'; type: PjsipObjectType; id: string; object: PjsipObject } | { kind: 'deleted'; type: PjsipObjectType; id: string };

export interface DynamicConfigHooks {
  /** The file-defined object of that type and id, if any. */
  fileObject(type: PjsipObjectType, id: string): PjsipObject | undefined;
  changed(change: ConfigChange): void;
}

interface StoredObject {
  type: PjsipObjectType;
  id: string;
  fields: [string, string][];
}

type Located = { kind: 'pushable'; type: PjsipObjectType } | { kind: 'read-only' } | { kind: 'error'; response: AriResponse };

const badRequest = (message: string): AriResponse => ariError(400, message, 'Bad request');
const notFound = (id: string): AriResponse => ariError(404, `Object with id '${id}' not found`);

export class DynamicConfig {
  private readonly objects = new Map<string, StoredObject>();
  private failures: (PushFailure & { remaining: number })[] = [];
  readonly requests: ConfigRequest[] = [];

  constructor(private readonly hooks: DynamicConfigHooks) {}

  get(configClass: string, type: string, id: string): AriResponse {
    return this.logged('GET', configClass, type, id, () => {
      const located = locate(configClass, type);
      if (located.kind === 'error') return located.response;
      if (located.kind === 'read-only') return notFound(id);
      const object = this.current(located.type, id);
      return object ? ok(printObject(object.object)) : notFound(id);
    });
  }

  update(configClass: string, type: string, id: string, body: unknown): AriResponse {
    return this.logged('PUT', configClass, type, id, () => {
      const located = locate(configClass, type);
      if (located.kind === 'error') return located.response;
      if (located.kind === 'read-only') return this.forcedFailure('PUT', type, id, true) ?? ariError(403, `Cannot create sorcery objects of type '${type}'`);
      const current = this.current(located.type, id);
      const created = current === undefined;
      const forced = this.forcedFailure('PUT', type, id, created);
      if (forced) return forced;
      const fields = isPlainObject(body) && 'fields' in body ? body['fields'] : undefined;
      if (fields === undefined && !created) return badRequest(`Fields must be provided to update object '${id}'`);
      const tuples = Array.isArray(fields) ? (fields as unknown[]) : [];
      if (!tuples.every(isConfigTuple)) {
        return ariError(500, 'ARI stand-in: a ConfigTuple without a string attribute and value crashes Asterisk 22 (ast_variable_new with NULL)');
      }
      const object = current?.object ?? newPjsipObject(located.type);
      const applied = tuples.every(({ attribute, value }) => applyField(object, attribute, value));
      if (!applied || !objectIsValid(object)) return badRequest(`${created ? 'Creation' : 'Update'} of object '${id}' failed field value validation`);
      if (current?.fromFile) return ariError(403, `Cannot update sorcery objects of type '${type}'`);
      this.objects.set(key(located.type, id), { type: located.type, id, fields: storedFields(object) });
      this.hooks.changed({ kind: 'saved', type: located.type, id, object });
      return ok(printObject(object));
    });
  }

  delete(configClass: string, type: string, id: string): AriResponse {
    return this.logged('DELETE', configClass, type, id, () => {
      const located = locate(configClass, type);
      if (located.kind === 'error') return located.response;
      if (located.kind === 'read-only') return notFound(id);
      const current = this.current(located.type, id);
      const forced = this.forcedFailure('DELETE', type, id, false);
      if (forced) return forced;
      if (!current) return notFound(id);
      if (current.fromFile) return ariError(403, `Could not delete object with id '${id}'`);
      this.objects.delete(key(located.type, id));
      this.hooks.changed({ kind: 'deleted', type: located.type, id });
      return noContent();
    });
  }

  failPushes(failure: PushFailure): void {
    this.failures.push({ ...failure, remaining: failure.count ?? 1 });
  }

  /** Pushes succeed again. */
  stopFailingPushes(): void {
    this.failures = [];
  }

  /** An empty astdb: every pushed object is gone. */
  wipe(): void {
    this.objects.clear();
  }

  /** A pushed object Asterisk can read back. */
  readable(type: PjsipObjectType, id: string): PjsipObject | undefined {
    const stored = this.objects.get(key(type, id));
    return stored && loadPjsipObject(type, stored.fields);
  }

  has(type: PjsipObjectType, id: string): boolean {
    return this.objects.has(key(type, id));
  }

  ids(type: PjsipObjectType): string[] {
    return [...this.objects.values()].filter((stored) => stored.type === type).map((stored) => stored.id);
  }

  view(type: string, id: string): DynamicObjectView | undefined {
    if (!isPjsipObjectType(type)) return undefined;
    const stored = this.objects.get(key(type, id));
    if (!stored) return undefined;
    const object = loadPjsipObject(type, stored.fields);
    const fields = object ? printObject(object).map(({ attribute, value }): [string, string] => [attribute, value]) : stored.fields;
    return { configClass: CONFIG_CLASS, type, id, fields: Object.fromEntries(fields), readable: object !== undefined };
  }

  views(): DynamicObjectView[] {
    return [...this.objects.values()].flatMap((stored) => this.view(stored.type, stored.id) ?? []);
  }

  /** ast_sorcery_retrieve_by_id: the file's object first, then astdb's, if it can be read. */
  private current(type: PjsipObjectType, id: string): { object: PjsipObject; fromFile: boolean } | undefined {
    const fromFile = this.hooks.fileObject(type, id);
    if (fromFile) return { object: fromFile, fromFile: true };
    const pushed = this.readable(type, id);
    return pushed && { object: pushed, fromFile: false };
  }

  private forcedFailure(method: 'PUT' | 'DELETE', type: string, id: string, created: boolean): AriResponse | undefined {
    const failure = this.failures.find((f) => (f.method ?? method) === method && (f.type ?? type) === type && (f.id ?? id) === id);
    if (!failure) return undefined;
    failure.remaining--;
    if (failure.remaining <= 0) this.failures = this.failures.filter((f) => f !== failure);
    const asterisk = asteriskFailure(failure.status, method, type, id, created);
    if (failure.message === undefined) return asterisk;
    return ariError(failure.status, failure.message, asterisk.reason);
  }

  private logged(method: ConfigMethod, configClass: string, type: string, id: string, handle: () => AriResponse): AriResponse {
    const response = handle();
    this.requests.push({ method, configClass, type, id, status: response.status });
    return response;
  }
}

function locate(configClass: string, type: string): Located {
  if (configClass !== CONFIG_CLASS) return { kind: 'error', response: ariError(404, `configClass '${configClass}' not found`) };
  if (isPjsipObjectType(type)) return { kind: 'pushable', type };
  if (READ_ONLY_TYPES.includes(type)) return { kind: 'read-only' };
  return { kind: 'error', response: ariError(404, `objectType '${type}' not found`) };
}

/** What Asterisk answers with that status to that request. */
function asteriskFailure(status: number, method: 'PUT' | 'DELETE', type: string, id: string, created: boolean): AriResponse {
  switch (status) {
    case 400:
      return badRequest(`${created ? 'Creation' : 'Update'} of object '${id}' failed field value validation`);
    case 403:
      if (method === 'DELETE') return ariError(403, `Could not delete object with id '${id}'`);
      return ariError(403, `Cannot ${created ? 'create' : 'update'} sorcery objects of type '${type}'`);
    case 404:
      return notFound(id);
    case 500:
      return allocationFailed();
    default:
      return ariError(status, `ARI stand-in: ${method} failed on purpose`);
  }
}

const key = (type: string, id: string): string => `${type}/${id}`;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isConfigTuple = (value: unknown): value is { attribute: string; value: string } => isPlainObject(value) && typeof value['attribute'] === 'string' && typeof value['value'] === 'string';
