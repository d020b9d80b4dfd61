import { describe, expect, it } from 'vitest';
import { AmiError } from '../../../src/pbx/ami/errors.js';
import { AmiFramer, type AmiFrame } from '../../../src/pbx/ami/framing.js';
import { formatAction, header } from '../../../src/pbx/ami/message.js';

const STREAM =
  'Asterisk Call Manager/11.0.0\r\n' +
  'Response: Success\r\nActionID: a-1\r\nMessage: Authentication accepted\r\n\r\n' +
  'Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n' +
  'Response: Success\r\nActionID: a-2\r\nSystemName: \r\nUri: sip:100@127.0.0.1:5070;ob\r\nCallerid: "Alice" <100>\r\n\r\n';

const EXPECTED: AmiFrame[] = [
  { kind: 'banner', text: 'Asterisk Call Manager/11.0.0' },
  { kind: 'message', message: { Response: 'Success', ActionID: 'a-1', Message: 'Authentication accepted' } },
  { kind: 'message', message: { Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' } },
  {
    kind: 'message',
    message: {
      Response: 'Success',
      ActionID: 'a-2',
      SystemName: '',
      Uri: 'sip:100@127.0.0.1:5070;ob',
      Callerid: '"Alice" <100>',
    },
  },
];

function feed(text: string | Buffer, chunkSize: number | null, framer = new AmiFramer()): AmiFrame[] {
  const bytes = Buffer.from(text);
  if (chunkSize === null) return framer.push(bytes);
  const frames: AmiFrame[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    frames.push(...framer.push(bytes.subarray(offset, offset + chunkSize)));
  }
  return frames;
}

describe('AmiFramer', () => {
  it.each([1, 2, 7, 13, null])('yields the same frames for chunks of %s bytes', (chunkSize) => {
    expect(feed(STREAM, chunkSize)).toEqual(EXPECTED);
  });

  it('completes a message only at its blank line', () => {
    const framer = new AmiFramer({ expectBanner: false });
    expect(framer.push('Event: A\r\nKey: 1\r\n')).toEqual([]);
    expect(framer.push('\r')).toEqual([]);
    expect(framer.push('\n')).toEqual([{ kind: 'message', message: { Event: 'A', Key: '1' } }]);
  });

  it('accepts bare LF line ends, as Asterisk emits inside some messages', () => {
    // ami_show_contacts in res_pjsip/pjsip_options.c sends the error text "No Contacts found\n".
    const frames = feed('Response: Error\r\nActionID: x\r\nMessage: No Contacts found\n\r\n\r\nEvent: B\nK: v\n\n', 1, new AmiFramer({ expectBanner: false }));
    expect(frames).toEqual([
      { kind: 'message', message: { Response: 'Error', ActionID: 'x', Message: 'No Contacts found' } },
      { kind: 'message', message: { Event: 'B', K: 'v' } },
    ]);
  });

  it('keeps every value of a repeated key, joined with LF', () => {
    const [frame] = new AmiFramer({ expectBanner: false }).push('Response: Success\r\nOutput: line one\r\nOutput: line two\r\n\r\n');
    expect(frame).toEqual({ kind: 'message', message: { Response: 'Success', Output: 'line one\nline two' } });
  });

  it('does not let keys named like Object.prototype members clash', () => {
    const [frame] = new AmiFramer({ expectBanner: false }).push('constructor: a\r\n__proto__: b\r\ntoString: c\r\n\r\n');
    expect(frame?.kind === 'message' && frame.message).toEqual({ constructor: 'a', toString: 'c' });
    expect(Object.getPrototypeOf(frame?.kind === 'message' ? frame.message : null)).toBe(Object.prototype);
  });

  it('decodes UTF-8 split across chunks', () => {
    const text = 'Event: X\r\nCallerIDName: Zoë 日本\r\n\r\n';
    expect(feed(text, 1, new AmiFramer({ expectBanner: false }))).toEqual([{ kind: 'message', message: { Event: 'X', CallerIDName: 'Zoë 日本' } }]);
  });

  it('refuses a message that grows past the limit', () => {
    const framer = new AmiFramer({ expectBanner: false, maxMessageChars: 100 });
    expect(() => framer.push(`Event: X\r\nBig: ${'a'.repeat(200)}`)).toThrow(AmiError);
  });
});

describe('formatAction', () => {
  it('writes CRLF header lines and a blank line', () => {
    expect(formatAction({ Action: 'Login', ActionID: 'x-1', Username: 'admin', Secret: 's', Events: 'on' })).toBe(
      'Action: Login\r\nActionID: x-1\r\nUsername: admin\r\nSecret: s\r\nEvents: on\r\n\r\n',
    );
  });

  it.each([
    ['CRLF', 'x\r\nAction: Originate'],
    ['bare LF', 'x\nAction: Originate'],
    ['bare CR', 'x\rAction: Originate'],
    ['NUL', 'x\0y'],
  ])('refuses a value containing %s', (_name, value) => {
    expect(() => formatAction({ Action: 'Ping', Channel: value })).toThrow(/CR, LF or NUL/);
  });

  it.each(['Bad Key', 'Bad:Key', '', 'Key\r\n'])('refuses the header name %j', (key) => {
    expect(() => formatAction({ Action: 'Ping', [key]: 'v' })).toThrow(/not allowed/);
  });
});

describe('header', () => {
  it('looks names up case-insensitively, exact spelling first', () => {
    expect(header({ ActionID: 'a', actionid: 'b' }, 'ActionID')).toBe('a');
    expect(header({ ActionId: 'a' }, 'ActionID')).toBe('a');
    expect(header({}, 'constructor')).toBeUndefined();
  });
});
