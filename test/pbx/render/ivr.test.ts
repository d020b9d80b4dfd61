import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SnapshotIvr } from '../../../src/ivr/snapshot.js';
import { lintDialplan } from '../../../src/pbx/lint/index.js';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const hangup = { type: 'HANGUP', number: null };

function ivr(id: string, number: string, name: string, fields: Partial<SnapshotIvr> = {}): SnapshotIvr {
  return {
    id,
    name,
    number,
    promptId: 'prompt-welcome',
    repeatCount: 3,
    allowDirectDial: true,
    directDialPermission: null,
    language: 'DEFAULT',
    digitTimeoutSeconds: 3,
    keys: [],
    noInput: hangup,
    invalid: hangup,
    ...fields,
  };
}

/**
 * The small PBX with three IVRs: a main menu (Chinese prompts afterwards,
 * keys to a department, an extension, an extension rung for 20 s, a busy
 * mailbox, an outside number, the sales menu, itself and hang-up; an invalid
 * key plays it again), a sales menu with direct dial under a permission
 * without the IVR right that sends 0 back to the main menu (a cycle), and a
 * closed menu without direct dial. Department 0403 sends unanswered calls
 * to the main menu.
 */
function ivrSnapshot(): PbxSnapshot {
  const snapshot = smallSnapshot();
  snapshot.connection = { ...snapshot.connection, soundsDir: '/var/lib/pbx/sounds' };
  snapshot.prompts = [
    { id: 'prompt-welcome', name: 'welcome', category: 'IVR' },
    { id: 'prompt-sales', name: 'sales-menu', category: 'IVR' },
  ];
  snapshot.dialPermissions = [...snapshot.dialPermissions, { id: 'perm-lobby', name: 'Lobby', builtIn: false, withheldRights: ['allowIvr', 'allowDepartments'], dialRules: [] }];
  const toMain = { type: 'IVR', number: '0600', targetId: 'main' };
  snapshot.ivrs = [
    ivr('main', '0600', 'Main menu', {
      language: 'zh_CN',
      keys: [
        { key: 'KEY_0', destination: { type: 'EXTERNAL_NUMBER', number: '+4930123456' } },
        { key: 'KEY_1', destination: { type: 'DEPARTMENT', number: '0400' } },
        { key: 'KEY_2', destination: { type: 'EXTENSION', number: '101' } },
        { key: 'KEY_3', destination: { type: 'EXTENSION', number: '101', parameters: { ringTimeSeconds: 20 } } },
        { key: 'KEY_4', destination: { type: 'VOICEMAIL', number: '100', parameters: { greeting: 'BUSY' } } },
        { key: 'KEY_9', destination: { type: 'IVR', number: '0601', targetId: 'sales' } },
        { key: 'KEY_STAR', destination: toMain },
        { key: 'KEY_HASH', destination: hangup },
      ],
      noInput: { type: 'DEPARTMENT', number: '0401' },
      invalid: toMain,
    }),
    ivr('sales', '0601', 'Sales', {
      promptId: 'prompt-sales',
      repeatCount: 1,
      directDialPermission: 'Lobby',
      digitTimeoutSeconds: 5,
      keys: [{ key: 'KEY_0', destination: toMain }],
      noInput: { type: 'VOICEMAIL', number: '100', parameters: { greeting: 'UNAVAILABLE' } },
    }),
    ivr('closed', '0602', 'Closed', { repeatCount: 2, allowDirectDial: false }),
  ];
  snapshot.departments = snapshot.departments.map((d) => (d.number === '0403' ? { ...d, noAnswer: toMain } : d));
  return snapshot;
}

/** The text of one context of extensions.conf, from its header to the blank line that ends it. */
function contextText(dialplan: string, name: string): string {
  const start = dialplan.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no context ${name}`);
  const end = dialplan.indexOf('\n\n', start);
  return dialplan.slice(start, end + 1);
}

describe('IVR menus in the dialplan (F-4.2.1)', () => {
  const result = render(ivrSnapshot());
  const dialplan = result.files.get('extensions.conf')!;

  it('matches the golden file and passes the dialplan check', () => {
    const own = dialplan
      .split(/\n(?=\[)/)
      .filter((c) => /^\[pbx-ivrs?[\]-]/.test(c))
      .join('\n');
    expectGolden(goldenDir, 'ivr', new Map([['extensions.conf', own]]));
    expect(lintRendered(result)).toEqual([]);
  });

  it('the main menu: entry counted, answered, language and digit gap set, the prompt played three times, then no key; each key one extension going to its destination', () => {
    expect(contextText(dialplan, 'pbx-ivr-main')).toBe(
      [
        '[pbx-ivr-main]',
        '; IVR 0600 (Main menu)',
        'exten => s,1,Set(__PBX_IVR_ENTRIES=$[0${PBX_IVR_ENTRIES} + 1])',
        ' same => n,GotoIf($[${PBX_IVR_ENTRIES} > 20]?toomany,1)',
        ' same => n,Answer()',
        ' same => n,Set(CHANNEL(language)=zh_CN)',
        ' same => n,Set(TIMEOUT(digit)=3)',
        ' same => n,Set(PBX_IVR_PLAYS=0)',
        ' same => n(play),Set(PBX_IVR_PLAYS=$[${PBX_IVR_PLAYS} + 1])',
        ' same => n,Background(/var/lib/pbx/sounds/prompts/welcome)',
        // A timeout goes on to the next priority, here in our own `s`.
        ' same => n,WaitExten(5)',
        ' same => n,GotoIf($[${PBX_IVR_PLAYS} < 3]?play)',
        ' same => n,Goto(t,1)',
        'exten => toomany,1,NoOp(This call entered IVR menus more than 20 times)',
        ' same => n,Hangup()',
        'exten => 0,1,Goto(pbx-outbound,+4930123456,1)',
        'exten => 1,1,Goto(pbx-departments,0400,1)',
        'exten => 2,1,Goto(pbx-extensions,101,1)',
        'exten => 3,1,Gosub(pbx-extension-ring-time,s,1(101,20))',
        ' same => n,Hangup()',
        'exten => 4,1,Goto(pbx-voicemail,100,busy)',
        'exten => 9,1,Goto(pbx-ivr-sales,s,1)',
        'exten => *,1,Goto(pbx-ivr-main,s,1)',
        'exten => #,1,Hangup()',
        'exten => i,1,Goto(pbx-ivr-main,s,1)',
        'exten => t,1,Goto(pbx-departments,0401,1)',
        'include => pbx-extensions',
        '',
      ].join('\n'),
    );
  });

  it('one play: no play counter; direct dial through a permission includes its context; the default language is left alone', () => {
    const sales = contextText(dialplan, 'pbx-ivr-sales');
    expect(sales).not.toContain('CHANNEL(language)');
    expect(sales).not.toContain('PBX_IVR_PLAYS');
    expect(sales).toContain(' same => n,Set(TIMEOUT(digit)=5)\n same => n,Background(/var/lib/pbx/sounds/prompts/sales-menu)\n same => n,WaitExten(5)\n same => n,Goto(t,1)\n');
    expect(sales).toContain('include => pbx-permission-Lobby\n');
    expect(sales).toContain('exten => t,1,Goto(pbx-voicemail,100,1)');
  });

  it('without direct dial nothing is included; no key and an invalid key hang up by default', () => {
    const closed = contextText(dialplan, 'pbx-ivr-closed');
    expect(closed).not.toContain('include');
    expect(closed).toContain(' same => n,GotoIf($[${PBX_IVR_PLAYS} < 2]?play)\n');
    expect(closed).toContain('exten => i,1,Hangup()\nexten => t,1,Hangup()\n');
  });

  it('the numbers: pbx-internal and permissions with the IVR right reach them; a department sends unanswered calls to a menu', () => {
    expect(contextText(dialplan, 'pbx-ivrs')).toBe('[pbx-ivrs]\nexten => 0600,1,Goto(pbx-ivr-main,s,1)\nexten => 0601,1,Goto(pbx-ivr-sales,s,1)\nexten => 0602,1,Goto(pbx-ivr-closed,s,1)\n');
    expect(contextText(dialplan, 'pbx-internal')).toContain('include => pbx-ivrs\n');
    expect(contextText(dialplan, 'pbx-permission-DialPlan1')).toContain('include => pbx-ivrs\n');
    expect(contextText(dialplan, 'pbx-permission-Lobby')).not.toContain('pbx-ivrs');
    expect(contextText(dialplan, 'pbx-department-0403')).toContain(' same => n,Goto(pbx-ivr-main,s,1)\n');
  });

  it('the check is told every event and a direct-dial sample', () => {
    const own = result.expectations.filter((e) => e.owner.startsWith('IVR 0600'));
    expect(own).toContainEqual({ number: '0600', context: 'pbx-internal', reaches: { context: 'pbx-ivr-main' }, owner: 'IVR 0600 (Main menu)' });
    expect(own).toContainEqual({ number: '0600', context: 'pbx-permission-DialPlan1', reaches: { context: 'pbx-ivr-main' }, owner: 'IVR 0600 (Main menu), in dial permission DialPlan1' });
    expect(own).toContainEqual({ number: '3', context: 'pbx-ivr-main', reaches: { step: 'Gosub(pbx-extension-ring-time,s,1(101,20))' }, owner: 'IVR 0600 (Main menu), key 3' });
    expect(own).toContainEqual({ number: '#', context: 'pbx-ivr-main', reaches: { step: 'Hangup()' }, owner: 'IVR 0600 (Main menu), key #' });
    expect(own).toContainEqual({ number: 't', context: 'pbx-ivr-main', reaches: { step: 'Goto(pbx-departments,0401,1)' }, owner: 'IVR 0600 (Main menu), no key' });
    expect(own).toContainEqual({ number: 'i', context: 'pbx-ivr-main', reaches: { step: 'Goto(pbx-ivr-main,s,1)' }, owner: 'IVR 0600 (Main menu), an invalid key' });
    expect(own).toContainEqual({ number: '100', context: 'pbx-ivr-main', reaches: { context: 'pbx-dial-extension' }, owner: 'IVR 0600 (Main menu), direct dial of extension 100' });
    // 8 keys, `i` and `t`, the number from pbx-internal and from DialPlan1, and the direct-dial sample.
    expect(own).toHaveLength(13);
    // The closed menu lets no one dial directly: no sample.
    expect(result.expectations.filter((e) => e.owner.startsWith('IVR 0602') && e.owner.includes('direct dial'))).toEqual([]);
  });
});

describe('the dialplan check catches a menu rendered wrong (D4)', () => {
  const result = render(ivrSnapshot());
  const dialplan = result.files.get('extensions.conf')!;
  const check = (text: string) => lintDialplan(new Map([['extensions.conf', text]]), result.expectations, result.lookups).filter((i) => i.code === 'UNREACHABLE_NUMBER');
  /** The messages without the `file:line [context]: ` that starts them. */
  const texts = (issues: { message: string }[]) => issues.map((i) => i.message.replace(/^[^ ]+ (\[[^\]]+\])?: /, ''));
  const replace = (from: string, to: string) => {
    expect(dialplan).toContain(from);
    return dialplan.replace(from, to);
  };

  it('a key sent to the wrong place, nowhere, or missing', () => {
    expect(check(dialplan)).toEqual([]);
    const wrong = check(replace('exten => 1,1,Goto(pbx-departments,0400,1)', 'exten => 1,1,Goto(pbx-departments,0401,1)'));
    expect(texts(wrong)).toEqual([
      'number 1 (IVR 0600 (Main menu), key 1) dialled from [pbx-ivr-main] reaches Set at ' +
        `${wrong[0]!.file}:${wrong[0]!.line} [pbx-department-0401] exten s priority 1 (via 1@pbx-ivr-main → 0401@pbx-departments → s@pbx-department-0401), expected step Goto(pbx-departments,0400,1)`,
    ]);
    const nowhere = check(replace('exten => 2,1,Goto(pbx-extensions,101,1)', 'exten => 2,1,NoOp(key 2)'));
    expect(nowhere.map((i) => i.message)).toContain(
      `${nowhere[0]!.file}:${nowhere[0]!.line} [pbx-ivr-main]: number 2 (IVR 0600 (Main menu), key 2) dialled from [pbx-ivr-main] reaches NoOp at ${nowhere[0]!.file}:${nowhere[0]!.line} [pbx-ivr-main] exten 2 priority 1, expected step Goto(pbx-extensions,101,1)`,
    );
    const missing = check(replace('exten => 9,1,Goto(pbx-ivr-sales,s,1)\n', ''));
    expect(missing.map((i) => i.message)).toContain(
      `${missing[0]!.file}:${missing[0]!.line} [pbx-ivr-main]: number 9 (IVR 0600 (Main menu), key 9) dialled from [pbx-ivr-main] matches no extension with a priority 1 in [pbx-ivr-main] or the contexts it includes`,
    );
  });

  it('the right step whose target is gone, and a timeout that replays forever', () => {
    const at = (issues: { extension?: string; file: string; line: number }[], key: string) => {
      const issue = issues.find((i) => i.extension === key)!;
      return `${issue.file}:${issue.line}`;
    };
    const gone = check(replace('exten => 0601,1,Goto(pbx-ivr-sales,s,1)\n', '').replace('[pbx-ivr-sales]\n', '[pbx-ivr-sales-renamed]\n'));
    expect(texts(gone)).toContain(`number 9 (IVR 0600 (Main menu), key 9) dialled from [pbx-ivr-main] reaches Goto(pbx-ivr-sales,s,1) at ${at(gone, '9')}, but context pbx-ivr-sales does not exist`);
    // The step is right, but the label it jumps to is gone.
    const busyGreeting = ' same => n(busy),Set(HASH(PBX_EXT)=${REALTIME_HASH(pbx_extension,number,${EXTEN})})';
    const noLabel = check(replace(busyGreeting, busyGreeting.replace('(busy)', '')));
    expect(texts(noLabel)).toEqual([
      `number 4 (IVR 0600 (Main menu), key 4) dialled from [pbx-ivr-main] reaches Goto(pbx-voicemail,100,busy) at ${at(noLabel, '4')}, but in [pbx-voicemail] 100 has no label busy`,
    ]);
    const replays = check(replace('exten => t,1,Goto(pbx-departments,0401,1)', 'exten => t,1,Goto(pbx-ivr-main,s,play)'));
    expect(texts(replays)).toEqual([expect.stringMatching(/^number t \(IVR 0600 \(Main menu\), no key\) dialled from \[pbx-ivr-main\] .*expected step Goto\(pbx-departments,0401,1\)$/)]);
  });
});

describe('what cannot be rendered', () => {
  it('a prompt that is not in the sound library, or no sound folder, stops the render', () => {
    const missing = ivrSnapshot();
    missing.prompts = missing.prompts!.filter((p) => p.id !== 'prompt-sales');
    expect(() => render(missing)).toThrow(new RenderError('prompt prompt-sales is not in the sound library'));
    const noFolder = ivrSnapshot();
    noFolder.connection = { ...noFolder.connection, soundsDir: undefined };
    expect(() => render(noFolder)).toThrow(RenderError);
    const ampersand = ivrSnapshot();
    ampersand.connection = { ...ampersand.connection, soundsDir: '/srv/a&b' };
    expect(() => render(ampersand)).toThrow(/Background\(\) would split on/);
  });

  it('a snapshot without IVRs renders an empty number context and nothing else', () => {
    const plain = render(smallSnapshot()).files.get('extensions.conf')!;
    expect(plain).toContain('\n[pbx-ivrs]\n');
    expect(plain).not.toContain('[pbx-ivrs]\nexten');
    expect(plain).not.toContain('[pbx-ivr-');
  });
});
