import { describe, expect, it } from 'vitest';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render } from '../../../src/pbx/render/index.js';
import { pbxSchema, type PbxSettings } from '../../../src/settings/schemas.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

/** Every field of PbxSettings (F-4.6.1) changes the rendered configuration it names; each render still passes the dialplan check. */
function renderWith(pbx: Partial<PbxSettings>) {
  const snapshot = smallSnapshot();
  snapshot.settings.pbx = { ...snapshot.settings.pbx, ...pbx };
  const result = render(snapshot);
  expect(lintRendered(result)).toEqual([]);
  const dialplan = result.files.get('extensions.conf')!;
  const sub = (name: string) => dialplan.slice(dialplan.indexOf(`[${name}]`)).split('\n\n')[0]!;
  return { result, dialplan, dialExtension: sub('pbx-dial-extension'), voicemailContext: sub('pbx-voicemail'), voicemailConf: result.files.get('voicemail.conf')! };
}

describe('PbxSettings reach the configuration, field by field', () => {
  it('offers only fields that do something', () => {
    expect(Object.keys(pbxSchema.shape).sort()).toEqual([
      'blockAnonymous',
      'globalRingSeconds',
      'jitterBuffer',
      'operatorExtension',
      'pressZeroToOperator',
      'ringbackMusic',
      'ringbackMusicClass',
      'timezone',
    ]);
  });

  it('globalRingSeconds: the ring time of calls to extensions', () => {
    const rendered = renderWith({ globalRingSeconds: 45 });
    expect(rendered.dialplan).toContain('[globals]\nPBX_RINGTIME=45\n');
    expect(rendered.dialExtension).toContain('Set(RINGTIME=${IF($["${PBX_RINGTIME_FOR}" = ""]?${PBX_RINGTIME}:${PBX_RINGTIME_FOR})})');
  });

  it('ringbackMusic and ringbackMusicClass: Dial plays that music class instead of ringback', () => {
    // The options end with the pre-dial handler that sends the route's ring tone (Alert-Info), when there is one.
    const alertInfo = '${IF($["${PBX_ALERT_INFO}" = ""]?:b(pbx-alert-info^s^1(${PBX_ALERT_INFO})))}';
    expect(renderWith({}).dialExtension).toContain(`Dial(\${CONTACTS},\${RINGTIME},tT${alertInfo})`);
    expect(renderWith({ ringbackMusic: true, ringbackMusicClass: 'jazz' }).dialExtension).toContain(`Dial(\${CONTACTS},\${RINGTIME},tTm(jazz)${alertInfo})`);
  });

  it('blockAnonymous: a call without a caller ID is rejected before anything rings', () => {
    expect(renderWith({}).dialExtension).not.toContain('anonymous');
    const on = renderWith({ blockAnonymous: true }).dialExtension;
    expect(on).toContain('GotoIf($["${CALLERID(num)}" = "" | "${CALLERID(num)}" = "anonymous"]?anonymous)');
    expect(on).toContain('same => n(anonymous),Playback(privacy-unident)\n same => n,Hangup(21)');
    expect(on.indexOf('?anonymous)')).toBeLessThan(on.indexOf('Dial('));
  });

  it('jitterBuffer: an adaptive jitter buffer on the caller', () => {
    expect(renderWith({}).dialExtension).not.toContain('JITTERBUFFER');
    expect(renderWith({ jitterBuffer: true }).dialExtension).toContain('Set(JITTERBUFFER(adaptive)=default)');
  });

  it('pressZeroToOperator and operatorExtension: 0 in voicemail and, with voicemail off, after the prompt reaches the operator', () => {
    const off = renderWith({ operatorExtension: '100' });
    expect(off.voicemailConf).toContain('operator=no');
    expect(off.dialExtension).not.toContain('exten => o,');
    const on = renderWith({ pressZeroToOperator: true, operatorExtension: '101' });
    expect(on.voicemailConf).toContain('operator=yes');
    // 0 is offered only while the operator exists and is enabled: looked up when the caller would be offered it.
    const operatorOn = '${REALTIME_FIELD(pbx_extension,number,101,enabled)}';
    expect(on.dialExtension).toContain(
      `GotoIf($["${operatorOn}" != "1"]?no-operator)\n same => n,Read(PRESSED,vm-reachoper,1,,2,5)\n same => n,GotoIf($["\${PRESSED}" = "0"]?pbx-extensions,101,1)\n same => n(no-operator),Return()`,
    );
    // app_voicemail offers 0 only where the context has `o`: the message is left in pbx-voicemail-operator while the operator can take the call.
    expect(on.dialExtension).toContain(`n(vm-unavailable),GotoIf($["${operatorOn}" = "1"]?pbx-voicemail-operator,\${ARG1},1)\n same => n,VoiceMail(\${ARG1}@default,u)`);
    expect(on.dialExtension).toContain(`n(vm-busy),GotoIf($["${operatorOn}" = "1"]?pbx-voicemail-operator,\${ARG1},busy)\n same => n,VoiceMail(\${ARG1}@default,b)`);
    expect(on.voicemailContext).toContain(`GotoIf($["${operatorOn}" = "1"]?pbx-voicemail-operator,\${EXTEN},1)\n same => n,VoiceMail(\${EXTEN}@default,u)`);
    expect(on.dialplan).toContain(
      '[pbx-voicemail-operator]\nexten => _X.,1,VoiceMail(${EXTEN}@default,u)\n same => n,Hangup()\n same => n(busy),VoiceMail(${EXTEN}@default,b)\n same => n,Hangup()\nexten => o,1,Goto(pbx-extensions,101,1)\n',
    );
    for (const text of [on.dialExtension, on.voicemailContext, off.dialExtension, off.voicemailContext]) expect(text).not.toContain('exten => o,');
    expect(off.dialplan).not.toContain('pbx-voicemail-operator');
    // An operator that is disabled (103), or gone: the same lines, the lookup says no when a call comes; the apply report says why.
    const missing = renderWith({ pressZeroToOperator: true, operatorExtension: '103' });
    // voicemail.conf follows the setting alone; app_voicemail offers 0 only where the dialplan has `o`.
    expect(missing.voicemailConf).toContain('operator=yes');
    expect(missing.voicemailContext).not.toContain('exten => o,');
    const snapshot = smallSnapshot();
    snapshot.settings.pbx = { ...snapshot.settings.pbx, pressZeroToOperator: true, operatorExtension: '103' };
    snapshot.extensions = snapshot.extensions.map((e) => (e.number === '103' ? { ...e, enabled: true } : e));
    expect(render(snapshot).files.get('extensions.conf')).toBe(missing.dialplan);
    expect(missing.result.lookups.get('pbx_extension')!.find((r) => r.number === '103')!.enabled).toBe('0');
    expect(missing.result.warnings.join()).toContain('operator extension 103 does not exist or is disabled');
  });
});
