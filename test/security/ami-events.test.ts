import { describe, expect, it } from 'vitest';
import { remoteAddress, securityFact } from '../../src/security/ami-events.js';
import { HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS, readRecordedEvents } from '../pbx/ami/recordings.js';

/** An event as Asterisk 22 sends it (main/security_events.c; field names as in the recorded traffic). */
function event(name: string, fields: Record<string, string> = {}): Record<string, string> {
  return {
    Event: name,
    Privilege: 'security,all',
    EventTV: '2026-11-26T07:06:42.309+0000',
    Severity: 'Error',
    Service: 'PJSIP',
    EventVersion: '1',
    AccountID: '101',
    SessionID: 'aa76e696-a344-4ccd-9c18-91ffeab9bc6f',
    LocalAddress: 'IPV4/UDP/127.0.0.1/5060',
    RemoteAddress: 'IPV4/UDP/203.0.113.7/5072',
    ...fields,
  };
}

describe('AMI security events → failure facts', () => {
  it('reads the events recorded from Asterisk 22: a wrong password for 101, an unknown 102', (ctx) => {
    ctx.skip(!HAVE_AMI_RECORDINGS, NO_AMI_RECORDINGS);
    const { messages } = readRecordedEvents('events-register-failures.txt');
    expect(messages.map((m) => m.Event)).toEqual(['ChallengeSent', 'ChallengeResponseFailed', 'InvalidAccountID', 'ChallengeSent', 'InvalidAccountID', 'ChallengeResponseFailed']);
    // ChallengeSent is normal traffic; the last ChallengeResponseFailed (AccountID <unknown>) is the
    // artificial endpoint's half of the InvalidAccountID before it.
    expect(messages.map(securityFact).filter(Boolean)).toEqual([
      { service: 'SIP', address: '127.0.0.1', kind: 'WRONG_PASSWORD', account: '101' },
      { service: 'SIP', address: '127.0.0.1', kind: 'UNKNOWN_ACCOUNT', account: '102' },
      { service: 'SIP', address: '127.0.0.1', kind: 'UNKNOWN_ACCOUNT', account: '102' },
    ]);
  });

  it('maps each failure event to its kind', () => {
    expect(securityFact(event('ChallengeResponseFailed', { Challenge: '1/2', Response: 'x', ExpectedResponse: '' }))).toEqual({
      service: 'SIP',
      address: '203.0.113.7',
      kind: 'WRONG_PASSWORD',
      account: '101',
    });
    expect(securityFact(event('InvalidPassword'))?.kind).toBe('WRONG_PASSWORD');
    expect(securityFact(event('InvalidAccountID', { AccountID: '999' }))).toEqual({ service: 'SIP', address: '203.0.113.7', kind: 'UNKNOWN_ACCOUNT', account: '999' });
    expect(securityFact(event('RequestBadFormat', { RequestType: 'REGISTER' }))?.kind).toBe('BAD_REQUEST');
    expect(securityFact(event('FailedACL', { ACLName: 'not_match_endpoint_acl' }))?.kind).toBe('REFUSED_BY_ENDPOINT_ACL');
    expect(securityFact(event('FailedACL', { ACLName: 'not_match_endpoint_contact_acl' }))?.kind).toBe('REFUSED_BY_ENDPOINT_ACL');
  });

  it('ignores what is not a guess: normal traffic, post-authentication refusals, other services', () => {
    expect(securityFact(event('ChallengeSent', { Severity: 'Informational' }))).toBeNull();
    expect(securityFact(event('SuccessfulAuth', { Severity: 'Informational', UsingPassword: '1' }))).toBeNull();
    expect(securityFact(event('FailedACL', { ACLName: 'registrar_attempt_exceeds_maximum_configured_contacts' }))).toBeNull();
    expect(securityFact(event('FailedACL'))).toBeNull();
    expect(securityFact(event('ChallengeResponseFailed', { AccountID: '<unknown>' }))).toBeNull();
    expect(securityFact(event('InvalidPassword', { Service: 'AMI', RemoteAddress: 'IPV4/TCP/127.0.0.1/40000' }))).toBeNull();
    expect(securityFact({ Event: 'ContactStatus', AOR: '101', ContactStatus: 'Reachable' })).toBeNull();
  });

  it('reads IPv6 and IPv4-mapped remote addresses, with or without a transport', () => {
    expect(remoteAddress('IPV6/UDP/2001:DB8::7/5060')).toBe('2001:db8::7');
    expect(remoteAddress('IPV4/UDP/::ffff:203.0.113.9/5060')).toBe('203.0.113.9');
    expect(remoteAddress('IPV4/203.0.113.9/5060')).toBe('203.0.113.9');
    expect(remoteAddress('IPV4/WSS/203.0.113.9/8089')).toBe('203.0.113.9');
  });

  it('drops malformed events without throwing', () => {
    const malformed: Record<string, string>[] = [
      event('ChallengeResponseFailed', { RemoteAddress: '' }),
      event('ChallengeResponseFailed', { RemoteAddress: 'garbage' }),
      event('ChallengeResponseFailed', { RemoteAddress: 'IPV4/UDP/999.1.1.1/5060' }),
      event('ChallengeResponseFailed', { RemoteAddress: 'IPV4/UDP/host.example/5060' }),
      event('ChallengeResponseFailed', { RemoteAddress: 'IPX/UDP/203.0.113.7/5060' }),
      event('ChallengeResponseFailed', { RemoteAddress: 'IPV4/UDP/203.0.113.7/extra/5060' }),
      Object.fromEntries(Object.entries(event('InvalidAccountID')).filter(([k]) => k !== 'RemoteAddress')),
      Object.fromEntries(Object.entries(event('InvalidAccountID')).filter(([k]) => k !== 'Service')),
      {},
    ];
    for (const m of malformed) expect(securityFact(m), JSON.stringify(m)).toBeNull();
    expect(securityFact(null as unknown as Record<string, string>)).toBeNull();
  });

  it('keeps only printable account names, at most 64 characters', () => {
    expect(securityFact(event('InvalidAccountID', { AccountID: 'a\u0007b' + 'x'.repeat(100) }))?.account).toBe('ab' + 'x'.repeat(62));
    expect(securityFact(event('InvalidAccountID', { AccountID: '' }))?.account).toBeNull();
  });
});
