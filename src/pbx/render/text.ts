/**
 * Every value from the database passes through here before it reaches a
 * file. The field rules (src/validation/charsets.ts) already keep these
 * characters out; this is the second line: a value that could add a line, a
 * section, a comment or an option stops the render instead of reaching Asterisk.
 */
export class RenderError extends Error {
  override name = 'RenderError';
}

const unsafe = /[\u0000-\u001f\u007f;[\]"\\]/;

export function safe(value: string | number, what: string): string {
  const text = String(value);
  if (unsafe.test(text)) throw new RenderError(`${what}: ${JSON.stringify(text)} holds a character that is not allowed in Asterisk configuration`);
  // Asterisk strips the blanks around a value: such a value would not reach it as stored.
  if (text !== text.trim()) throw new RenderError(`${what}: ${JSON.stringify(text)} starts or ends with a space, which Asterisk would drop`);
  return text;
}

/** Values that also end up inside dialplan application arguments, where , | ( ) $ { } separate or expand. */
export function dialplanSafe(value: string, what: string): string {
  const text = safe(value, what);
  if (/[,|()${}]/.test(text)) throw new RenderError(`${what}: ${JSON.stringify(text)} cannot be used as a dialplan argument`);
  return text;
}

export const HEADER = '; Rendered by the PBX server from its database. Do not edit: changes are overwritten.\n';

/** A value put together from parts that were each checked (e.g. `"Name" <101>`): written as it is. */
export class Composed {
  constructor(readonly text: string) {}
}

export type OptionValue = string | number | boolean | Composed | undefined | null;

/** A configuration section: `[name]` then `key=value` lines, values checked. */
export function section(name: string, options: [string, OptionValue][], template = ''): string {
  const lines = [`[${safe(name, 'section name')}]${template}`];
  for (const [key, value] of options) {
    if (value === undefined || value === null || value === '') continue;
    const text = value instanceof Composed ? value.text : typeof value === 'boolean' ? (value ? 'yes' : 'no') : safe(value, `${name}.${key}`);
    lines.push(option(key, text));
  }
  return lines.join('\n') + '\n';
}

/**
 * One `key=value` line. Asterisk reads `key=>value` as `key` with the value
 * `value` (`=>` is its other separator), so a value that starts with `>` is
 * written after a space, which Asterisk strips: `key= >value`.
 */
export function option(key: string, text: string): string {
  return text.startsWith('>') ? `${key}= ${text}` : `${key}=${text}`;
}

export function file(...parts: string[]): string {
  return HEADER + '\n' + parts.filter(Boolean).join('\n');
}
