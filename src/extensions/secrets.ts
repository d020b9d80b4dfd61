import { randomInt } from 'node:crypto';

const lower = 'abcdefghijkmnopqrstuvwxyz';
const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const digits = '23456789';
const symbols = '!#$%&*+-.=?@^_~';

/** A random 10-character SIP password with letters, digits and symbols (F-4.1.2.d). */
export function randomSipPassword(length = 10): string {
  const all = lower + upper + digits + symbols;
  const chars = [pick(lower), pick(upper), pick(digits), pick(symbols)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function pick(set: string): string {
  return set[randomInt(set.length)]!;
}

export type PasswordStrength = 'WEAK' | 'MEDIUM' | 'STRONG';

/** The strength the manual's UI shows next to the password: by length and character classes. */
export function passwordStrength(password: string): PasswordStrength {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  const onlyDigitsOrRepeated = /^(\d+|(.)\2*)$/.test(password);
  if (password.length >= 10 && classes >= 3 && !onlyDigitsOrRepeated) return 'STRONG';
  if (password.length >= 8 && classes >= 2 && !onlyDigitsOrRepeated) return 'MEDIUM';
  return 'WEAK';
}
