import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { domains } from '../../../src/domains/index.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render } from '../../../src/pbx/render/index.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** The text of one context of extensions.conf, from its header to the blank line that ends it. */
function contextText(dialplan: string, name: string): string {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n\n', start);
  return dialplan.slice(start, end + 1);
}

describe('render: office pause (F-4.2.4.a) and its codes (F-4.7.l)', () => {
  it('goes to the destination while Custom:officepause is INUSE, else returns; *81/*081 set it, with a BLF hint', () => {
    const snapshot = smallSnapshot();
    snapshot.officePause = { destination: { type: 'DEPARTMENT', number: '0401' } };
    const result = render(snapshot);
    const dialplan = result.files.get('extensions.conf')!;
    const inbound = contextText(dialplan, 'pbx-office-pause');
    const codes = contextText(dialplan, 'pbx-office-pause-codes');
    expectGolden(goldenDir, 'office-pause', new Map([['office-pause-contexts.conf', `${inbound}\n${codes}`]]));
    expect(inbound).toContain('exten => s,1,GotoIf($["${DEVICE_STATE(Custom:officepause)}" = "INUSE"]?on)\n same => n,Return()\n same => n(on),Goto(pbx-departments,0401,1)');
    expect(codes).toContain('exten => *81,hint,Custom:officepause');
    expect(codes).toContain('exten => officepause,hint,Custom:officepause');
    expect(codes).toContain('exten => *81,1,Answer()\n same => n,Set(DEVICE_STATE(Custom:officepause)=INUSE)\n same => n,Playback(activated)');
    expect(codes).toContain('exten => *081,1,Answer()\n same => n,Set(DEVICE_STATE(Custom:officepause)=NOT_INUSE)\n same => n,Playback(de-activated)');
    // Phones reach the codes by the right allowFeatureCodes: pbx-internal and DialPlan1 include them.
    expect(contextText(dialplan, 'pbx-internal')).toContain('include => pbx-office-pause-codes');
    expect(contextText(dialplan, 'pbx-permission-DialPlan1')).toContain('include => pbx-office-pause-codes');
    expect(lintRendered(result)).toEqual([]);
  });

  it('without a destination *81 plays an error and changes nothing, and the inbound step always returns', () => {
    const snapshot = smallSnapshot();
    snapshot.officePause = { destination: null };
    const result = render(snapshot);
    const dialplan = result.files.get('extensions.conf')!;
    expect(contextText(dialplan, 'pbx-office-pause-codes')).toContain('exten => *81,1,Answer()\n same => n,Playback(beeperr)\n same => n,Hangup()');
    expect(contextText(dialplan, 'pbx-office-pause-codes')).not.toContain('=INUSE)');
    expect(contextText(dialplan, 'pbx-office-pause')).toContain(' same => n(on),Return()');
    expect(lintRendered(result)).toEqual([]);
  });

  it('follows changed codes, and a permission without allowFeatureCodes does not include them', () => {
    const snapshot = smallSnapshot();
    snapshot.featureCodes = { ...snapshot.featureCodes, officePauseOn: '*82', officePauseOff: '*082' };
    snapshot.extensions[1] = { ...snapshot.extensions[1]!, dialPermission: 'NoCodes' };
    snapshot.dialPermissions.push({ id: 'perm-nocodes', name: 'NoCodes', builtIn: false, withheldRights: ['allowFeatureCodes'], dialRules: [] });
    const result = render(snapshot);
    const dialplan = result.files.get('extensions.conf')!;
    expect(contextText(dialplan, 'pbx-office-pause-codes')).toContain('exten => *82,hint,Custom:officepause\nexten => *82,1,Answer()');
    expect(contextText(dialplan, 'pbx-office-pause-codes')).toContain('exten => *082,1,Answer()');
    expect(contextText(dialplan, 'pbx-permission-NoCodes')).not.toContain('pbx-office-pause-codes');
    expect(result.expectations).toEqual(expect.arrayContaining([expect.objectContaining({ number: '*82', owner: 'feature code officePauseOn' })]));
    expect(lintRendered(result)).toEqual([]);
  });

  it('the dialplan check catches a code that does not reach its feature', () => {
    const snapshot = smallSnapshot();
    const result = render(snapshot);
    const broken = new Map(result.files);
    broken.set('extensions.conf', result.files.get('extensions.conf')!.replace('exten => *081,1,Answer()', 'exten => *0810,1,Answer()'));
    expect(
      lintRendered({ ...result, files: broken })
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(/\*081/);
  });

  it('is an inbound step at order 30 and its codes are marked as working', async () => {
    expect(domains.domains.flatMap((d) => d.inboundSteps ?? [])).toContainEqual({
      order: 30,
      context: 'pbx-office-pause',
      description: 'while office pause is on, every inbound call goes to its destination',
    });
    const { featureCodeSpec } = await import('../../../src/feature-codes/table.js');
    expect(featureCodeSpec.get('officePauseOn')?.rendered).toBe(true);
    expect(featureCodeSpec.get('officePauseOff')?.rendered).toBe(true);
  });

  it('ari.conf names PBX_TRUNK, PBX_DID and the linkedid as channelvars, so channel listings carry them', () => {
    const ari = render(smallSnapshot()).files.get('ari.conf')!;
    expect(ari).toMatch(/\[general\]\nenabled=yes\npretty=no\nchannelvars=PBX_TRUNK,PBX_DID,CHANNEL\(linkedid\)\n/);
  });
});
