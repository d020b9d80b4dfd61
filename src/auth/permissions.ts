import { NotAuthenticatedError, NotPermittedError } from '../errors.js';
/**
 * What a caller may do. Roles of people (F-7.10.1) map to permission sets;
 * API keys carry an explicit subset; an extension user has none of these and
 * reaches only its own extension (the `selfExtension` rule in the schema).
 */
export const permissions = [
  'extensions:read',
  'extensions:write',
  'extensions:secrets',
  'departments:read',
  'departments:write',
  'settings:read',
  'settings:write',
  /** Adding to and removing from the caller blacklist (F-4.2.6), which the operator manages too; reading it is settings:read */
  'blacklist:write',
  'accounts:read',
  'accounts:write',
  'apiKeys:write',
  'audit:read',
  /** Live calls, and acting on them (click-to-call, transfer, hold, park, recording) */
  'calls:read',
  'calls:control',
  /** Call records (F-5.2) and their export */
  'callRecords:read',
  /** Call recordings (F-5.1): list and download; delete */
  'recordings:read',
  'recordings:write',
  /** Voicemail messages of every mailbox: list and download; mark read and delete */
  'voicemail:read',
  'voicemail:write',
  /** Webhook endpoints, their delivery log and replay */
  'webhooks:read',
  'webhooks:write',
] as const;
export type Permission = (typeof permissions)[number];

export const accountRoles = ['ADMIN', 'OPERATOR', 'OPERATOR_PANEL', 'BILLING'] as const;
export type AccountRole = (typeof accountRoles)[number];
export type Role = AccountRole | 'EXTENSION_USER' | 'API_KEY';

export const rolePermissions: Record<AccountRole, readonly Permission[]> = {
  ADMIN: permissions,
  OPERATOR: ['extensions:read', 'departments:read', 'settings:read', 'blacklist:write', 'calls:read', 'calls:control', 'callRecords:read', 'recordings:read', 'voicemail:read'],
  OPERATOR_PANEL: ['extensions:read', 'departments:read', 'calls:read', 'calls:control'],
  BILLING: ['extensions:read', 'departments:read', 'callRecords:read'],
};

export type Principal =
  | { kind: 'account'; id: string; username: string; role: AccountRole; sessionId: string; permissions: ReadonlySet<Permission>; extensionId: string | null }
  | {
      kind: 'extension';
      id: string;
      username: string;
      role: 'EXTENSION_USER';
      sessionId: string;
      permissions: ReadonlySet<Permission>;
      /** When the extension took its number (created, or last renumbered): its user sees the calls of its number from then on, not those of another extension that held it before. */
      since: Date;
    }
  | { kind: 'apiKey'; id: string; username: string; role: 'API_KEY'; permissions: ReadonlySet<Permission> };

export function can(principal: Principal | null, permission: Permission): boolean {
  return !!principal && principal.permissions.has(permission);
}

/** Why a caller is refused: with no principal, for want of a credential; else `notPermitted`. */
export function refusal(principal: Principal | null, notPermitted: string): NotPermittedError {
  return principal ? new NotPermittedError(notPermitted) : new NotAuthenticatedError();
}

export function isSelfExtension(principal: Principal | null, extensionId: string): boolean {
  return principal?.kind === 'extension' && principal.id === extensionId;
}

/** Fields of its own extension an extension user may change (self-service, F-4.1.2.b). */
export const selfServiceExtensionFields = ['password', 'voicemailPin', 'email', 'language', 'mobileNumber'] as const;
