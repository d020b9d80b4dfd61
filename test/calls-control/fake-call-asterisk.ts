import { wireMessage, type FakeAmiServer, type FakeConnection, type FakeRequest } from '../pbx/ami/fake-ami-server.js';

/**
 * The AMI actions call control sends, answered as Asterisk 22.10's manager
 * code answers them (main/manager.c, main/features.c, apps/app_mixmonitor.c,
 * res/parking/parking_manager.c; not recorded): channel variables are kept
 * per channel, DIALPLAN_EXISTS knows `dialable`, Park puts the channel in the first free slot of 41–49 and
 * sends ParkedCall, ParkedCalls lists the parked calls. A channel is known
 * once `addChannel` names it (the ARI stand-in's channels); others get
 * Asterisk's "does not exist" answers.
 */
export class FakeCallAsterisk {
  readonly variables = new Map<string, Map<string, string>>();
  readonly parked = new Map<number, Record<string, string>>();
  /** The numbers the dialplan has (DIALPLAN_EXISTS answers 1 for them, in any context). */
  readonly dialable = new Set(['100', '101', '102']);
  private readonly channels = new Map<string, { name: string; linkedid: string; callerNumber: string; callerName: string }>();
  private monitors = 0;

  constructor(private readonly ami: FakeAmiServer) {
    ami.on('Getvar', (r, c) => this.getvar(r, c));
    ami.on('Setvar', (r, c) => this.setvar(r, c));
    ami.on('BlindTransfer', (r, c) => this.answerFor(r, c, r.Channel, 'Channel specified does not exist', 'Transfer succeeded'));
    ami.on('Atxfer', (r, c) => this.answerFor(r, c, r.Channel, 'Channel specified does not exist', 'Atxfer successfully queued'));
    ami.on('Redirect', (r, c) => this.redirect(r, c));
    ami.on('Bridge', (r, c) => this.answerFor(r, c, r.Channel1, `Channel1 does not exist: ${r.Channel1}`, 'Channels have been bridged'));
    ami.on('Park', (r, c) => this.park(r, c));
    ami.on('ParkedCalls', (r, c) => this.parkedCalls(r, c));
    ami.on('MixMonitor', (r, c) => this.mixMonitor(r, c));
    ami.on('StopMixMonitor', (r, c) => this.answerFor(r, c, r.Channel, 'No such channel', 'Stopped monitoring channel'));
  }

  addChannel(id: string, channel: { name: string; linkedid: string; callerNumber: string; callerName?: string }): void {
    this.channels.set(id, { callerName: '', ...channel });
  }

  requests(action: string): FakeRequest[] {
    return this.ami.requests.filter((r) => r.Action === action);
  }

  private known(channel: string | undefined): boolean {
    return !!channel && this.channels.has(channel);
  }

  private async reply(connection: FakeConnection, request: FakeRequest, fields: Record<string, string>): Promise<void> {
    await connection.send(wireMessage({ ActionID: request.ActionID ?? '', ...fields }));
  }

  private async answerFor(request: FakeRequest, connection: FakeConnection, channel: string | undefined, missing: string, success: string): Promise<void> {
    if (!this.known(channel)) return this.reply(connection, request, { Response: 'Error', Message: missing });
    return this.reply(connection, request, { Response: 'Success', Message: success });
  }

  private async getvar(request: FakeRequest, connection: FakeConnection): Promise<void> {
    // Without a channel a function is read on a dummy channel: DIALPLAN_EXISTS says whether a number can be dialled.
    const exists = /^DIALPLAN_EXISTS\(([^,]+),([^,]+),1\)$/.exec(request.Variable ?? '');
    if (!request.Channel && exists) {
      // The dialplan here has no extension-range pattern: each dialable number is its own extension.
      const value = exists[1] !== 'pbx-extensions' && this.dialable.has(exists[2]!) ? '1' : '0';
      return this.reply(connection, request, { Response: 'Success', Variable: request.Variable!, Value: value });
    }
    if (!this.known(request.Channel)) return this.reply(connection, request, { Response: 'Error', Message: 'No such channel' });
    const value = this.variables.get(request.Channel!)?.get(request.Variable!) ?? '';
    return this.reply(connection, request, { Response: 'Success', Variable: request.Variable!, Value: value });
  }

  private async setvar(request: FakeRequest, connection: FakeConnection): Promise<void> {
    if (!this.known(request.Channel)) return this.reply(connection, request, { Response: 'Error', Message: 'No such channel' });
    this.setVariable(request.Channel!, request.Variable!, request.Value ?? '');
    return this.reply(connection, request, { Response: 'Success', Message: 'Variable Set' });
  }

  private setVariable(channel: string, name: string, value: string): void {
    const vars = this.variables.get(channel) ?? new Map<string, string>();
    vars.set(name, value);
    this.variables.set(channel, vars);
  }

  private async redirect(request: FakeRequest, connection: FakeConnection): Promise<void> {
    if (!this.known(request.Channel)) return this.reply(connection, request, { Response: 'Error', Message: `Channel does not exist: ${request.Channel}` });
    if (request.ExtraChannel && !this.known(request.ExtraChannel)) return this.reply(connection, request, { Response: 'Error', Message: `ExtraChannel does not exist: ${request.ExtraChannel}` });
    return this.reply(connection, request, { Response: 'Success', Message: request.ExtraChannel ? 'Dual Redirect successful' : 'Redirect successful' });
  }

  private async mixMonitor(request: FakeRequest, connection: FakeConnection): Promise<void> {
    if (!this.known(request.Channel)) return this.reply(connection, request, { Response: 'Error', Message: 'No such channel' });
    const id = `0x7f0000${(++this.monitors).toString(16).padStart(4, '0')}`;
    const variable = /i\(([^)]+)\)/.exec(request.Options ?? '')?.[1];
    if (variable) this.setVariable(request.Channel!, variable, id);
    return this.reply(connection, request, { Response: 'Success', ...(variable ? { MixMonitorID: id } : {}) });
  }

  private parkedCallFields(space: number, channelId: string): Record<string, string> {
    const channel = this.channels.get(channelId)!;
    return {
      ParkeeChannel: channel.name,
      ParkeeChannelState: '6',
      ParkeeChannelStateDesc: 'Up',
      ParkeeCallerIDNum: channel.callerNumber,
      ParkeeCallerIDName: channel.callerName,
      ParkeeConnectedLineNum: '',
      ParkeeConnectedLineName: '',
      ParkeeLanguage: 'en',
      ParkeeAccountCode: '',
      ParkeeContext: 'pbx-parked-calls',
      ParkeeExten: String(space),
      ParkeePriority: '1',
      ParkeeUniqueid: channelId,
      ParkeeLinkedid: channel.linkedid,
      ParkerDialString: 'PJSIP/101',
      Parkinglot: 'default',
      ParkingSpace: String(space),
      ParkingTimeout: '120',
      ParkingDuration: '0',
    };
  }

  private async park(request: FakeRequest, connection: FakeConnection): Promise<void> {
    if (!this.known(request.Channel)) return this.reply(connection, request, { Response: 'Error', Message: `Channel does not exist: ${request.Channel}` });
    let space = 41;
    while (this.parked.has(space)) space++;
    if (space > 49) return this.reply(connection, request, { Response: 'Error', Message: 'Park action failed\n' });
    const fields = this.parkedCallFields(space, request.Channel!);
    this.parked.set(space, fields);
    await this.reply(connection, request, { Response: 'Success', Message: 'Park successful' });
    await this.ami.broadcast(wireMessage({ Event: 'ParkedCall', Privilege: 'call,all', ...fields }));
  }

  private async parkedCalls(request: FakeRequest, connection: FakeConnection): Promise<void> {
    const id = request.ActionID ?? '';
    let text = wireMessage({ Response: 'Success', ActionID: id, EventList: 'start', Message: 'Parked calls will follow' });
    for (const fields of this.parked.values()) text += wireMessage({ Event: 'ParkedCall', ...fields, ActionID: id });
    text += wireMessage({ Event: 'ParkedCallsComplete', ActionID: id, EventList: 'Complete', ListItems: String(this.parked.size), Total: String(this.parked.size) });
    await connection.send(text);
  }
}
