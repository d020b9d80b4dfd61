import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintRendered } from '../../../src/pbx/lint-rendered.js';
import { render, RenderError } from '../../../src/pbx/render/index.js';
import type { PbxSnapshot } from '../../../src/pbx/render/snapshot.js';
import { callerIdLabel } from '../../../src/queues/dialplan.js';
import type { SnapshotQueue } from '../../../src/queues/snapshot.js';
import { expectGolden } from '../../support/golden.js';
import { smallSnapshot } from '../fixtures/snapshots.js';
import { queueDefaults } from '../../../src/queues/service.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');

function queue(id: string, number: string, name: string, fields: Partial<SnapshotQueue> = {}): SnapshotQueue {
  return {
    id,
    name,
    number,
    ...queueDefaults,
    mohClassId: 'mohclassdefault',
    periodicAnnouncePromptId: null,
    staticAgents: [],
    dynamicAgents: [],
    failover: { type: 'HANGUP', number: null },
    ...fields,
  };
}

/**
 * The small PBX (extensions 100–102 enabled, 103 disabled) with three
 * queues: Sales (linear in member order, static 101, 100 and the disabled
 * 103, dynamic 102, every announcement, a custom periodic prompt, the
 * queue name before the caller ID, 5-minute max wait, no joining an empty
 * queue) failing over to the department; Support (the defaults, dynamic
 * 100 and 101, leaves when empty, music class "jazz") failing over to
 * Sales' queue; and Night (fewest calls, no agents) failing over to voicemail.
 */
function queueSnapshot(): PbxSnapshot {
  const snapshot = smallSnapshot();
  snapshot.connection = { ...snapshot.connection, soundsDir: '/var/lib/pbx/sounds' };
  snapshot.prompts = [
    { id: 'prompt-hold', name: 'hold-notice', category: 'CUSTOM' },
    { id: 'prompt-welcome', name: 'welcome', category: 'IVR' },
  ];
  snapshot.mohClasses = [
    { id: 'mohclassdefault', name: 'default', playMode: 'SEQUENTIAL', fileCount: 0 },
    { id: 'moh-jazz', name: 'jazz', playMode: 'RANDOM', fileCount: 3 },
  ];
  snapshot.queues = [
    queue('q1sales', '0300', 'Sales (EU)', {
      strategy: 'LINEAR',
      useMemberOrder: true,
      autofill: false,
      agentRingTimeoutSeconds: 20,
      autopause: 'ALL',
      wrapupSeconds: 10,
      reportHoldTime: true,
      maxCallers: 5,
      prefixQueueNameToCallerId: true,
      maxWaitSeconds: 300,
      joinEmpty: false,
      announceHoldTime: 'ONCE',
      announcePosition: true,
      announceFrequencySeconds: 60,
      periodicAnnounceFrequencySeconds: 45,
      periodicAnnouncePromptId: 'prompt-hold',
      staticAgents: ['101', '100', '103'],
      dynamicAgents: ['102'],
      failover: { type: 'DEPARTMENT', number: '0400' },
    }),
    queue('q2support', '0301', 'Support', {
      mohClassId: 'moh-jazz',
      joinEmpty: false,
      leaveWhenEmpty: true,
      // Announcement interval without anything to announce: rendered as off.
      announceFrequencySeconds: 30,
      dynamicAgents: ['100', '101'],
      failover: { type: 'QUEUE', number: '0300', targetId: 'q1sales' },
    }),
    queue('q3night', '0302', 'Night', { strategy: 'FEWEST_CALLS', failover: { type: 'VOICEMAIL', number: '100', parameters: { greeting: 'UNAVAILABLE' } } }),
  ];
  return snapshot;
}

const section = (text: string, name: string) => {
  const start = text.indexOf(`[${name}]\n`);
  if (start < 0) throw new Error(`no section ${name}`);
  const end = text.indexOf('\n[', start + 1);
  return text.slice(start, end < 0 ? undefined : end + 1);
};

describe('queues.conf and the queue dialplan (F-4.2.2, F-4.7.g)', () => {
  it('matches the golden files and passes the dialplan check', () => {
    const result = render(queueSnapshot());
    const dialplan = result.files.get('extensions.conf')!;
    const own = dialplan
      .split(/\n(?=\[)/)
      .filter((block) => /^\[pbx-queue/.test(block))
      .join('\n');
    expectGolden(
      goldenDir,
      'queues',
      new Map([
        ['queues.conf', result.files.get('queues.conf')!],
        ['extensions.conf', own],
      ]),
    );
    expect(lintRendered(result)).toEqual([]);
  });

  it('writes every field of the three tabs into the queue section', () => {
    const conf = render(queueSnapshot()).files.get('queues.conf')!;
    expect(section(conf, 'general')).toBe('[general]\npersistentmembers=yes\nautofill=yes\nshared_lastcall=yes\n\n');
    const sales = section(conf, 'queue-q1sales');
    for (const line of [
      'strategy=linear',
      'musicclass=default',
      'timeout=20',
      'ringinuse=no',
      'autofill=no',
      'autopause=all',
      'wrapuptime=10',
      'reportholdtime=yes',
      'maxlen=5',
      'joinempty=paused,penalty,unavailable,invalid',
      'announce-holdtime=once',
      'announce-position=yes',
      'announce-frequency=60',
      'periodic-announce=/var/lib/pbx/sounds/prompts/hold-notice',
      'periodic-announce-frequency=45',
    ]) {
      expect(sales).toContain(`${line}\n`);
    }
    // Member order: penalty = position; the disabled extension 103 is left out; the dynamic agent is not a member line.
    expect(sales.match(/^member=.*$/gm)).toEqual(['member=PJSIP/101,0,101', 'member=PJSIP/100,1,100']);
    expect(sales).not.toContain('leavewhenempty');
    const support = section(conf, 'queue-q2support');
    expect(support).toContain('musicclass=jazz\n');
    expect(support).toContain('leavewhenempty=paused,penalty,unavailable,invalid\n');
    expect(support).toContain('strategy=ringall\n');
    expect(support).toContain('announce-position=no\n');
    expect(support).toContain('announce-frequency=0\n');
    expect(support).not.toContain('member=');
    expect(support).not.toContain('periodic-announce=');
    expect(section(conf, 'queue-q3night')).toContain('strategy=fewestcalls\n');
  });

  it('enters the queue, prefixes the caller ID, waits at most maxWaitSeconds, then fails over', () => {
    const dialplan = render(queueSnapshot()).files.get('extensions.conf')!;
    expect(section(dialplan, 'pbx-internal')).toContain('include => pbx-queues\n');
    expect(section(dialplan, 'pbx-internal')).toContain('include => pbx-queue-agent-codes\n');
    expect(section(dialplan, 'pbx-queues')).toContain('exten => 0300,1,Goto(pbx-queue-0300,s,1)');
    const sales = section(dialplan, 'pbx-queue-0300');
    expect(sales).toContain('Set(CALLERID(name)=Sales EU:${CALLERID(name)})');
    expect(sales).toContain(' same => n,Queue(queue-q1sales,nt,,,300)\n same => n,Set(CALLERID(name)=${PBX_QUEUE_CIDNAME})\n same => n,Goto(pbx-departments,0400,1)');
    const support = section(dialplan, 'pbx-queue-0301');
    expect(support).toContain(' same => n,Queue(queue-q2support,nt)\n same => n,Goto(pbx-queue-0300,s,1)\n');
    expect(support).not.toContain('CALLERID(name)=');
    // Voicemail may come back (a Gosub): the queue hangs up after it.
    expect(section(dialplan, 'pbx-queue-0302')).toMatch(/Queue\(queue-q3night,nt\)\n same => n,.*VoiceMail.*\n same => n,Hangup\(\)\n$|Queue\(queue-q3night,nt\)\n same => n,(Goto|Gosub)\(.*\)\n/);
  });

  it('lets only the dynamic agents of a queue log in, with the penalty after its static agents', () => {
    const dialplan = render(queueSnapshot()).files.get('extensions.conf')!;
    const codes = section(dialplan, 'pbx-queue-agent-codes');
    expect(codes).toContain('exten => *620300,1,Gosub(pbx-queue-agent-login,s,1(queue-q1sales,0300,3))');
    expect(codes).toContain('exten => *620301,1,Gosub(pbx-queue-agent-login,s,1(queue-q2support,0301,0))');
    expect(codes).toContain('exten => *0620300,1,Gosub(pbx-queue-agent-logout,s,1(queue-q1sales))');
    expect(codes).toContain('exten => *95,1,Answer()\n same => n,Set(PBX_QAGENT=${CHANNEL(endpoint)})\n same => n,PauseQueueMember(,PJSIP/${PBX_QAGENT})');
    expect(codes).toContain('exten => *095,1,Answer()\n same => n,Set(PBX_QAGENT=${CHANNEL(endpoint)})\n same => n,UnpauseQueueMember(,PJSIP/${PBX_QAGENT})');
    expect(codes).toContain('exten => _*62X.,1,Answer()\n same => n,Playback(beeperr)');
    expect(section(dialplan, 'pbx-queue-dynamic-agents').match(/^exten => \S+?,/gm)).toEqual(['exten => 0300*102,', 'exten => 0301*100,', 'exten => 0301*101,']);
    expect(section(dialplan, 'pbx-queue-agent-login')).toContain('GotoIf(${DIALPLAN_EXISTS(pbx-queue-dynamic-agents,${ARG2}*${PBX_QAGENT},1)}?:refused)');
    expect(section(dialplan, 'pbx-queue-agent-login')).toContain('AddQueueMember(${ARG1},PJSIP/${PBX_QAGENT},${ARG3},,${PBX_QAGENT})');
  });

  it('follows changed feature codes', () => {
    const snapshot = queueSnapshot();
    snapshot.featureCodes = { ...snapshot.featureCodes, queueLogin: '*40', queueLogout: '*040', queuePause: '*41', queueUnpause: '*041' };
    const result = render(snapshot);
    const codes = section(result.files.get('extensions.conf')!, 'pbx-queue-agent-codes');
    expect(codes).toContain('exten => *400300,1,Gosub(pbx-queue-agent-login');
    expect(codes).toContain('exten => *0400300,1,Gosub(pbx-queue-agent-logout');
    expect(codes).toContain('exten => *41,1,Answer()');
    expect(codes).toContain('exten => *041,1,Answer()');
    expect(codes).not.toContain('*62');
    expect(lintRendered(result)).toEqual([]);
  });

  it('checks that queue numbers and agent codes reach their queue, also from each dial permission', () => {
    const result = render(queueSnapshot());
    const owners = result.expectations.filter((e) => e.owner.includes('queue')).map((e) => `${e.number}@${e.context}`);
    expect(owners).toEqual(expect.arrayContaining(['0300@pbx-internal', '*620300@pbx-internal', '*0620300@pbx-internal', '*95@pbx-internal', '*095@pbx-internal', '0302@pbx-permission-DialPlan1']));
    // A queue body that lost its entry is caught.
    const broken = new Map(result.files);
    broken.set('extensions.conf', result.files.get('extensions.conf')!.replace('exten => 0301,1,Goto(pbx-queue-0301,s,1)', 'exten => 0301,1,Hangup()'));
    expect(lintRendered({ ...result, files: broken }).map((i) => i.code)).toContain('UNREACHABLE_NUMBER');
  });

  it('renders [general] alone without queues, and names a prompt or class that is gone', () => {
    const empty = smallSnapshot();
    expect(render(empty).files.get('queues.conf')).toContain('[general]\npersistentmembers=yes');
    expect(render(empty).files.get('queues.conf')).not.toContain('[queue-');
    const snapshot = queueSnapshot();
    snapshot.prompts = [];
    expect(() => render(snapshot)).toThrow(RenderError);
    const noClass = queueSnapshot();
    noClass.mohClasses = noClass.mohClasses!.filter((c) => c.name !== 'jazz');
    expect(() => render(noClass)).toThrow(/music-on-hold class moh-jazz/);
  });

  it('keeps the caller-ID label free of what a dialplan argument would read', () => {
    expect(callerIdLabel({ name: 'Sales (EU)', number: '0300' })).toBe('Sales EU');
    expect(callerIdLabel({ name: '客服 / Support', number: '0301' })).toBe('客服 / Support');
    expect(callerIdLabel({ name: '()', number: '0302' })).toBe('0302');
  });
});
