import { RenderError } from '../pbx/render/text.js';

/** The built-in permission every extension gets by default (F-4.3.3); it cannot be deleted or renamed. */
export const DEFAULT_DIAL_PERMISSION = 'DialPlan1';

/** Dial-permission names become part of a context name: letters, digits, _ and - only. */
export const permissionNamePattern = /^[A-Za-z0-9_-]{1,64}$/;
export const permissionNameRule = 'Letters A–Z, digits, _ and - only, at most 64';

/** Where the calls of a phone or a trunk's peer start: the context of its dial permission (F-4.3.3). */
export function permissionContext(name: string): string {
  if (!permissionNamePattern.test(name)) throw new RenderError(`dial permission ${JSON.stringify(name)} cannot name a dialplan context`);
  return `pbx-permission-${name}`;
}
