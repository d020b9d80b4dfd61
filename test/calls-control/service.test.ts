import { beforeEach, describe, expect, it } from 'vitest';
import { CallLegNotFoundError, CallNotFoundError, ParkedCallNotFoundError } from '../../src/calls/control/errors.js';
import { CallControlService } from '../../src/calls/control/service.js';
import { AsteriskNotConnectedError, ConflictError, NotPermittedError, ValidationError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { call, extensions, FakeAmi, FakeAri, FakeDirectory, leg, principals } from './fakes.js';

/**
 * The rules of call control against fakes of the call directory, ARI and AMI:
 * who may act, which channel each action targets, what goes to Asterisk,
 * and the typed error for each way it can fail.
 *
 * Calls: 1000.1 is 100 → 101, answered and bridged (b1); 2000.1 is a
 * provider's call (trunk leg 2000.1) answered by 102 (b2); 3000.1 is 100
 * ringing 102.
 */

let directory: FakeDirectory;
let ari: FakeAri;
let ami: FakeAmi;
let service: CallControlService;
const at = new Date('2026-12-02T10:15:30.123Z');

beforeEach(() => {
  directory = new FakeDirectory().add(
    call('1000.1', [leg('1000.1', '100'), leg('1000.2', '101')]),
    call('2000.1', [leg('2000.1', 'provider', 'ANSWERED', 'TRUNK'), leg('2000.2', '102')]),
    call('3000.1', [leg('3000.1', '100', 'DIALING'), leg('3000.2', '102', 'RINGING')], 'RINGING'),
    call('4000.1', [leg('4000.1', '100', 'ENDED'), leg('4000.2', '101', 'ENDED')], 'ENDED'),
  );
  ari = new FakeAri();
  ari.bridges = [
    { id: 'b1', channels: ['1000.1', '1000.2'] },
    { id: 'b2', channels: ['2000.1', '2000.2'] },
  ];
  ami = new FakeAmi();
  service = new CallControlService({
    calls: directory,
    ari,
    ami,
    extensions: { find: async (n) => extensions[n] ?? null },
    log: createLogger('silent'),
    parkWaitMs: 50,
    now: () => at,
  });
});

describe('who may act', () => {
  it('accounts and API keys need calls:control; an extension user acts only on calls it takes part in', async () => {
    await expect(service.hangupCall(principals.billing, '1000.1')).rejects.toThrow(NotPermittedError);
    await expect(service.hangupCall(principals.readOnlyKey, '1000.1')).rejects.toThrow(/calls:control/);
    await expect(service.hangupCall(null, '1000.1')).rejects.toThrow(/Not authenticated/);
    await expect(service.hangupCall(principals.ext102, '1000.1')).rejects.toThrow(/Extension 102 does not take part in call 1000.1/);
    await expect(service.transferCall(principals.ext102, { callId: '1000.1', to: '102', attended: false })).rejects.toThrow(NotPermittedError);
    await expect(service.holdCall(principals.ext102, { callId: '1000.1' })).rejects.toThrow(NotPermittedError);
    await expect(service.startCallRecording(principals.ext102, { callId: '1000.1' })).rejects.toThrow(NotPermittedError);
    expect(ari.hungUp).toEqual([]);
    expect(ami.actions).toEqual([]);
    await expect(service.hangupCall(principals.key, '1000.1')).resolves.toEqual({ callId: '1000.1', channelIds: ['1000.1', '1000.2'] });
    await expect(service.hangupCall(principals.ext101, '1000.1')).resolves.toMatchObject({ callId: '1000.1' });
  });

  it("an extension user that only rings in a call may decline its own leg, not end the call or the caller's leg", async () => {
    await expect(service.hangupCall(principals.ext102, '3000.1')).rejects.toThrow(/Extension 102 only rings in call 3000.1/);
    await expect(service.hangupCallLeg(principals.ext102, '3000.1')).rejects.toThrow(/Extension 102 only rings in call 3000.1/);
    expect(ari.hungUp).toEqual([]);
    await expect(service.hangupCallLeg(principals.ext102, '3000.2')).resolves.toEqual({ callId: '3000.1', channelIds: ['3000.2'] });
    expect(ari.hungUp).toEqual(['3000.2']);
  });

  it('an extension user acts for its own leg only', async () => {
    await expect(service.transferCall(principals.ext101, { callId: '1000.1', channelId: '1000.1', to: '102', attended: false })).rejects.toThrow(/Channel 1000.1 is not extension 101's/);
    const error = await service.holdCall(principals.ext100, { callId: '1000.1', channelId: '1000.2' }).catch((e: NotPermittedError) => e);
    expect(error).toBeInstanceOf(NotPermittedError);
    expect((error as NotPermittedError).inputPath).toEqual(['channelId']);
  });

  it('an extension user places calls from its own extension only', async () => {
    const error = await service.clickToCall(principals.ext100, { extension: '101', number: '102' }).catch((e: NotPermittedError) => e);
    expect(error).toBeInstanceOf(NotPermittedError);
    expect((error as NotPermittedError).inputPath).toEqual(['extension']);
    await expect(service.pickUpParkedCall(principals.ext100, { slot: '41', extension: '101' })).rejects.toThrow(NotPermittedError);
    expect(ari.originated).toEqual([]);
  });
});

describe('typed errors when the call or the channel is gone, or Asterisk is away', () => {
  it('CallNotFoundError for an unknown or ended call, CallLegNotFoundError for an unknown or ended channel', async () => {
    for (const id of ['9999.1', '4000.1']) {
      await expect(service.hangupCall(principals.admin, id)).rejects.toThrow(CallNotFoundError);
      await expect(service.transferCall(principals.admin, { callId: id, to: '102', attended: true })).rejects.toThrow(CallNotFoundError);
      await expect(service.parkCall(principals.admin, { callId: id })).rejects.toThrow(CallNotFoundError);
      await expect(service.stopCallRecording(principals.admin, { callId: id })).rejects.toThrow(CallNotFoundError);
    }
    await expect(service.hangupCallLeg(principals.admin, '9999.9')).rejects.toThrow(CallLegNotFoundError);
    await expect(service.hangupCallLeg(principals.admin, '4000.2')).rejects.toThrow(CallLegNotFoundError);
    await expect(service.transferCall(principals.admin, { callId: '1000.1', channelId: '9999.9', to: '102', attended: false })).rejects.toThrow(CallLegNotFoundError);
    const error = (await service.hangupCall(principals.admin, '9999.1').catch((e: CallNotFoundError) => e)) as CallNotFoundError;
    expect(error.callId).toBe('9999.1');
  });

  it('a channel that left between reading the call and acting is CallLegNotFoundError, from what Asterisk says', async () => {
    ami.handle('BlindTransfer', () => new Error('Channel specified does not exist'));
    await expect(service.transferCall(principals.admin, { callId: '2000.1', to: '100', attended: false })).rejects.toThrow(CallLegNotFoundError);
  });

  it('AsteriskNotConnectedError without ARI or AMI', async () => {
    ari.up = false;
    await expect(service.hangupCall(principals.admin, '1000.1')).rejects.toThrow(AsteriskNotConnectedError);
    await expect(service.clickToCall(principals.admin, { extension: '100', number: '101' })).rejects.toThrow(AsteriskNotConnectedError);
    ari.up = true;
    ami.up = false;
    await expect(service.transferCall(principals.admin, { callId: '2000.1', to: '100', attended: false })).rejects.toThrow(AsteriskNotConnectedError);
    await expect(service.parkedCalls(principals.admin)).rejects.toThrow(AsteriskNotConnectedError);
    await expect(service.startCallRecording(principals.admin, { callId: '2000.1' })).rejects.toThrow(AsteriskNotConnectedError);
    ari.up = true;
    ari.hangupFails = { message: 'socket hang up', drop: true };
    await expect(service.hangupCall(principals.admin, '1000.1')).rejects.toThrow(AsteriskNotConnectedError);
    ari.up = true;
    ari.hangupFails = { message: 'Internal Server Error', drop: false };
    await expect(service.hangupCallLeg(principals.admin, '1000.2')).rejects.toThrow(/^Asterisk refused the hang-up: Internal Server Error$/);
    const none = new CallControlService({ calls: directory, ari: null, ami: null, extensions: { find: async () => null }, log: createLogger('silent') });
    await expect(none.hangupCall(principals.admin, '1000.1')).rejects.toThrow(AsteriskNotConnectedError);
  });
});

describe('clickToCall', () => {
  it("rings the extension showing the number, then dials it in the extension's dial permission; the call id is the new channel's", async () => {
    const result = await service.clickToCall(principals.ext101, { extension: '101', number: '0049301234' });
    expect(ari.originated).toEqual([
      {
        endpoint: 'PJSIP/101',
        context: 'pbx-click-to-call',
        extension: '0049301234',
        callerId: '"0049301234" <0049301234>',
        timeoutSeconds: 30,
        channelId: result.channelId,
        variables: { PBX_C2C_CONTEXT: 'pbx-permission-Sales' },
      },
    ]);
    expect(result.callId).toBe(result.channelId);
    expect(result.channelId).toMatch(/^c2c\.[0-9a-f]{32}$/);
  });

  it('refuses a bad number, an unknown or disabled extension, a ring time out of range, and an extension Asterisk cannot ring', async () => {
    const issue = async (input: { extension: string; number: string; ringSeconds?: number }) =>
      ((await service.clickToCall(principals.admin, input).catch((e: ValidationError) => e)) as ValidationError).issues;
    expect(await issue({ extension: '100', number: '1O1' })).toEqual([expect.objectContaining({ path: ['number'], code: 'INVALID_FORMAT' })]);
    expect(await issue({ extension: '100', number: '100' })).toEqual([expect.objectContaining({ path: ['number'], code: 'SAME_EXTENSION' })]);
    expect(await issue({ extension: '555', number: '101' })).toEqual([expect.objectContaining({ path: ['extension'], code: 'NOT_FOUND' })]);
    expect(await issue({ extension: '109', number: '101' })).toEqual([expect.objectContaining({ path: ['extension'], code: 'DISABLED' })]);
    expect(await issue({ extension: '100', number: '101', ringSeconds: 500 })).toEqual([expect.objectContaining({ path: ['ringSeconds'], code: 'OUT_OF_RANGE' })]);
    expect(await issue({ extension: '101', number: '555' })).toEqual([expect.objectContaining({ path: ['number'], code: 'UNREACHABLE' })]);
    expect(ami.named('Getvar').at(-1)).toEqual({ Action: 'Getvar', Variable: 'DIALPLAN_EXISTS(pbx-permission-Sales,555,1)' });
    // A free number of the extension range matches the range's pattern, but no extension has it: unreachable too.
    expect(await issue({ extension: '101', number: '556' })).toEqual([expect.objectContaining({ path: ['number'], code: 'UNREACHABLE' })]);
    expect(ami.named('Getvar').at(-1)).toEqual({ Action: 'Getvar', Variable: 'REALTIME_FIELD(pbx_extension,number,556,number)' });
    ari.originateFails = 'Allocation failed';
    await expect(service.clickToCall(principals.admin, { extension: '100', number: '101' })).rejects.toThrow(/^Extension 100 cannot be rung: it is not registered$/);
    expect(ari.originated).toEqual([]);
  });
});

describe('hanging up', () => {
  it('hangupCall hangs up every live leg; hangupCallLeg one', async () => {
    directory.add(call('5000.1', [leg('5000.1', '100'), leg('5000.2', '101', 'ENDED'), leg('5000.3', '102')]));
    expect(await service.hangupCall(principals.admin, '5000.1')).toEqual({ callId: '5000.1', channelIds: ['5000.1', '5000.3'] });
    expect(ari.hungUp).toEqual(['5000.1', '5000.3']);
    expect(await service.hangupCallLeg(principals.ext102, '2000.1')).toEqual({ callId: '2000.1', channelIds: ['2000.1'] });
    expect(ari.hungUp).toEqual(['5000.1', '5000.3', '2000.1']);
    await expect(service.hangupCallLeg(principals.ext101, '2000.1')).rejects.toThrow(NotPermittedError);
  });
});

describe('transferCall', () => {
  it("blind: AMI BlindTransfer of the asking extension's channel, in its dial permission; the other party is the one transferred", async () => {
    const result = await service.transferCall(principals.ext101, { callId: '1000.1', to: '102', attended: false });
    expect(ami.named('BlindTransfer')).toEqual([{ Action: 'BlindTransfer', Channel: '1000.2', Exten: '102', Context: 'pbx-permission-Sales' }]);
    expect(result).toEqual({ callId: '1000.1', channelId: '1000.2', otherChannelIds: ['1000.1'] });
  });

  it('attended: AMI Atxfer; an account acts for the only extension of the call, or for the channel it names', async () => {
    await service.transferCall(principals.key, { callId: '2000.1', to: '100', attended: true });
    await service.transferCall(principals.admin, { callId: '1000.1', channelId: '1000.1', to: '*97', attended: true });
    expect(ami.named('Atxfer')).toEqual([
      { Action: 'Atxfer', Channel: '2000.2', Exten: '100', Context: 'pbx-permission-DialPlan1' },
      { Action: 'Atxfer', Channel: '1000.1', Exten: '*97', Context: 'pbx-permission-DialPlan1' },
    ]);
  });

  it('asks which side when two extensions talk, and refuses what cannot be transferred', async () => {
    const ambiguous = (await service.transferCall(principals.admin, { callId: '1000.1', to: '102', attended: false }).catch((e: ValidationError) => e)) as ValidationError;
    expect(ambiguous.issues).toEqual([expect.objectContaining({ path: ['channelId'], code: 'AMBIGUOUS' })]);
    await expect(service.transferCall(principals.admin, { callId: '1000.1', channelId: '1000.1', to: '10 2', attended: false })).rejects.toThrow(ValidationError);
    // Ringing, not connected: nothing to transfer.
    await expect(service.transferCall(principals.ext100, { callId: '3000.1', to: '101', attended: false })).rejects.toThrow(/Extension 100 is not connected/);
    // Connected by the call model, but Asterisk has it in no bridge.
    ari.bridges = [];
    await expect(service.transferCall(principals.ext102, { callId: '2000.1', to: '100', attended: false })).rejects.toThrow(/not connected to anyone/);
    ari.bridges = [{ id: 'b2', channels: ['2000.1', '2000.2'] }];
    // A number the extension cannot dial is refused before Asterisk would send the party nowhere.
    const unreachable = (await service.transferCall(principals.ext102, { callId: '2000.1', to: '555', attended: false }).catch((e: ValidationError) => e)) as ValidationError;
    expect(unreachable.issues).toEqual([expect.objectContaining({ path: ['to'], code: 'UNREACHABLE' })]);
    expect(ami.actions.at(-1)).toEqual({ Action: 'Getvar', Variable: 'DIALPLAN_EXISTS(pbx-permission-DialPlan1,555,1)' });
    ami.handle('BlindTransfer', () => new Error('Transfer not permitted'));
    await expect(service.transferCall(principals.ext102, { callId: '2000.1', to: '100', attended: false })).rejects.toThrow(/^Asterisk refused BlindTransfer: Transfer not permitted$/);
    expect(ami.named('BlindTransfer')).toHaveLength(1);
  });
});

describe('holdCall and unholdCall', () => {
  it('hold moves the other party to music and the extension to silence (one AMI Redirect of both), each knowing the other', async () => {
    const result = await service.holdCall(principals.ext101, { callId: '1000.1' });
    expect(result).toEqual({ callId: '1000.1', channelId: '1000.2', otherChannelIds: ['1000.1'] });
    expect(ami.variable('1000.1', 'PBX_HOLD_PEER')).toBe('PJSIP/101-10002');
    expect(ami.variable('1000.1', 'PBX_HOLD_MOH')).toBe('jazz');
    expect(ami.variable('1000.2', 'PBX_HOLD_PEER')).toBe('PJSIP/100-10001');
    expect(ami.named('Redirect')).toEqual([
      {
        Action: 'Redirect',
        Channel: '1000.1',
        Context: 'pbx-call-held',
        Exten: 's',
        Priority: '1',
        ExtraChannel: '1000.2',
        ExtraContext: 'pbx-call-holding',
        ExtraExten: 's',
        ExtraPriority: '1',
      },
    ]);
    // The variables are set before the Redirect, so a hang-up right after it finds them.
    expect(ami.actions.findIndex((a) => a.Action === 'Redirect')).toBe(ami.actions.length - 1);
  });

  it('unhold bridges the extension with the party it held (AMI Bridge) and clears what ties them', async () => {
    await service.holdCall(principals.ext101, { callId: '1000.1' });
    ari.bridges = [];
    ari.channels = [
      { id: '1000.1', name: 'PJSIP/100-10001', dialplan: { context: 'pbx-call-held', exten: 's' } },
      { id: '1000.2', name: 'PJSIP/101-10002', dialplan: { context: 'pbx-call-holding', exten: 's' } },
    ];
    await expect(service.unholdCall(principals.ext100, { callId: '1000.1' })).rejects.toThrow(/not on hold by extension 100/);
    const result = await service.unholdCall(principals.ext101, { callId: '1000.1' });
    expect(result).toEqual({ callId: '1000.1', channelId: '1000.2', otherChannelIds: ['1000.1'] });
    expect(ami.named('Bridge')).toEqual([{ Action: 'Bridge', Channel1: '1000.2', Channel2: '1000.1', Tone: 'no' }]);
    expect(ami.variable('1000.1', 'PBX_HOLD_PEER')).toBe('');
    expect(ami.variable('1000.2', 'PBX_HOLD_PEER')).toBe('');
  });

  it('refuses to unhold a call that is not held, and to hold a call that is not connected', async () => {
    ari.channels = [{ id: '1000.1', name: 'PJSIP/100-10001', dialplan: { context: 'pbx-permission-DialPlan1', exten: '101' } }];
    await expect(service.unholdCall(principals.admin, { callId: '1000.1' })).rejects.toThrow(/is not on hold/);
    await expect(service.holdCall(principals.ext100, { callId: '3000.1' })).rejects.toThrow(ConflictError);
    expect(ami.named('Redirect')).toEqual([]);
    expect(ami.named('Bridge')).toEqual([]);
  });
});

describe('parking', () => {
  const parkedEvent = (space: string, uniqueid: string, linkedid: string) => ({
    Event: 'ParkedCall',
    ParkeeChannel: 'PJSIP/100-10001',
    ParkeeCallerIDNum: '100',
    ParkeeCallerIDName: 'Alice',
    ParkeeUniqueid: uniqueid,
    ParkeeLinkedid: linkedid,
    ParkerDialString: 'PJSIP/101',
    Parkinglot: 'default',
    ParkingSpace: space,
    ParkingTimeout: '120',
    ParkingDuration: '0',
  });

  it("parks the other party (AMI Park, the extension's channel as the one it returns to) and answers with the slot Asterisk reports", async () => {
    ami.handle('Park', () => {
      setTimeout(() => ami.emit('event', parkedEvent('42', '1000.1', '1000.1')), 5);
      return { Response: 'Success', Message: 'Park successful' };
    });
    const parked = await service.parkCall(principals.ext101, { callId: '1000.1' });
    expect(ami.named('Park')).toEqual([{ Action: 'Park', Channel: '1000.1', TimeoutChannel: 'PJSIP/101-10002', Parkinglot: 'default' }]);
    expect(parked).toEqual({
      slot: '42',
      callId: '1000.1',
      channelId: '1000.1',
      channelName: 'PJSIP/100-10001',
      callerNumber: '100',
      callerName: 'Alice',
      parkerDialString: 'PJSIP/101',
      durationSeconds: 0,
      timeoutSeconds: 120,
    });
  });

  it('reads the slot from the listing when the event does not come, and says so when the call is not parked', async () => {
    ami.handle('ParkedCalls', () => [parkedEvent('41', '2000.1', '2000.1')]);
    expect((await service.parkCall(principals.ext102, { callId: '2000.1' })).slot).toBe('41');
    ami.handle('ParkedCalls', () => []);
    await expect(service.parkCall(principals.ext102, { callId: '2000.1' })).rejects.toThrow(/reported no parked call/);
  });

  it('lists the parked calls in slot order, for readers, controllers and extension users', async () => {
    ami.handle('ParkedCalls', () => [parkedEvent('45', '2000.1', '2000.1'), parkedEvent('41', '1000.1', '1000.1')]);
    expect((await service.parkedCalls(principals.readOnlyKey)).map((p) => p.slot)).toEqual(['41', '45']);
    expect(await service.parkedCalls(principals.ext102)).toHaveLength(2);
    expect(ami.named('ParkedCalls')[0]).toEqual({ Action: 'ParkedCalls', ParkingLot: 'default' });
    await expect(service.parkedCalls(principals.billing)).rejects.toThrow(NotPermittedError);
    ami.handle('ParkedCalls', () => new Error('Requested parking lot could not be found.'));
    expect(await service.parkedCalls(principals.admin)).toEqual([]);
  });

  it('picks up: rings the extension showing the parked caller, into the slot; an empty slot is ParkedCallNotFoundError', async () => {
    ami.handle('ParkedCalls', () => [parkedEvent('42', '1000.1', '999.1')]);
    const result = await service.pickUpParkedCall(principals.ext102, { slot: '42', extension: '102' });
    expect(ari.originated).toEqual([
      { endpoint: 'PJSIP/102', context: 'pbx-parked-calls', extension: '42', callerId: '"Alice" <100>', timeoutSeconds: 30, channelId: result.channelId, variables: undefined },
    ]);
    expect(result).toEqual({ callId: '999.1', channelId: expect.stringMatching(/^pickup\.[0-9a-f]{32}$/), slot: '42' });
    await expect(service.pickUpParkedCall(principals.admin, { slot: '43', extension: '100' })).rejects.toThrow(ParkedCallNotFoundError);
    await expect(service.pickUpParkedCall(principals.admin, { slot: '4x', extension: '100' })).rejects.toThrow(ValidationError);
  });
});

describe('on-demand recording (F-5.1.3)', () => {
  it("MixMonitor on the asking extension's channel, into the file the recordings index links to the call", async () => {
    ami.handle('MixMonitor', (a) => {
      ami.variables.set(a.Channel!, new Map([...(ami.variables.get(a.Channel!) ?? []), ['PBX_ONDEMAND_REC', '0x7f01']]));
      return { Response: 'Success', MixMonitorID: '0x7f01' };
    });
    const started = await service.startCallRecording(principals.ext101, { callId: '1000.1' });
    expect(started).toEqual({ callId: '1000.1', channelId: '1000.2', file: 'ondemand-20261202T101530-1000.1-1000.2.wav' });
    expect(ami.named('MixMonitor')).toEqual([{ Action: 'MixMonitor', Channel: '1000.2', File: 'ondemand-20261202T101530-1000.1-1000.2.wav', Options: 'i(PBX_ONDEMAND_REC)' }]);
    await expect(service.startCallRecording(principals.ext100, { callId: '1000.1' })).resolves.toMatchObject({ channelId: '1000.1' });
    await expect(service.startCallRecording(principals.admin, { callId: '1000.1', channelId: '1000.2' })).rejects.toThrow(/being recorded on demand already/);

    const stopped = await service.stopCallRecording(principals.ext100, { callId: '1000.1' });
    expect(ami.named('StopMixMonitor')[0]).toEqual({ Action: 'StopMixMonitor', Channel: '1000.1', MixMonitorID: '0x7f01' });
    expect(stopped.channelId).toBe('1000.1');
    expect(await service.stopCallRecording(principals.ext100, { callId: '1000.1' })).toEqual(started);
    await expect(service.stopCallRecording(principals.ext100, { callId: '1000.1' })).rejects.toThrow(/not being recorded on demand/);
  });

  it('an account records on the first connected extension; nothing connected is refused', async () => {
    await service.startCallRecording(principals.admin, { callId: '2000.1' });
    expect(ami.named('MixMonitor')[0]!.Channel).toBe('2000.2');
    await expect(service.startCallRecording(principals.admin, { callId: '3000.1' })).rejects.toThrow(/not connected yet/);
  });
});
