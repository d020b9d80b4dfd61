/**
 * The call records Asterisk writes for us (F-5.2): cdr_custom's advanced JSON
 * mapping, one object per line, appended to a file in Asterisk's log folder.
 * The fields are those of Asterisk 22's CDR, with the times as Unix seconds
 * (`(double)`: no time zone to guess), and three CDR variables our dialplan
 * sets: the trunk and the DID of an inbound call, and the number the caller
 * dialled (Asterisk's own `dst` is the extension the dialplan is at when the
 * record ends, `s` inside our subroutines).
 */

/** The file under <astlogdir>/cdr-custom/ (cdr_custom.conf's category). */
export const cdrFileName = 'pbx-cdr.json';
export const cdrFolder = 'cdr-custom';

/** The CDR variables (CDR(<name>)) the dialplan sets and the mapping writes (`<name>(uservar)`). */
export const cdrVariables = {
  /** The trunk an inbound call came in on (PBX_TRUNK) */
  trunk: 'pbx_trunk',
  /** The number an inbound call was made to (PBX_DID) */
  did: 'pbx_did',
  /** The number the caller dialled (CALLERID(dnid)), set before a Dial */
  dialled: 'pbx_dialled',
} as const;

/** Asterisk's own CDR fields, in the order of the mapping; times as seconds since the epoch. */
const standardFields = [
  'clid',
  'src',
  'dst',
  'dcontext',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start(double)',
  'answer(double)',
  'end(double)',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
  'accountcode',
  'peeraccount',
  'uniqueid',
  'linkedid',
  'userfield',
  'sequence',
] as const;

/** The `fields` option of the mapping. */
export const cdrMappingFields = [...standardFields, ...Object.values(cdrVariables).map((v) => `${v}(uservar)`)].join(',');

/** A record as read from a line: every field a string or a number, as Asterisk wrote it. */
export type RawCdr = Record<string, string | number>;
