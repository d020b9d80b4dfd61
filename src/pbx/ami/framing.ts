import { StringDecoder } from 'node:string_decoder';
import { AmiError } from './errors.js';
import type { AmiMessage } from './message.js';

export type AmiFrame = { kind: 'banner'; text: string } | { kind: 'message'; message: AmiMessage };

const DEFAULT_MAX_MESSAGE_CHARS = 1024 * 1024;

/**
 * Splits the AMI byte stream into frames. The first line of a connection is the banner
 * (`Asterisk Call Manager/11.0.0`, with no blank line after it); after that, `Key: Value`
 * lines form a message that a blank line ends. Lines end in CRLF, but a bare LF is accepted
 * as Asterisk itself does: some replies (e.g. `Message: No Contacts found\n`) embed one.
 */
export class AmiFramer {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private awaitingBanner: boolean;
  private current: AmiMessage = {};
  private currentHasFields = false;
  private currentChars = 0;
  private readonly maxMessageChars: number;

  constructor(options: { expectBanner?: boolean; maxMessageChars?: number } = {}) {
    this.awaitingBanner = options.expectBanner ?? true;
    this.maxMessageChars = options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS;
  }

  /** Feeds one chunk; returns every frame it completed. Throws AmiError('protocol') on an oversized message. */
  push(chunk: Buffer | string): AmiFrame[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const frames: AmiFrame[] = [];
    let start = 0;
    for (let end = this.buffer.indexOf('\n'); end !== -1; end = this.buffer.indexOf('\n', start)) {
      const lineEnd = end > start && this.buffer.charCodeAt(end - 1) === 13 ? end - 1 : end;
      const line = this.buffer.slice(start, lineEnd);
      start = end + 1;
      const frame = this.takeLine(line);
      if (frame) frames.push(frame);
    }
    this.buffer = this.buffer.slice(start);
    if (this.currentChars + this.buffer.length > this.maxMessageChars) {
      throw new AmiError('protocol', `AMI message exceeds ${this.maxMessageChars} characters`);
    }
    return frames;
  }

  private takeLine(line: string): AmiFrame | null {
    if (this.awaitingBanner) {
      this.awaitingBanner = false;
      return { kind: 'banner', text: line };
    }
    if (line === '') {
      if (!this.currentHasFields) return null; // stray blank lines between messages
      const message = this.current;
      this.current = {};
      this.currentHasFields = false;
      this.currentChars = 0;
      return { kind: 'message', message };
    }
    this.currentChars += line.length + 2;
    const colon = line.indexOf(':');
    if (colon <= 0) return null; // not a header line; AMI 11 sends none
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    if (key === '__proto__') return null; // would not become an own property
    this.current[key] = Object.hasOwn(this.current, key) ? `${this.current[key]}\n${value}` : value;
    this.currentHasFields = true;
    return null;
  }
}
