import { describe, expect, it } from 'vitest';
import { lintRendered } from '../../src/pbx/lint-rendered.js';
import { render } from '../../src/pbx/render/index.js';
import { smallSnapshot } from '../pbx/fixtures/snapshots.js';

/** The lines of one context of extensions.conf. */
function contextLines(conf: string, name: string): string[] {
  const start = conf.indexOf(`[${name}]\n`);
  expect(start, `[${name}] rendered`).toBeGreaterThanOrEqual(0);
  const end = conf.indexOf('\n[', start + 1);
  return conf.slice(start, end < 0 ? undefined : end).split('\n');
}

describe('call forwarding in the dialplan (F-4.5.1, F-4.7.j)', () => {
  it('renders the codes as configured: on with the number after the code into its family, off removing it', () => {
    const snapshot = smallSnapshot();
    snapshot.featureCodes = { ...snapshot.featureCodes, cfBusyOn: '*92', cfBusyOff: '*092' };
    const result = render(snapshot);
    expect(lintRendered(result)).toEqual([]);
    const codes = contextLines(result.files.get('extensions.conf')!, 'pbx-feature-codes').join('\n');
    expect(codes).toContain('exten => _*92X.,1,Answer()\n same => n,Set(DB(CFB/${CHANNEL(endpoint)})=${FILTER(0-9,${EXTEN:3})})');
    expect(codes).toContain('exten => *092,1,Answer()\n same => n,Set(DELETED=${DB_DELETE(CFB/${CHANNEL(endpoint)})})');
    expect(codes).not.toMatch(/_\*72X\./);
  });

  it('checks DND first, then the always forward before looking for contacts; busy and unanswered after Dial; the forward goes out through the endpoint’s own context', () => {
    const lines = contextLines(render(smallSnapshot()).files.get('extensions.conf')!, 'pbx-dial-extension');
    const at = (pattern: RegExp) => {
      const index = lines.findIndex((l) => pattern.test(l));
      expect(index, String(pattern)).toBeGreaterThan(0);
      return index;
    };
    const dnd = at(/DB_EXISTS\(DND\/\$\{ARG1\}\)/);
    const always = at(/DB_EXISTS\(CF\/\$\{ARG1\}\)\}\]\?forward/);
    const contacts = at(/PJSIP_DIAL_CONTACTS/);
    const dial = at(/,Dial\(/);
    const busy = at(/"\$\{DIALSTATUS\}" = "BUSY" & \$\{PBX_FWD_OK\} & \$\{DB_EXISTS\(CFB\/\$\{ARG1\}\)\}\]\?forward/);
    const noAnswer = at(/"\$\{DIALSTATUS\}" = "NOANSWER" & \$\{PBX_FWD_OK\} & \$\{DB_EXISTS\(CFU\/\$\{ARG1\}\)\}\]\?forward/);
    expect(dnd < always && always < contacts && contacts < dial && dial < busy && busy < noAnswer).toBe(true);
    expect(lines[at(/PBX_FWD_OK=/)]).toContain('$[0${PBX_FWD_HOPS} < 5]');
    const forward = at(/\(forward\)/);
    expect(lines.slice(forward, forward + 10).join('\n')).toMatch(
      /PJSIP_ENDPOINT\(\$\{ARG1\},context\)[\s\S]*DIALPLAN_EXISTS\(\$\{PBX_FWD_CONTEXT\},\$\{PBX_FWD\},1\)[\s\S]*Goto\(\$\{PBX_FWD_BACK\}\)/,
    );
  });
});
