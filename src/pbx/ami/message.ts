import { AmiError } from './errors.js';

/**
 * One AMI message (response or event). Keys are kept as Asterisk sent them (case preserved).
 * A key sent more than once (e.g. the `Output` lines of `Command`, `ChanVariable`) keeps every
 * value, joined with "\n" in arrival order: a value can never contain LF on the wire, so
 * `value.split('\n')` gives them back.
 */
export type AmiMessage = Record<string, string>;

/** Case-insensitive header lookup; Asterisk matches header names case-insensitively too. */
export function header(message: AmiMessage, name: string): string | undefined {
  if (Object.hasOwn(message, name)) return message[name];
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(message)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

// Printable ASCII without space or colon: anything else would end or split the header.
const SAFE_KEY = /^[\x21-\x39\x3b-\x7e]+$/;
// Asterisk ends a line at LF as well as CRLF, so either would let a value inject headers;
// NUL would silently truncate the value in Asterisk's C strings.
const UNSAFE_VALUE = /[\r\n\0]/;

/** Serialises an action as `Key: Value` CRLF lines plus the terminating blank line. Throws on unsafe input. */
export function formatAction(fields: Readonly<AmiMessage>): string {
  let text = '';
  for (const [key, value] of Object.entries(fields)) {
    if (!SAFE_KEY.test(key)) {
      throw new AmiError('invalid_message', `AMI header name ${JSON.stringify(key)} is not allowed`);
    }
    if (typeof value !== 'string') {
      throw new AmiError('invalid_message', `AMI header ${key} must be a string`);
    }
    if (UNSAFE_VALUE.test(value)) {
      throw new AmiError('invalid_message', `AMI header ${key} contains CR, LF or NUL, which would inject AMI headers`);
    }
    text += `${key}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}
