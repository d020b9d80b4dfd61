import { z } from 'zod';
import { extensionFieldSchemas } from '../extensions/fields.js';
import { charset, dialableNumber } from '../validation/charsets.js';

/** How long the menu waits for the first key after each play of the prompt (F-4.2.1 names no field for it). */
export const RESPONSE_SECONDS = 5;

/**
 * How many times one call may enter IVR menus. Menus may send calls to one
 * another (nesting, "back to the main menu", "no key → this menu again");
 * a call that has entered menus this often is hung up, so no configuration
 * can hold a caller, or a trunk, forever.
 */
export const MAX_IVR_ENTRIES = 20;

/** Every writable field of an IVR (F-4.2.1) with its rule; the texts are the schema descriptions too. */
export const ivrFieldSchemas = {
  name: z.string().min(1, 'required').max(64, 'at most 64 characters').regex(charset.name.pattern, charset.name.rule).describe(`IVR name, unique, e.g. welcome. ${charset.name.rule}`),
  number: z.string().regex(dialableNumber.pattern, dialableNumber.rule).describe('Dialable number inside the IVR range (0600–0635 by default); the next free one when not given'),
  repeatCount: z
    .number()
    .int()
    .min(1, 'at least 1')
    .max(10, 'at most 10')
    .describe(`How many times the prompt plays while waiting for a key (1–10); after each play the menu waits ${RESPONSE_SECONDS} s`),
  allowDirectDial: z.boolean().describe('Callers may dial a number during the menu: extension numbers, or what directDialPermission allows'),
  language: extensionFieldSchemas.language.describe(
    'Language of the prompts the caller hears at later destinations (e.g. voicemail): DEFAULT keeps the channel language, or a language code (en, zh_CN ...). Set when the call enters the menu',
  ),
  digitTimeoutSeconds: z.number().int().min(1, 'at least 1').max(30, 'at most 30').describe('Gap allowed between one key and the next, seconds (1–30)'),
} as const;

export const ivrDefaults = { repeatCount: 3, allowDirectDial: true, language: 'DEFAULT', digitTimeoutSeconds: 3 } as const;
