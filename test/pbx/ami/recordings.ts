import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// AMI traffic recorded from a real Asterisk 22.10.1, read in place (never copied into the repo).
// The recorder turned CRLF into LF and changed nothing else; `toWire` undoes that.
export const RECORDED_AMI_DIR = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/asterisk/recorded/ami');
export const HAVE_AMI_RECORDINGS = existsSync(RECORDED_AMI_DIR);
export const NO_AMI_RECORDINGS = `recorded AMI traffic unavailable, replay skipped: ${RECORDED_AMI_DIR} is absent`;

export type RecordedAction = {
  file: string;
  /** Request headers as recorded (ActionID is the recorder's, e.g. `rec-8`). */
  request: Record<string, string>;
  /** The response and its events, in wire form (CRLF), with the ActionID replaced by `actionId`. */
  responseFor(actionId: string): string;
  /** The same messages parsed line by line, ActionID replaced, for comparison. */
  messagesFor(actionId: string): Record<string, string>[];
};

export function toWire(lfText: string): string {
  return lfText.replace(/\n/g, '\r\n');
}

/** Parses LF-separated `Key: Value` blocks without the code under test. */
export function parseBlocks(lfText: string): Record<string, string>[] {
  return lfText
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const message: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        message[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      return message;
    });
}

export function readRecordedAction(file: string): RecordedAction {
  const text = readFileSync(path.join(RECORDED_AMI_DIR, file), 'utf8');
  const [requestPart, responsePart] = text.split('# response\n');
  if (requestPart === undefined || responsePart === undefined) throw new Error(`${file}: no "# response" section`);
  const [request] = parseBlocks(requestPart.replace('# request\n', ''));
  if (!request?.ActionID) throw new Error(`${file}: request without ActionID`);
  const recordedId = request.ActionID;
  const withId = (actionId: string) => responsePart.split(`ActionID: ${recordedId}\n`).join(`ActionID: ${actionId}\n`);
  return {
    file,
    request,
    responseFor: (actionId) => toWire(withId(actionId)),
    messagesFor: (actionId) => parseBlocks(withId(actionId)),
  };
}

export function recordedActionFiles(): string[] {
  return readdirSync(RECORDED_AMI_DIR)
    .filter((name) => name.startsWith('action-') && name.endsWith('.txt'))
    .sort();
}

export function readRecordedEvents(file: string): { wire: string; messages: Record<string, string>[] } {
  const text = readFileSync(path.join(RECORDED_AMI_DIR, file), 'utf8');
  return { wire: toWire(text), messages: parseBlocks(text) };
}

export function readRecordedBanner(): string {
  return readFileSync(path.join(RECORDED_AMI_DIR, 'banner.txt'), 'utf8').replace(/\n$/, '');
}
