import { describe, expect, it } from 'vitest';
import { parseContactListEvent, parseSipUri } from '../../../src/pbx/ami/contacts.js';

describe('parseSipUri', () => {
  it.each([
    ['sip:100@127.0.0.1:5070;ob', { host: '127.0.0.1', port: 5070 }],
    ['sip:100@192.0.2.7', { host: '192.0.2.7', port: null }],
    ['sips:alice@[2001:db8::5]:5061;transport=tls', { host: '2001:db8::5', port: 5061 }],
    ['sip:alice@[2001:db8::5];transport=tcp', { host: '2001:db8::5', port: null }],
    ['<sip:100@10.0.0.2:5060>', { host: '10.0.0.2', port: 5060 }],
    ['sip:10.0.0.9:5080', { host: '10.0.0.9', port: 5080 }],
    ['sip:+15551234;phone-context=x@198.51.100.4:5062;ob?Subject=hi', { host: '198.51.100.4', port: 5062 }],
    ['SIP:100@phone.example.com:5060', { host: 'phone.example.com', port: 5060 }],
    ['sip:100@10.0.0.2:70000', { host: '10.0.0.2', port: null }],
  ])('%s', (uri, expected) => {
    expect(parseSipUri(uri)).toEqual(expected);
  });

  it.each(['', 'tel:+15551234', 'sip:', 'sip:100@[2001:db8::5', 'http://10.0.0.1/'])('rejects %j', (uri) => {
    expect(parseSipUri(uri)).toBeNull();
  });
});

describe('parseContactListEvent', () => {
  it('maps an unqualified IPv6 contact: RoundtripUsec N/A, hostnames are not IPs', () => {
    expect(
      parseContactListEvent({
        Event: 'ContactList',
        ObjectName: '200;@0123456789abcdef0123456789abcdef',
        ViaAddr: '2001:db8::7',
        ViaPort: '5062',
        Endpoint: '200',
        Uri: 'sip:200@[2001:db8::7]:5062;transport=udp',
        UserAgent: 'Yealink SIP-T46S 66.86.0.15',
        Status: 'NonQualified',
        RoundtripUsec: 'N/A',
      }),
    ).toEqual({
      aor: '200',
      endpoint: '200',
      uri: 'sip:200@[2001:db8::7]:5062;transport=udp',
      ip: '2001:db8::7',
      port: 5062,
      userAgent: 'Yealink SIP-T46S 66.86.0.15',
      status: 'NonQualified',
      roundTripUsec: null,
      viaAddress: '[2001:db8::7]:5062',
    });
  });

  it('handles a static contact with missing optional fields', () => {
    expect(
      parseContactListEvent({
        Event: 'ContactList',
        ObjectName: 'trunk@@0123456789abcdef0123456789abcdef',
        Endpoint: '',
        Uri: 'sip:carrier.example.net',
        UserAgent: '',
        Status: 'Unavailable',
        RoundtripUsec: 'N/A',
      }),
    ).toEqual({
      aor: 'trunk',
      endpoint: '',
      uri: 'sip:carrier.example.net',
      ip: null,
      port: null,
      userAgent: null,
      status: 'Unavailable',
      roundTripUsec: null,
      viaAddress: null,
    });
  });
});
