import { isIP } from 'node:net';
import { CODECS, ENUM_FIELDS, FIELD_DEFAULTS, PRINTED_WHEN_SET, UNSIGNED_FIELDS, WRITE_ONLY_FIELDS, type PjsipObjectType } from './pjsip-object-fields.js';
import { parseCallerId } from './rest-handlers.js';

/** ARI's ConfigTuple. */
export interface ConfigTuple {
  attribute: string;
  value: string;
}

/**
 * One res_pjsip sorcery object as Asterisk holds it in memory while a PUT
 * applies fields to it. The options with handlers of their own are kept apart
 * from the plain ones, because applying them does not simply replace a value.
 */
export interface PjsipObject {
  readonly type: PjsipObjectType;
  /** Every other printed option, by name. */
  readonly values: Map<string, string>;
  /** allow/disallow: the codec list, in order. */
  codecs: string[];
  /** set_var: channel variables, a variable of the same name replaced. */
  readonly variables: [name: string, value: string][];
  /** acl (and permit/deny): '' is the unnamed list that permit/deny rules go to, other entries name acl.conf ACLs. */
  readonly acl: string[];
  /** contact_acl (and contact_permit/contact_deny), likewise. */
  readonly contactAcl: string[];
}

export const PJSIP_OBJECT_TYPES: readonly PjsipObjectType[] = ['endpoint', 'auth', 'aor'];

export const isPjsipObjectType = (type: string): type is PjsipObjectType => (PJSIP_OBJECT_TYPES as readonly string[]).includes(type);

/** ast_sorcery_alloc: every option at its default. */
export function newPjsipObject(type: PjsipObjectType): PjsipObject {
  return { type, values: new Map(FIELD_DEFAULTS[type]), codecs: [], variables: [], acl: [], contactAcl: [] };
}

const isAccepted = (type: PjsipObjectType, attribute: string): boolean =>
  FIELD_DEFAULTS[type].some(([name]) => name === attribute) || WRITE_ONLY_FIELDS[type].includes(attribute) || PRINTED_WHEN_SET[type].includes(attribute);

/** aco_process_var for one field; false when Asterisk's handler refuses it (the PUT then fails validation). */
export function applyField(object: PjsipObject, attribute: string, value: string): boolean {
  if (!isAccepted(object.type, attribute)) return false;
  if (attribute === 'type') return true;
  if (object.type === 'endpoint') {
    switch (attribute) {
      case 'allow':
        return updateCodecs(object, value, true);
      case 'disallow':
        return updateCodecs(object, value, false);
      case 'set_var':
        return setVariable(object.variables, value);
      case 'acl':
        return appendNamedAcls(object.acl, value);
      case 'contact_acl':
        return appendNamedAcls(object.contactAcl, value);
      case 'permit':
      case 'deny':
        return appendRules(object.acl, value);
      case 'contact_permit':
      case 'contact_deny':
        return appendRules(object.contactAcl, value);
      case 'callerid':
        object.values.set(attribute, formatCallerId(value));
        return true;
    }
  }
  const normalized = normalizeValue(attribute, value, object.values.get(attribute));
  if (normalized === undefined) return false;
  object.values.set(attribute, normalized);
  return true;
}

/** The object type's apply callback, run after the fields: only auth's checks are modelled. */
export function objectIsValid(object: PjsipObject): boolean {
  if (object.type !== 'auth') return true;
  const value = (name: string) => object.values.get(name) ?? '';
  if (!value('username')) return false;
  // Every supported digest algorithm (MD5 by default) needs the password or its digest.
  return value('password') !== '' || value('md5_cred') !== '' || value('password_digest') !== '';
}

/**
 * ast_sorcery_objectset_create: what a PUT or GET answers. `set_var` is
 * printed as one tuple per variable, named after the variable.
 */
export function printObject(object: PjsipObject): ConfigTuple[] {
  const tuples: ConfigTuple[] = [];
  for (const [attribute] of FIELD_DEFAULTS[object.type]) {
    if (object.type === 'endpoint' && attribute === 'set_var' && object.variables.length > 0) {
      tuples.push(...object.variables.map(([name, value]) => ({ attribute: name, value })));
    } else {
      tuples.push({ attribute, value: printedValue(object, attribute) });
    }
  }
  for (const attribute of PRINTED_WHEN_SET[object.type]) {
    const value = object.values.get(attribute);
    if (value) tuples.push({ attribute, value });
  }
  return tuples;
}

/**
 * What res_sorcery_astdb keeps of an object, as it reads it back: the printed
 * options, less the channel variables, which it stores under their own names
 * and drops when reading (they are not options of the endpoint).
 */
export function storedFields(object: PjsipObject): [string, string][] {
  const variableNames = new Set(object.variables.map(([name]) => name));
  return printObject(object)
    .filter(({ attribute }) => attribute !== 'set_var' && !variableNames.has(attribute))
    .map(({ attribute, value }) => [attribute, value]);
}

/** An object read back from astdb; undefined when Asterisk cannot apply what it stored (an endpoint without codecs prints `(nothing)`). */
export function loadPjsipObject(type: PjsipObjectType, stored: readonly (readonly [string, string])[]): PjsipObject | undefined {
  const object = newPjsipObject(type);
  for (const [attribute, value] of stored) {
    if (!applyField(object, attribute, value)) return undefined;
  }
  return objectIsValid(object) ? object : undefined;
}

/** The caller name an endpoint's `callerid` gives its channels. */
export function callerName(object: PjsipObject): string {
  return parseCallerId(object.values.get('callerid') ?? '').name;
}

function printedValue(object: PjsipObject, attribute: string): string {
  if (object.type === 'endpoint') {
    if (attribute === 'allow') return object.codecs.length > 0 ? `(${object.codecs.join('|')})` : '(nothing)';
    if (attribute === 'set_var') return '';
    if (attribute === 'acl') return aclName(object.acl);
    if (attribute === 'contact_acl') return aclName(object.contactAcl);
  }
  return object.values.get(attribute) ?? '';
}

/** acl_to_str: only the first ACL's name, `deny/permit` for the unnamed one. */
const aclName = (acl: readonly string[]): string => (acl.length === 0 ? '' : acl[0] === '' ? 'deny/permit' : (acl[0] ?? ''));

const AST_TRUE = /^(yes|true|y|t|1|on)$/i;

function normalizeValue(attribute: string, value: string, defaultValue: string | undefined): string | undefined {
  if (UNSIGNED_FIELDS.has(attribute)) {
    if (!/^\s*\d+$/.test(value) || Number(value) > 0xffffffff) return undefined;
    return String(Number(value));
  }
  if (attribute === 'qualify_timeout') {
    const seconds = Number(value);
    return value.trim() !== '' && Number.isFinite(seconds) ? seconds.toFixed(6) : undefined;
  }
  const allowed = ENUM_FIELDS[attribute];
  if (allowed) {
    const lower = value.toLowerCase();
    return allowed.includes(lower) ? lower : undefined;
  }
  // OPT_BOOL_T never refuses a value: what ast_true() does not recognise reads as false.
  if (defaultValue === 'true' || defaultValue === 'false') return AST_TRUE.test(value.trim()) ? 'true' : 'false';
  return value;
}

/** ast_format_cap_update_by_allow_disallow. */
function updateCodecs(object: PjsipObject, list: string, allowing: boolean): boolean {
  if (!allowing && list === '') return true;
  let parse = list;
  // A printed list `(a|b)` replaces the codecs rather than adding to them.
  if (parse.startsWith('(') && parse.endsWith(')')) {
    parse = parse.slice(1, -1);
    object.codecs = allowing ? [] : [...CODECS];
  }
  let ok = true;
  for (const raw of parse.split(/[,|]/)) {
    let name = raw.trim();
    let allow = allowing;
    if (name.startsWith('!')) {
      name = name.slice(1);
      allow = !allowing;
    }
    const colon = name.lastIndexOf(':');
    if (colon >= 0) {
      if (!/^\d+/.test(name.slice(colon + 1))) {
        ok = false;
        continue;
      }
      name = name.slice(0, colon);
    }
    const all = name.toLowerCase() === 'all';
    const codec = CODECS.find((known) => known === name.toLowerCase());
    if (!all && !codec) {
      ok = false;
      continue;
    }
    const named = all ? CODECS : [codec as string];
    object.codecs = allow ? [...object.codecs, ...named.filter((c) => !object.codecs.includes(c))] : object.codecs.filter((c) => !named.includes(c));
  }
  return ok;
}

/** set_var_handler: `NAME=value`; a variable of the same name is replaced. */
function setVariable(variables: [string, string][], value: string): boolean {
  if (value === '') return true;
  const equals = value.indexOf('=');
  if (equals < 0) return false;
  const name = value.slice(0, equals);
  const existing = variables.findIndex(([other]) => other === name);
  if (existing >= 0) variables[existing] = [name, value.slice(equals + 1)];
  else variables.push([name, value.slice(equals + 1)]);
  return true;
}

/** ast_append_acl in named mode: appends each ACL; naming one already there is an error. */
function appendNamedAcls(acl: string[], value: string): boolean {
  if (value === '') return true;
  let ok = true;
  for (const raw of value.split(',')) {
    const name = raw.trimStart();
    if (acl.some((existing) => existing.toLowerCase() === name.toLowerCase())) {
      ok = false;
      continue;
    }
    acl.push(name);
  }
  return ok;
}

/** ast_append_acl for permit/deny: the rules go to the unnamed ACL, put first if there is none. */
function appendRules(acl: string[], value: string): boolean {
  if (value === '') return true;
  if (!value.split(',').every((rule) => isAddressRule(rule.trim().replace(/^!/, '')))) return false;
  if (acl[0] !== '') acl.unshift('');
  return true;
}

function isAddressRule(rule: string): boolean {
  const [address = '', mask, ...rest] = rule.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (mask === undefined) return true;
  if (/^\d+$/.test(mask)) return Number(mask) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(mask) === 4;
}

/** ast_callerid_split, then ast_callerid_merge as the option prints. */
function formatCallerId(value: string): string {
  const { name, number } = parseCallerId(value);
  if (name && number) return `"${name}" <${number}>`;
  return name || number || '<unknown>';
}
