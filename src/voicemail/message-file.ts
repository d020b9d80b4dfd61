/**
 * The message information file app_voicemail writes beside each recording
 * (msgNNNN.txt, apps/app_voicemail.c leave_voicemail): an Asterisk config
 * file with one [message] section, e.g.
 *
 *   [message]
 *   origmailbox=101
 *   callerid="User 100" <100>
 *   origtime=1733130000
 *   msg_id=1733130000-00000000
 *   flag=
 *   duration=4
 *
 * Pure: text in, fields out.
 */
export type MessageInfo = {
  /** Asterisk's message id (msg_id); null in files written before Asterisk 12 */
  msgId: string | null;
  /** The callerid line as written, e.g. `"User 100" <100>` */
  callerId: string;
  callerNumber: string | null;
  callerName: string | null;
  durationSeconds: number;
  /** origtime: when the message was left; null when missing or not a number */
  receivedAt: Date | null;
  /** `Urgent` for an urgent message, else empty */
  flag: string;
};

/** Reads the [message] section's `key=value` lines as Asterisk's config parser does (`;` starts a comment unless escaped as `\;`). */
export function parseMessageSection(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = withoutComment(raw).trim();
    if (!line) continue;
    const header = /^\[([^\]]*)\]/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (section !== 'message') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    // `key => value` is the same as `key = value`.
    const value = line
      .slice(eq + 1)
      .replace(/^>/, '')
      .trim();
    if (!values.has(key)) values.set(key, value);
  }
  return values;
}

function withoutComment(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && line[i + 1] === ';') {
      out += ';';
      i += 1;
    } else if (c === ';') {
      break;
    } else {
      out += c;
    }
  }
  return out;
}

export function parseMessageInfo(text: string): MessageInfo {
  const values = parseMessageSection(text);
  const callerId = values.get('callerid') ?? '';
  const { number, name } = parseCallerId(callerId);
  const origtime = values.get('origtime') ?? '';
  const duration = Number.parseInt(values.get('duration') ?? '', 10);
  return {
    msgId: values.get('msg_id') || null,
    callerId,
    callerNumber: number,
    callerName: name,
    durationSeconds: Number.isFinite(duration) && duration > 0 ? duration : 0,
    receivedAt: /^\d{1,12}$/.test(origtime) ? new Date(Number(origtime) * 1000) : null,
    flag: values.get('flag') ?? '',
  };
}

/**
 * Splits a caller ID as Asterisk's ast_callerid_parse does: `"Name" <number>`,
 * `Name <number>`, `<number>`, a bare number, or a bare name. app_voicemail
 * writes `Unknown` when the caller had neither.
 */
export function parseCallerId(value: string): { number: string | null; name: string | null } {
  const text = value.trim();
  if (!text || text === 'Unknown') return { number: null, name: null };
  const open = text.lastIndexOf('<');
  const close = open >= 0 ? text.indexOf('>', open) : -1;
  if (open >= 0 && close > open) {
    const number = text.slice(open + 1, close).trim();
    const name = unquote(text.slice(0, open).trim());
    return { number: number || null, name: name || null };
  }
  if (/^[0-9+*#()\-. ]+$/.test(text) && /[0-9]/.test(text)) return { number: text.replace(/[()\-. ]/g, ''), name: null };
  return { number: null, name: unquote(text) || null };
}

function unquote(text: string): string {
  const m = /^"(.*)"$/.exec(text);
  return (m ? m[1]! : text).replace(/\\(.)/g, '$1').trim();
}
