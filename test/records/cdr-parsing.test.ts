import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cdrMappingFields } from '../../src/records/cdr-fields.js';
import { parseCdrLine } from '../../src/records/cdr-line.js';
import { callerNameOf, cdrTime, endpointOf, mapCdr, mapDisposition, trunkDialOf, type PbxNames } from '../../src/records/cdr-mapping.js';
import { renderCdrCustomConf } from '../../src/records/config.js';

// The CDRs a real Asterisk 22.10.1 wrote through cdr_custom's JSON mapping, read only here (not copied).
const RECORDED = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/asterisk/recorded/cdr/cdr_custom-cdr_master.json');
const HAVE_RECORDED = existsSync(RECORDED);

const names: PbxNames = { extensions: new Set(['100', '101', '102']), trunks: new Set(['provider', 'hq-iax']) };

/** A line as our mapping makes Asterisk write it: times as seconds, our CDR variables last. */
function ourLine(fields: Record<string, string | number>): string {
  const defaults: Record<string, string | number> = {
    clid: '"Alice" <100>',
    src: '100',
    dst: '101',
    dcontext: 'pbx-perm-x',
    channel: 'PJSIP/100-00000000',
    dstchannel: 'PJSIP/101-00000001',
    lastapp: 'Dial',
    lastdata: 'PJSIP/101/sip:101@127.0.0.1:5070,30,tT',
    start: 1795676755.124437,
    answer: 1795676756.930966,
    end: 1795676759.339614,
    duration: 4,
    billsec: 2,
    disposition: 'ANSWERED',
    amaflags: 'DOCUMENTATION',
    accountcode: '',
    peeraccount: '',
    uniqueid: '1795676755.0',
    linkedid: '1795676755.0',
    userfield: '',
    sequence: 0,
    pbx_trunk: '',
    pbx_did: '',
    pbx_dialled: '',
    ...fields,
  };
  // Asterisk's writer: numbers bare, text quoted with only the double quote escaped.
  const body = Object.entries(defaults).map(([k, v]) => `"${k}":${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(6)) : `"${v.replace(/"/g, '\\"')}"`}`);
  return `{${body.join(',')}}`;
}

describe('the CDR file Asterisk writes (cdr_custom JSON mapping)', () => {
  it('the mapping asks for every field of Asterisk 22 with times as seconds, and for our three CDR variables', () => {
    expect(renderCdrCustomConf().parts.join('')).toContain(`[pbx-cdr.json]\nformat=json\nfields=${cdrMappingFields}\n`);
    expect(cdrMappingFields).toBe(
      'clid,src,dst,dcontext,channel,dstchannel,lastapp,lastdata,start(double),answer(double),end(double),duration,billsec,disposition,amaflags,accountcode,peeraccount,uniqueid,linkedid,userfield,sequence,pbx_trunk(uservar),pbx_did(uservar),pbx_dialled(uservar)',
    );
  });

  it.skipIf(!HAVE_RECORDED)('reads every line a real Asterisk wrote as JSON.parse reads it', () => {
    const lines = readFileSync(RECORDED, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(parseCdrLine(line)).toEqual(JSON.parse(line));
  });

  it.skipIf(!HAVE_RECORDED)('maps the recorded calls: answered, busy and unanswered calls of 100 to 101, with local-time stamps', () => {
    const records = readFileSync(RECORDED, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => mapCdr(parseCdrLine(line)!, names));
    expect(records.every((r) => r.ok)).toBe(true);
    const [answered, busy] = records.map((r) => (r.ok ? r.record : null));
    expect(answered).toMatchObject({
      uniqueid: '1795676755.0',
      sequence: 0,
      linkedid: '1795676755.0',
      caller: '100',
      callerName: 'Alice',
      callee: '101',
      finalCallee: '101',
      direction: 'INTERNAL',
      disposition: 'ANSWERED',
      durationSeconds: 4,
      talkSeconds: 2,
      trunk: '',
      callerExtension: '100',
      calleeExtension: '101',
      channel: 'PJSIP/100-00000000',
      dstChannel: 'PJSIP/101-00000001',
      lastApp: 'Dial',
    });
    // Asterisk's default stamp is its local time, which is this machine's.
    expect(answered!.startedAt).toEqual(new Date(2026, 10, 26, 7, 5, 55));
    expect(answered!.answeredAt).toEqual(new Date(2026, 10, 26, 7, 5, 56));
    expect(answered!.endedAt).toEqual(new Date(2026, 10, 26, 7, 5, 59));
    expect(busy).toMatchObject({ disposition: 'BUSY', answeredAt: null, talkSeconds: 0, calleeExtension: '101', sequence: 2 });
    const noAnswer = records.map((r) => (r.ok ? r.record : null)).find((r) => r?.uniqueid === '1795676790.10');
    // Asterisk stamps an answer time on the caller's channel; the call was not answered.
    expect(noAnswer).toMatchObject({ disposition: 'NO_ANSWER', answeredAt: null, talkSeconds: 0 });
  });

  it('our own lines: times from seconds, exact to the millisecond', () => {
    const raw = parseCdrLine(ourLine({}))!;
    const mapped = mapCdr(raw, names);
    expect(mapped.ok && mapped.record.startedAt.toISOString()).toBe(new Date(1795676755124).toISOString());
    expect(mapped.ok && mapped.record.answeredAt?.toISOString()).toBe(new Date(1795676756931).toISOString());
  });

  it('text Asterisk writes without JSON escapes comes back as it was: backslashes, quotes, commas, field-like text', () => {
    const tricky = ['A\\B "the boss"', 'x","src":"999', 'ends with \\', 'a,b', '{"clid":"x"}', 'tab\there'];
    for (const name of tricky) {
      const line = ourLine({ clid: `"${name}" <100>`, lastdata: name, userfield: name });
      const raw = parseCdrLine(line);
      expect(raw, line).not.toBeNull();
      expect(raw!.clid).toBe(`"${name}" <100>`);
      expect(raw!.lastdata).toBe(name);
      expect(raw!.src).toBe('100');
      expect(raw!.sequence).toBe(0);
    }
    expect(callerNameOf('"A\\B \\"x\\"" <100>')).toBe('A\\B \\"x\\"');
    expect(callerNameOf('Bob <101>')).toBe('Bob');
    expect(callerNameOf('<101>')).toBe('');
  });

  it('a line that is not a record is refused: cut short, not an object, a bare word for a value', () => {
    const line = ourLine({});
    expect(parseCdrLine(line.slice(0, 40))).toBeNull();
    expect(parseCdrLine('hello')).toBeNull();
    expect(parseCdrLine('{"clid":nope,"src":"1"}')).toBeNull();
    expect(parseCdrLine('')).toBeNull();
  });

  it('an inbound call: the trunk and the DID from the CDR variables; the caller is the outside number, the callee the DID', () => {
    const mapped = mapCdr(
      parseCdrLine(
        ourLine({
          clid: '"Customer" <+4930555>',
          src: '+4930555',
          dst: '101',
          channel: 'PJSIP/provider-00000004',
          dstchannel: 'PJSIP/101-00000005',
          pbx_trunk: 'provider',
          pbx_did: '4930123456',
        }),
      )!,
      names,
    );
    expect(mapped.ok && mapped.record).toMatchObject({
      direction: 'INBOUND',
      caller: '+4930555',
      callerName: 'Customer',
      callee: '4930123456',
      finalCallee: '101',
      trunk: 'provider',
      did: '4930123456',
      callerExtension: null,
      calleeExtension: '101',
    });
  });

  it('a call from a trunk that inbound routing did not see (a server-mode trunk) is inbound by its channel', () => {
    const mapped = mapCdr(parseCdrLine(ourLine({ channel: 'IAX2/hq-iax-12345', src: '2001', dst: '101' }))!, names);
    expect(mapped.ok && mapped.record).toMatchObject({ direction: 'INBOUND', trunk: 'hq-iax', caller: '2001' });
  });

  it('an outbound call: the caller is the extension even with the trunk caller ID; the callee is the number sent out; the PIN is the account code', () => {
    const mapped = mapCdr(
      parseCdrLine(
        ourLine({
          clid: '"Alice" <5550199>',
          src: '5550199',
          dst: '95551234',
          dstchannel: 'PJSIP/provider-00000009',
          lastdata: 'PJSIP/005551234@provider,,T',
          accountcode: '4711',
        }),
      )!,
      names,
    );
    expect(mapped.ok && mapped.record).toMatchObject({
      direction: 'OUTBOUND',
      caller: '100',
      callerExtension: '100',
      callee: '005551234',
      finalCallee: '005551234',
      trunk: 'provider',
      pinCode: '4711',
      calleeExtension: null,
    });
    // A trunk that could not even make a channel: the Dial still names it.
    const failed = mapCdr(parseCdrLine(ourLine({ dst: '95551234', dstchannel: '', lastdata: 'IAX2/hq-iax/5551234,,T', disposition: 'CONGESTION' }))!, names);
    expect(failed.ok && failed.record).toMatchObject({ direction: 'OUTBOUND', trunk: 'hq-iax', callee: '5551234', disposition: 'FAILED' });
  });

  it('the number dialled comes from our CDR variable; the `s` of a subroutine is never a callee', () => {
    const inSubroutine = { dst: 's', dcontext: 'pbx-dial-extension' };
    expect(mapCdr(parseCdrLine(ourLine({ ...inSubroutine, pbx_dialled: '101' }))!, names)).toMatchObject({ record: { callee: '101' } });
    expect(mapCdr(parseCdrLine(ourLine({ ...inSubroutine }))!, names)).toMatchObject({ record: { callee: '101', calleeExtension: '101' } });
    // The caller's channel after a failed dial (Busy()): no called channel, nothing dialled known.
    expect(mapCdr(parseCdrLine(ourLine({ ...inSubroutine, dstchannel: '', lastapp: 'Busy', lastdata: '5' }))!, names)).toMatchObject({ record: { callee: '', calleeExtension: null } });
  });

  it('a call that ends in voicemail: the final callee is vm-<mailbox>', () => {
    const mapped = mapCdr(parseCdrLine(ourLine({ dstchannel: '', lastapp: 'VoiceMail', lastdata: '101@default,u', disposition: 'ANSWERED' }))!, names);
    expect(mapped.ok && mapped.record).toMatchObject({ direction: 'INTERNAL', callee: '101', finalCallee: 'vm-101', calleeExtension: '101' });
  });

  it("Asterisk's dispositions in ours", () => {
    expect(['ANSWERED', 'NO ANSWER', 'CANCEL', 'BUSY', 'FAILED', 'CONGESTION', 'something new'].map(mapDisposition)).toEqual([
      'ANSWERED',
      'NO_ANSWER',
      'NO_ANSWER',
      'BUSY',
      'FAILED',
      'FAILED',
      'FAILED',
    ]);
  });

  it('a record without its identity or times is refused with the reason', () => {
    expect(mapCdr(parseCdrLine(ourLine({ uniqueid: '' }))!, names)).toEqual({ ok: false, reason: 'no uniqueid' });
    expect(mapCdr(parseCdrLine(ourLine({ start: 0 }))!, names)).toEqual({ ok: false, reason: 'no start or end time' });
    expect(mapCdr(parseCdrLine(ourLine({ sequence: 'x' }))!, names).ok).toBe(false);
  });

  it('channel names, Dial targets and times', () => {
    expect(endpointOf('PJSIP/my-trunk-0000001a')).toEqual({ tech: 'PJSIP', resource: 'my-trunk' });
    expect(endpointOf('Local/0400@pbx-departments-00000001;2')).toEqual({ tech: 'Local', resource: '0400@pbx-departments' });
    expect(endpointOf('')).toBeNull();
    expect(trunkDialOf('Dial', 'PJSIP/101&PJSIP/0049301@provider,30', names)).toEqual({ trunk: 'provider', number: '0049301' });
    expect(trunkDialOf('Dial', 'PJSIP/0049301@elsewhere,30', names)).toBeNull();
    expect(trunkDialOf('Queue', 'PJSIP/0049301@provider', names)).toBeNull();
    expect(cdrTime(0)).toBeNull();
    expect(cdrTime('')).toBeNull();
    expect(cdrTime('0.000000')).toBeNull();
    expect(cdrTime(1795676755.5)?.toISOString()).toBe('2026-11-26T07:05:55.500Z');
  });
});
