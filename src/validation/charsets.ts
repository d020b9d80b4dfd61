/**
 * The characters each kind of stored string may hold. Renderers of Asterisk
 * configuration rely on these: none of them admits a newline, a control
 * character, or `;`, `[`, `]`, `"` and `\` except where a rule says so.
 * Each rule's text is repeated in the schema descriptions.
 */
type Charset = { pattern: RegExp; rule: string };

export const charset = {
  /** Names of people and groups: letters of any script, digits, space and . _ - ' ( ) & @ / +, no space at either end  */
  name: {
    pattern: /^(?! )[\p{L}\p{M}\p{N} ._'()&@/+-]+(?<! )$/u,
    rule: "Letters of any script, digits, space and . _ - ' ( ) & @ / + only, no space at either end",
  },
  /** Free text such as a User-Agent: printable ASCII except ; [ ] " \ , and control characters, no space at either end */
  text: {
    pattern: /^(?! )[A-Za-z0-9 !#$%&'()*+./:<=>?@^_`{|}~-]*(?<! )$/,
    rule: 'Printable ASCII except ; [ ] " \\ , and control characters, no space at either end',
  },
  /** Identifiers of classes and files: letters, digits, _ - . */
  identifier: {
    pattern: /^[A-Za-z0-9_.-]*$/,
    rule: 'Letters A–Z, digits, _ - . only',
  },
  /** SIP secrets: printable ASCII except space ; [ ] , " \ ' ` */
  secret: {
    pattern: /^[A-Za-z0-9!#$%&()*+./:<=>?@^_{|}~-]+$/,
    rule: 'Printable ASCII except space ; [ ] , " \' \\ and `',
  },
  /** Telephone numbers as dialled or shown: digits with an optional leading + */
  phone: {
    pattern: /^\+?[0-9]*$/,
    rule: 'Digits with an optional leading +',
  },
  /** A note-only phone number: digits, space, + - ( ) */
  phoneNote: {
    pattern: /^[0-9 +()-]*$/,
    rule: 'Digits, space and + - ( ) only',
  },
} satisfies Record<string, Charset>;

export function digitsPattern(min: number, max: number): RegExp {
  return new RegExp(`^\\d{${min},${max}}$`);
}

const controlCharacters = /[\u0000-\u001f\u007f]/;
export function hasControlCharacters(value: string): boolean {
  return controlCharacters.test(value);
}

/** A dialable number of an object (extension, department, queue ...): 2–11 digits (F-4.6.1.a). */
export const dialableNumber = { pattern: /^\d{2,11}$/, rule: '2–11 digits' };
