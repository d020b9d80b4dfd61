import { describe, expect, it } from 'vitest';
import { extensionFieldSchemas } from '../../../src/extensions/fields.js';
import type { SnapshotExtension } from '../../../src/extensions/snapshot.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { sipDefaults } from '../../../src/trunks/fields.js';
import { extension, largeSnapshot } from '../fixtures/snapshots.js';

/**
 * Issue 12: the dialplan does not change when an extension is created,
 * changed or deleted. A PBX with departments, whitelists, the press-0
 * operator and a trunk whose calls go to the operator, rendered with 40 and
 * with 4,000 extensions of every kind, and after one extension is added,
 * changed in every field the dialplan used to carry, renumbered or deleted:
 * extensions.conf is the same text, and the check proves every number
 * reaches its feature through the lookup rows.
 */

/** Extension n of the range 1000–8999, its fields varied by n. */
function varied(n: number): SnapshotExtension {
  const recordings = ['OFF', 'INBOUND', 'OUTBOUND', 'BOTH'] as const;
  return extension(String(1000 + n), {
    enabled: n % 7 !== 3,
    voicemailEnabled: n % 3 !== 0,
    recording: recordings[n % 4]!,
    iax2Enabled: n % 5 === 0,
    whitelist: n % 11 === 1 ? 'VIP' : n % 11 === 2 ? 'Allowed' : '',
    outboundCallerId1: n % 2 ? `+49301${n}` : '',
  });
}

function pbx(count: number): PbxSnapshot {
  const snapshot = largeSnapshot(0, 0);
  snapshot.extensions = Array.from({ length: count }, (_, i) => varied(i));
  snapshot.settings.pbx = { ...snapshot.settings.pbx, pressZeroToOperator: true, operatorExtension: '1000', blockAnonymous: true };
  snapshot.whitelists = [
    { id: 'wlin', name: 'VIP', direction: 'INBOUND', numbers: ['+4930111'] },
    { id: 'wlout', name: 'Allowed', direction: 'OUTBOUND', numbers: ['900441234'] },
  ];
  // Departments whose members are the first extensions, and whose no-answer destinations are extensions and mailboxes.
  snapshot.departments = [
    { id: 'd1', name: 'Sales', number: '0400', ringStrategy: 'RING_ALL', ringTimeSeconds: 20, distinctiveRing: '', noAnswer: { type: 'VOICEMAIL', number: '1001' }, members: ['1000', '1001', '1003'] },
    {
      id: 'd2',
      name: 'Support',
      number: '0401',
      ringStrategy: 'SEQUENTIAL',
      ringTimeSeconds: 15,
      distinctiveRing: '',
      noAnswer: { type: 'EXTENSION', number: '1002', parameters: { ringTimeSeconds: 20 } },
      members: ['1004', '1002'],
    },
  ];
  // A provider without an inbound route: its calls go to the operator.
  snapshot.trunks = [{ ...sipDefaults, serverHost: 'sip.example.com', username: '4930123456', password: 'Trunk-secret-1', id: 't1', name: 'Carrier', kind: 'SIP' }];
  return snapshot;
}

const dialplanOf = (snapshot: PbxSnapshot) => {
  const result = render(snapshot);
  expect(lintRendered(result)).toEqual([]);
  return { text: result.files.get('extensions.conf')!, result };
};

describe('the dialplan does not change with the extensions (issue 12)', () => {
  const base = dialplanOf(pbx(40));

  it('is the same text with 40 and with 4,000 extensions; only the lookup rows and the proofs grow', () => {
    const large = dialplanOf(pbx(4000));
    expect(large.text).toBe(base.text);
    expect(base.result.lookups.get('pbx_extension')).toHaveLength(40);
    expect(large.result.lookups.get('pbx_extension')).toHaveLength(4000);
    expect(large.result.expectations.filter((e) => e.lookup).length).toBeGreaterThan(4000);
    // No line names an extension's own number outside the departments and the operator.
    expect(base.text).not.toMatch(/exten => 10(0[5-9]|[1-3]\d),/);
  });

  it('is the same text after an extension is added, changed in every field the dialplan used to carry, renumbered or deleted', () => {
    const added = pbx(40);
    added.extensions.push(varied(4500));
    const changed = pbx(40);
    changed.extensions[5] = {
      ...changed.extensions[5]!,
      enabled: !changed.extensions[5]!.enabled,
      voicemailEnabled: !changed.extensions[5]!.voicemailEnabled,
      recording: 'BOTH',
      iax2Enabled: !changed.extensions[5]!.iax2Enabled,
      whitelist: 'VIP',
      name: 'Renamed',
      password: 'Other-secret-9',
      outboundCallerId2: '+4930999',
    };
    // The operator and a department member disabled: looked up when a call comes.
    changed.extensions[0] = { ...changed.extensions[0]!, enabled: false };
    changed.extensions[1] = { ...changed.extensions[1]!, enabled: false, voicemailEnabled: true, recording: 'INBOUND' };
    const renumbered = pbx(40);
    renumbered.extensions[20] = { ...renumbered.extensions[20]!, number: '8999' };
    const deleted = pbx(40);
    deleted.extensions.splice(10, 1);
    for (const [what, snapshot] of Object.entries({ added, changed, renumbered, deleted })) expect(dialplanOf(snapshot).text, what).toBe(base.text);
    // What changed is in the rows the dialplan looks up.
    const row = (snapshot: PbxSnapshot, number: string) =>
      render(snapshot)
        .lookups.get('pbx_extension')!
        .find((r) => r.number === number);
    expect(row(changed, '1005')).toMatchObject({ recording: 'BOTH', whitelist: 'wlin', cid2: '+4930999' });
    expect(row(added, '5500')).toBeDefined();
    expect(row(deleted, '1010')).toBeUndefined();
  });

  it('is the same text whatever single field of an extension changes (every field of ExtensionFields)', () => {
    const alternatives: Partial<SnapshotExtension>[] = [
      { enabled: false },
      { name: 'Someone Else' },
      { mobileNumber: '+4917012345' },
      { dialPermission: 'Lobby' },
      { password: 'Changed-secret-1' },
      { language: 'de' },
      { email: 'someone@example.com' },
      { outboundCallerId1: '+4930123999' },
      { outboundCallerId2: '+4930123998' },
      { mohClass: 'jazz' },
      { voicemailEnabled: false },
      { voicemailPin: '987654' },
      { remoteRegistration: true },
      { maxContacts: 5 },
      { videoEnabled: false },
      { videoCodec: 'VP8' },
      { recording: 'BOTH' },
      { registrationExpirySeconds: 600 },
      { webLogin: false },
      { pickupGroups: [3, 4] },
      { transport: 'TCP' },
      { dtmfMode: 'SIP_INFO' },
      { srtp: true },
      { qualifyFrequencySeconds: 60 },
      { nat: true },
      { iax2Enabled: true },
      { trustedAddresses: ['192.168.1.0/24'] },
      { qualifyTimeoutSeconds: 10 },
      { sendPai: true },
      { sendRpid: true },
      { rtpTimeoutSeconds: 30 },
      { inbandProgress: true },
      { whitelist: 'VIP' },
      { whitelist: 'Allowed' },
      { codecs: ['G722', 'ULAW'] },
    ];
    // Every field but the number (renumbering: above) is swept.
    expect(new Set([...alternatives.flatMap((a) => Object.keys(a)), 'number'])).toEqual(new Set(Object.keys(extensionFieldSchemas)));
    const withLobby = (snapshot: PbxSnapshot) => {
      snapshot.dialPermissions = [...snapshot.dialPermissions, { id: 'perm-lobby', name: 'Lobby', builtIn: false, withheldRights: [], dialRules: [] }];
      return snapshot;
    };
    const reference = dialplanOf(withLobby(pbx(40))).text;
    // The operator (1000), a department member (1001) and an extension that is neither (1020).
    for (const index of [0, 1, 20]) {
      for (const change of alternatives) {
        const snapshot = withLobby(pbx(40));
        snapshot.extensions[index] = { ...snapshot.extensions[index]!, ...change };
        expect(dialplanOf(snapshot).text, `${snapshot.extensions[index].number} ${JSON.stringify(change)}`).toBe(reference);
      }
    }
  });

  it('an extension whose number lies outside the user extension range keeps a block of its own, so it stays reachable', () => {
    const outside = pbx(40);
    outside.extensions.push(extension('200'));
    const { text } = dialplanOf(outside);
    expect(text).toContain('exten => 200,hint,PJSIP/200\nexten => 200,1,Set(HASH(PBX_EXT)=${REALTIME_HASH(pbx_extension,number,${EXTEN})})');
    expect(text.replace(/^exten => 200,.*\n( same => .*\n)*/gm, '')).toBe(base.text);
  });

  it('the check fails when the rows do not say what the expectations need', () => {
    const { result } = base;
    const rows = result.lookups.get('pbx_extension')!;
    const without1005 = { ...result, lookups: new Map([['pbx_extension', rows.filter((r) => r.number !== '1005')]]) };
    const issues = lintRendered(without1005).map((i) => i.message);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((m) => m.includes('1005'))).toBe(true);
    expect(issues).toContainEqual(expect.stringContaining('number 1005 (extension 1005) dialled from [pbx-internal] reaches NoOp'));
    expect(issues).toContainEqual(expect.stringContaining('the lookup of 1005 in pbx_extension finds no row'));
    const flipped = { ...result, lookups: new Map([['pbx_extension', rows.map((r) => (r.number === '1005' ? { ...r, enabled: r.enabled === '1' ? '0' : '1' } : r))]]) };
    expect(lintRendered(flipped).map((i) => i.message)).toContainEqual(expect.stringMatching(/number 1005 \(extension 1005\) dialled from \[pbx-internal\] reaches /));
  });
});
