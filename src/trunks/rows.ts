import { z } from 'zod';
import type { Trunk as TrunkRow } from '../generated/prisma-sqlite/index.js';
import type { TrunkKind } from './contract.js';
import { iaxDefaults, iaxFieldSchemas, sipDefaults, sipFieldSchemas, type IaxTrunkFields, type SipTrunkFields } from './fields.js';

export type { TrunkRow };
export type TrunkFields = SipTrunkFields | IaxTrunkFields;

/** Domain fields → the row's columns and its `options` JSON (everything of the kind except the columns). */
export function toRowData(kind: TrunkKind, fields: TrunkFields, dialPermissionId: string) {
  const { name, enabled, mode, dialPermission: _permission, ...options } = fields;
  return { name, kind, enabled, mode, dialPermissionId, options: JSON.stringify(options) };
}

const optionSchemas = {
  SIP: z.object(Object.fromEntries(Object.entries(sipFieldSchemas).map(([k, s]) => [k, s.optional()]))),
  IAX: z.object(Object.fromEntries(Object.entries(iaxFieldSchemas).map(([k, s]) => [k, s.optional()]))),
};

/**
 * Row → domain fields. Options missing from the JSON take today's defaults
 * (a field added later); a value that is not valid fails the read, naming
 * the trunk and the field, so it is repaired rather than rendered.
 */
export function fromRow(row: TrunkRow, dialPermissionName: string): TrunkFields {
  const kind = row.kind as TrunkKind;
  let options: unknown;
  try {
    options = JSON.parse(row.options);
  } catch {
    options = undefined;
  }
  const parsed = (optionSchemas[kind] ?? optionSchemas.SIP).safeParse(options);
  if (!parsed.success) throw new Error(`stored options of trunk ${row.name} are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  const defaults = kind === 'IAX' ? iaxDefaults : sipDefaults;
  return { ...defaults, ...defined, name: row.name, enabled: row.enabled, mode: row.mode as 'CLIENT' | 'SERVER', dialPermission: dialPermissionName };
}
