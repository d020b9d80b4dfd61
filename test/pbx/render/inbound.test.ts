import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { domains } from '../../../src/domains/index.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { parseDialplan } from '../../../src/pbx/lint/index.js';
import { render, RenderError, type PbxSnapshot } from '../../../src/pbx/render/index.js';
import { iaxDefaults, sipDefaults } from '../../../src/trunks/fields.js';
import type { SnapshotIaxTrunk, SnapshotSipTrunk } from '../../../src/trunks/snapshot.js';
import { readAsteriskConfig } from '../../support/asterisk-config-reader.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

const sip = (name: string, fields: Partial<SnapshotSipTrunk> = {}): SnapshotSipTrunk => ({
  ...sipDefaults,
  id: `t-${name}`,
  name,
  kind: 'SIP',
  serverHost: 'sip.provider.example',
  username: '4930123456',
  password: 'Provider-secret1',
  ...fields,
});
const iax = (name: string, fields: Partial<SnapshotIaxTrunk> = {}): SnapshotIaxTrunk => ({
  ...iaxDefaults,
  id: `t-${name}`,
  name,
  kind: 'IAX',
  serverHost: 'pbx.hq.example',
  username: 'branch1',
  ...fields,
});

const provider = sip('ITSP-1', { contactUser: '4930123456' });
const hq = iax('hq');

/** The small PBX with a provider (SIP), an IAX link to headquarters, a trunk route and two DID routes. */
function routed(fields: Partial<PbxSnapshot> = {}, pbx: Partial<PbxSnapshot['settings']['pbx']> = {}): PbxSnapshot {
  const base = smallSnapshot();
  return {
    ...base,
    trunks: [provider, hq],
    inboundRoutes: [{ trunkId: provider.id, alertInfo: 'ring-trunk', destination: { type: 'DEPARTMENT', number: '0400' } }],
    didRoutes: [
      { id: 'did-1', did: '+4930123457', alertInfo: 'vip.1', destination: { type: 'EXTENSION', number: '101' } },
      { id: 'did-2', did: '4930123458', alertInfo: '', destination: { type: 'VOICEMAIL', number: '100', parameters: { greeting: 'BUSY' } } },
    ],
    ...fields,
    settings: { ...base.settings, pbx: { ...base.settings.pbx, blockAnonymous: true, ...pbx } },
  };
}

/** The text of one context of extensions.conf, from its header to the next. */
function contextText(dialplan: string, name: string): string | undefined {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) return undefined;
  const next = dialplan.indexOf('\n[', start + 1);
  return dialplan.slice(start, next < 0 ? undefined : next + 1);
}

/** The applications of one extension of a context, in priority order. */
function steps(dialplan: string, context: string, exten: string): string[] {
  const parsed = parseDialplan(new Map([['extensions.conf', dialplan]]));
  const extension = parsed.contexts.get(context)?.extensions.find((e) => e.name === exten);
  return extension ? extension.steps.map((s) => `${s.label ? `(${s.label})` : ''}${s.app}(${s.args})`) : [];
}

describe('inbound routing: the inbound context of a client-mode trunk (F-4.2.4, F-4.2.5)', () => {
  it('sets PBX_TRUNK and PBX_DID, runs blacklist → anonymous → office pause → DID route, then the trunk route', () => {
    const result = render(routed());
    const dialplan = result.files.get('extensions.conf')!;
    const mine = ['pbx-inbound-ITSP-1', 'pbx-inbound-hq', 'pbx-inbound-anonymous', 'pbx-did-routes'].map((c) => contextText(dialplan, c)!);
    expectGolden(goldenDir, 'inbound', new Map([['inbound-contexts.conf', mine.join('\n')]]));
    expect(lintRendered(result)).toEqual([]);
    expect(result.warnings.filter((w) => /inbound/.test(w))).toEqual([]);

    const s = steps(dialplan, 'pbx-inbound-ITSP-1', 's');
    const at = (text: string) => s.findIndex((step) => step.includes(text));
    const order = [
      '__PBX_DID=',
      '(route)Set(__PBX_TRUNK=ITSP-1)',
      'Gosub(pbx-inbound-blacklist,s,1)',
      'Gosub(pbx-inbound-anonymous,s,1)',
      'Gosub(pbx-office-pause,s,1)',
      'GosubIf($[${DIALPLAN_EXISTS(pbx-did-routes,${PBX_DID},1)}]?pbx-did-routes,${PBX_DID},alert)',
      'GotoIf($[${DIALPLAN_EXISTS(pbx-did-routes,${PBX_DID},1)}]?pbx-did-routes,${PBX_DID},1)',
      'Set(__PBX_ALERT_INFO=ring-trunk)',
      'Goto(pbx-departments,0400,1)',
    ].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(s.at(-1)).toBe('Goto(pbx-departments,0400,1)');

    // The endpoint's and the IAX2 friend's calls start there.
    const endpoint = readAsteriskConfig(result.files.get('pjsip.conf')!).filter((v) => v.category === 'ITSP-1' && v.name === 'context');
    expect(endpoint.map((v) => v.value)).toEqual(['pbx-inbound-ITSP-1']);
    expect(readAsteriskConfig(result.files.get('iax.conf')!).find((v) => v.category === 'hq' && v.name === 'context')?.value).toBe('pbx-inbound-hq');
  });

  it('SIP: the DID is the Request-URI user, or the To user when the Request-URI names the registered contact', () => {
    const dialplan = render(routed()).files.get('extensions.conf')!;
    expect(steps(dialplan, 'pbx-inbound-ITSP-1', '_X!')).toEqual(['Set(PBX_RURI=${EXTEN})', 'Goto(s,ruri)']);
    expect(steps(dialplan, 'pbx-inbound-ITSP-1', '_+X!')).toEqual(['Set(PBX_RURI=${EXTEN})', 'Goto(s,ruri)']);
    // A user that is no number (`s`, a named contact user) takes the To header's user, cut without evaluating it.
    expect(steps(dialplan, 'pbx-inbound-ITSP-1', '_[A-Za-z].')).toEqual(['Goto(s,1)']);
    const s = steps(dialplan, 'pbx-inbound-ITSP-1', 's');
    expect(s.slice(0, 7)).toEqual([
      'Set(PBX_TO=${PJSIP_HEADER(read,To)})',
      'Set(PBX_TO=${CUT(PBX_TO,<,${FIELDQTY(PBX_TO,<)})})',
      'Set(PBX_TO=${CUT(PBX_TO,>,1)})',
      'Set(PBX_TO=${CUT(PBX_TO,@,1)})',
      'Set(PBX_TO=${CUT(PBX_TO,:,2)})',
      // (`\;` in the file: a `;` that is no comment)
      'Set(__PBX_DID=${FILTER(0123456789+,${CUT(PBX_TO,;,1)})})',
      'Goto(route)',
    ]);
    // The numeric contact user in the Request-URI is the contact, not a DID: back to the To header.
    expect(s[7]).toBe('(ruri)GotoIf($["${PBX_RURI}" = "4930123456"]?1)');
    expect(s[8]).toBe('Set(__PBX_DID=${FILTER(0123456789+,${PBX_RURI})})');
    // Without a contact user, the Request-URI user is the DID.
    const plain = render(routed({ trunks: [sip('ITSP-1')] })).files.get('extensions.conf')!;
    expect(steps(plain, 'pbx-inbound-ITSP-1', 's')[7]).toBe('(ruri)Set(__PBX_DID=${FILTER(0123456789+,${PBX_RURI})})');
  });

  it('IAX: the DID is the called number', () => {
    const dialplan = render(routed()).files.get('extensions.conf')!;
    expect(steps(dialplan, 'pbx-inbound-hq', '_X!')).toEqual(['Set(PBX_RURI=${EXTEN})', 'Goto(s,ruri)']);
    expect(steps(dialplan, 'pbx-inbound-hq', 's').slice(0, 4)).toEqual(['Set(__PBX_DID=)', 'Goto(route)', '(ruri)Set(__PBX_DID=${FILTER(0123456789+,${PBX_RURI})})', '(route)Set(__PBX_TRUNK=hq)']);
  });

  it('a trunk without a route goes to the operator extension while it exists and is enabled (looked up per call), else the caller hears a refusal; the apply report says so', () => {
    const refusal = ['Answer()', 'Playback(ss-noservice)', 'Hangup()'];
    const toOperator = render(routed({ inboundRoutes: [] }));
    const dialplan = toOperator.files.get('extensions.conf')!;
    expect(steps(dialplan, 'pbx-inbound-ITSP-1', 's').slice(-4)).toEqual(['GotoIf($["${REALTIME_FIELD(pbx_extension,number,100,enabled)}" = "1"]?pbx-extensions,100,1)', ...refusal]);
    expect(toOperator.warnings.filter((w) => /inbound route/.test(w))).toEqual([]);
    expect(lintRendered(toOperator)).toEqual([]);

    // The operator (100) disabled: the dialplan stays as it is (the lookup says no), nobody takes the calls of either trunk.
    const base = routed({ inboundRoutes: [] });
    const refused = render({ ...base, extensions: base.extensions.map((e) => (e.number === '100' ? { ...e, enabled: false } : e)) });
    expect(refused.files.get('extensions.conf')).toBe(dialplan);
    expect(refused.lookups.get('pbx_extension')!.find((r) => r.number === '100')!.enabled).toBe('0');
    expect(refused.warnings.filter((w) => /inbound route/.test(w))).toEqual([
      'trunk ITSP-1 has no inbound route and the operator extension 100 does not exist or is disabled: its calls hear "not in service" and are hung up',
      'trunk hq has no inbound route and the operator extension 100 does not exist or is disabled: its calls hear "not in service" and are hung up',
    ]);

    // No operator set, or one whose number no extension can have: the refusal alone.
    for (const operatorExtension of ['', '12345']) {
      const none = render({ ...base, settings: { ...base.settings, pbx: { ...base.settings.pbx, operatorExtension } } });
      expect(steps(none.files.get('extensions.conf')!, 'pbx-inbound-hq', 's').slice(-4)).toEqual([
        'GotoIf($[${DIALPLAN_EXISTS(pbx-did-routes,${PBX_DID},1)}]?pbx-did-routes,${PBX_DID},1)',
        ...refusal,
      ]);
      expect(lintRendered(none)).toEqual([]);
    }
  });

  it('server-mode trunks keep their dial permission context and have no inbound context; a disabled trunk has none either', () => {
    const server = sip('branch', { mode: 'SERVER', serverHost: '', username: '' });
    const iaxServer = iax('branch2', { mode: 'SERVER', serverHost: '', username: '', password: 'Branch2-secret' });
    const result = render(
      routed({ trunks: [{ ...provider, enabled: false }, server, iaxServer], inboundRoutes: [{ trunkId: server.id, alertInfo: '', destination: { type: 'HANGUP', number: null } }] }),
    );
    const dialplan = result.files.get('extensions.conf')!;
    expect(dialplan).not.toMatch(/\[pbx-inbound-(ITSP-1|branch|branch2)\]/);
    expect(readAsteriskConfig(result.files.get('pjsip.conf')!).find((v) => v.category === 'branch' && v.name === 'context')?.value).toBe('pbx-permission-DialPlan1');
    expect(readAsteriskConfig(result.files.get('iax.conf')!).find((v) => v.category === 'branch2' && v.name === 'context')?.value).toBe('pbx-permission-DialPlan1');
    expect(result.warnings).toContain("trunk branch is in server mode: its calls start in its dial permission's context and its inbound route is not used");
    expect(lintRendered(result)).toEqual([]);
  });

  it('steps come from the registered domains, sorted by order; a switch that is off leaves its step out', () => {
    domains.register({ name: 'test-step', inboundSteps: [{ order: 35, context: 'pbx-test-step', description: 'test' }], dialplan: { contexts: () => ['[pbx-test-step]\nexten => s,1,Return()\n'] } });
    try {
      const s = steps(render(routed()).files.get('extensions.conf')!, 'pbx-inbound-ITSP-1', 's');
      const gosubs = s.filter((step) => /^Gosub(If)?\(/.test(step)).map((step) => /^Gosub(?:If)?\((?:\$\[.*\]\?)?([^,]+)/.exec(step)![1]);
      expect(gosubs).toEqual(['pbx-call-record-inbound', 'pbx-inbound-blacklist', 'pbx-inbound-anonymous', 'pbx-office-pause', 'pbx-test-step', 'pbx-did-routes']);
    } finally {
      domains.unregister('test-step');
    }
    const off = steps(render(routed({}, { blockAnonymous: false })).files.get('extensions.conf')!, 'pbx-inbound-ITSP-1', 's');
    expect(off.some((step) => step.includes('pbx-inbound-anonymous'))).toBe(false);
    // No DID routes: no DID step (the check would find nothing to jump to).
    const noDids = render(routed({ didRoutes: [] }));
    expect(steps(noDids.files.get('extensions.conf')!, 'pbx-inbound-ITSP-1', 's').some((step) => step.includes('pbx-did-routes'))).toBe(false);
    expect(lintRendered(noDids)).toEqual([]);
  });
});

describe('DID routes (F-4.2.5)', () => {
  it('each DID goes to its destination at priority 1 and sets its ring tone at `alert`; the check follows every DID to its destination', () => {
    const result = render(routed());
    const dialplan = result.files.get('extensions.conf')!;
    expect(steps(dialplan, 'pbx-did-routes', '+4930123457')).toEqual(['Goto(pbx-extensions,101,1)', '(alert)Set(__PBX_ALERT_INFO=vip.1)', 'Return()']);
    expect(steps(dialplan, 'pbx-did-routes', '4930123458')).toEqual(['Goto(pbx-voicemail,100,busy)', '(alert)Set(__PBX_ALERT_INFO=)', 'Return()']);
    expect(result.expectations.filter((e) => e.context === 'pbx-did-routes')).toEqual([
      { number: '+4930123457', context: 'pbx-did-routes', reaches: { context: 'pbx-extensions' }, owner: 'DID route +4930123457' },
      { number: '4930123458', context: 'pbx-did-routes', reaches: { context: 'pbx-voicemail' }, owner: 'DID route 4930123458' },
    ]);
    // A DID whose destination is gone is caught by the check.
    const broken = render(routed({ didRoutes: [{ id: 'x', did: '555', alertInfo: '', destination: { type: 'EXTENSION', number: '999' } }] }));
    expect(lintRendered(broken).map((i) => i.code)).toContain('UNKNOWN_TARGET');
  });

  it('a value that slipped past the field rules stops the render', () => {
    const bad = [
      { didRoutes: [{ id: 'x', did: '1,2', alertInfo: '', destination: { type: 'HANGUP', number: null } }] },
      { didRoutes: [{ id: 'x', did: '12', alertInfo: 'a;b', destination: { type: 'HANGUP', number: null } }] },
      { didRoutes: [{ id: 'x', did: '12', alertInfo: 'a)b', destination: { type: 'HANGUP', number: null } }] },
      { inboundRoutes: [{ trunkId: provider.id, alertInfo: 'x\nexten => 1,1,Dial(x)', destination: { type: 'HANGUP', number: null } }] },
    ];
    for (const fields of bad) expect(() => render(routed(fields)), JSON.stringify(fields)).toThrow(RenderError);
  });

  it('extensions rung after a route get its ring tone as Alert-Info, through the pre-dial handler', () => {
    const dialplan = render(routed()).files.get('extensions.conf')!;
    const dial = steps(dialplan, 'pbx-dial-extension', 's').find((s) => s.startsWith('Dial('));
    expect(dial).toBe('Dial(${CONTACTS},${RINGTIME},tT${IF($["${PBX_ALERT_INFO}" = ""]?:b(pbx-alert-info^s^1(${PBX_ALERT_INFO})))})');
    expect(steps(dialplan, 'pbx-alert-info', 's')[0]).toBe('Set(PJSIP_HEADER(add,Alert-Info)=<http://127.0.0.1/${ARG1}>;info=${ARG1})');
  });
});
