import { EventEmitter } from 'node:events';
import type { Permission, Principal } from '../../src/auth/permissions.js';
import { rolePermissions } from '../../src/auth/permissions.js';
import type { ControlAmi, ControlAri, ControlExtension } from '../../src/calls/control/ports.js';
import type { Call, CallDirectory, CallLeg, LegState } from '../../src/calls/contract.js';
import { AmiError } from '../../src/pbx/ami/errors.js';
import type { AmiMessage } from '../../src/pbx/ami/message.js';

/** Fakes of what call control reads and drives: the live call directory, ARI and AMI, and the extensions. */

export function leg(channelId: string, endpoint: string, state: LegState = 'ANSWERED', kind: 'EXTENSION' | 'TRUNK' | 'OTHER' = 'EXTENSION'): CallLeg {
  return {
    channelId,
    channelName: `PJSIP/${endpoint}-${channelId.replace('.', '')}`,
    endpoint: { kind, name: endpoint },
    state,
    callerNumber: endpoint,
    callerName: '',
    connectedNumber: '',
    connectedName: '',
    startedAt: '2026-12-02T10:00:00.000Z',
    answeredAt: state === 'ANSWERED' ? '2026-12-02T10:00:02.000Z' : null,
    endedAt: state === 'ENDED' ? '2026-12-02T10:00:09.000Z' : null,
    hangupCause: null,
    hangupCauseText: null,
  };
}

export function call(id: string, legs: CallLeg[], state: Call['state'] = 'ANSWERED'): Call {
  const extensions = legs.filter((l) => l.endpoint.kind === 'EXTENSION').map((l) => l.endpoint.name);
  return {
    id,
    direction: 'INTERNAL',
    state,
    caller: { number: extensions[0] ?? '', name: '', extension: extensions[0] ?? null },
    callee: { number: extensions[1] ?? '', name: '', extension: extensions[1] ?? null },
    did: null,
    trunk: null,
    extensions,
    departments: [],
    queues: [],
    legs,
    transferred: false,
    startedAt: '2026-12-02T10:00:00.000Z',
    answeredAt: '2026-12-02T10:00:02.000Z',
    endedAt: state === 'ENDED' ? '2026-12-02T10:00:09.000Z' : null,
    hangupCause: null,
    hangupCauseText: null,
    version: 1,
  };
}

export class FakeDirectory implements CallDirectory {
  readonly calls = new Map<string, Call>();
  add(...calls: Call[]): this {
    for (const c of calls) this.calls.set(c.id, c);
    return this;
  }
  list(): Call[] {
    return [...this.calls.values()];
  }
  get(id: string): Call | null {
    return this.calls.get(id) ?? null;
  }
  callOfChannel(channelId: string): Call | null {
    return this.list().find((c) => c.legs.some((l) => l.channelId === channelId)) ?? null;
  }
}

type Originated = Parameters<ControlAri['originateToDialplan']>[0];

export class FakeAri implements ControlAri {
  up = true;
  readonly originated: Originated[] = [];
  readonly hungUp: string[] = [];
  bridges: { id: string; channels: string[] }[] = [];
  channels: { id: string; name: string; dialplan?: { context: string; exten: string } }[] = [];
  /** Asterisk's answer to the next originate, when it refuses. */
  originateFails: string | null = null;
  connected(): boolean {
    return this.up;
  }
  async originateToDialplan(input: Originated): Promise<{ id: string; name: string }> {
    if (this.originateFails) throw new Error(this.originateFails);
    this.originated.push(input);
    return { id: input.channelId, name: `${input.endpoint}-00000001` };
  }
  /** Makes the next hang-up fail (and, with `drop`, lose the connection first). */
  hangupFails: { message: string; drop: boolean } | null = null;
  async hangupChannel(channelId: string): Promise<void> {
    if (this.hangupFails) {
      if (this.hangupFails.drop) this.up = false;
      throw new Error(this.hangupFails.message);
    }
    this.hungUp.push(channelId);
  }
  async listBridges() {
    return this.bridges;
  }
  async listChannels() {
    return this.channels;
  }
}

export type AmiHandler = (action: AmiMessage) => AmiMessage | Error | AmiMessage[];

/** Records every action; answers Success unless a handler for its Action says otherwise (an Error is Asterisk's `Response: Error`). */
export class FakeAmi extends EventEmitter implements ControlAmi {
  up = true;
  readonly actions: AmiMessage[] = [];
  readonly handlers = new Map<string, AmiHandler>();
  /** Channel variables Getvar reads and Setvar writes, by channel id. */
  readonly variables = new Map<string, Map<string, string>>();
  /** Numbers DIALPLAN_EXISTS says no to (every other number exists). */
  readonly missingNumbers = new Set<string>(['555']);
  /** Numbers of the extension range (100–899: the dialplan's one pattern, so DIALPLAN_EXISTS says yes) that no extension has. */
  readonly freeExtensionNumbers = new Set<string>(['556']);

  connected(): boolean {
    return this.up;
  }
  handle(action: string, handler: AmiHandler): void {
    this.handlers.set(action, handler);
  }
  variable(channel: string, name: string): string {
    return this.variables.get(channel)?.get(name) ?? '';
  }
  named(action: string): AmiMessage[] {
    return this.actions.filter((a) => a.Action === action);
  }
  async action(action: AmiMessage & { Action: string }): Promise<AmiMessage> {
    if (!this.up) throw new AmiError('not_connected', `AMI is not connected; cannot send ${action.Action}`);
    this.actions.push(action);
    if (action.Action === 'Setvar') {
      const vars = this.variables.get(action.Channel!) ?? new Map<string, string>();
      vars.set(action.Variable!, action.Value ?? '');
      this.variables.set(action.Channel!, vars);
    }
    const handler = this.handlers.get(action.Action);
    const answer = handler ? handler(action) : action.Action === 'Getvar' ? { Response: 'Success', Variable: action.Variable!, Value: this.getvar(action) } : { Response: 'Success' };
    if (answer instanceof Error) throw new AmiError('rejected', `AMI action ${action.Action} failed: ${answer.message}`, { Response: 'Error', Message: answer.message });
    return Array.isArray(answer) ? { Response: 'Success' } : answer;
  }
  /** A channel's variable; without a channel, DIALPLAN_EXISTS(context,number,1) as the dialplan would answer. */
  private getvar(action: AmiMessage): string {
    if (action.Channel) return this.variable(action.Channel, action.Variable!);
    const row = /^REALTIME_FIELD\(pbx_extension,number,([^,]+),number\)$/.exec(action.Variable ?? '');
    if (row) return this.freeExtensionNumbers.has(row[1]!) || this.missingNumbers.has(row[1]!) ? '' : row[1]!;
    const exists = /^DIALPLAN_EXISTS\(([^,]+),([^,]+),1\)$/.exec(action.Variable ?? '');
    if (!exists) throw new Error(`fake AMI: Getvar ${action.Variable} without a channel is not modelled`);
    const [, context, number] = exists as unknown as [string, string, string];
    if (context === 'pbx-extensions') return /^[1-8]\d\d$/.test(number) ? '1' : '0';
    return this.missingNumbers.has(number) ? '0' : '1';
  }

  async list(action: AmiMessage & { Action: string }): Promise<AmiMessage[]> {
    this.actions.push(action);
    const answer = this.handlers.get(action.Action)?.(action) ?? [];
    if (answer instanceof Error) throw new AmiError('rejected', `AMI action ${action.Action} failed: ${answer.message}`, { Response: 'Error', Message: answer.message });
    return Array.isArray(answer) ? answer : [];
  }
}

export const extensions: Record<string, ControlExtension> = {
  '100': { number: '100', enabled: true, dialPermission: 'DialPlan1', mohClass: 'default' },
  '101': { number: '101', enabled: true, dialPermission: 'Sales', mohClass: 'jazz' },
  '102': { number: '102', enabled: true, dialPermission: 'DialPlan1', mohClass: 'default' },
  '109': { number: '109', enabled: false, dialPermission: 'DialPlan1', mohClass: 'default' },
};

const perms = (list: readonly Permission[]) => new Set<Permission>(list);
export const principals = {
  admin: { kind: 'account', id: 'a1', username: 'admin', role: 'ADMIN', sessionId: 's1', permissions: perms(rolePermissions.ADMIN), extensionId: null },
  billing: { kind: 'account', id: 'a2', username: 'billing', role: 'BILLING', sessionId: 's2', permissions: perms(rolePermissions.BILLING), extensionId: null },
  key: { kind: 'apiKey', id: 'k1', username: 'crm', role: 'API_KEY', permissions: perms(['calls:control']) },
  readOnlyKey: { kind: 'apiKey', id: 'k2', username: 'wallboard', role: 'API_KEY', permissions: perms(['calls:read']) },
  ext100: { kind: 'extension', id: 'e100', username: '100', role: 'EXTENSION_USER', sessionId: 's3', permissions: perms([]), since: new Date(0) },
  ext101: { kind: 'extension', id: 'e101', username: '101', role: 'EXTENSION_USER', sessionId: 's4', permissions: perms([]), since: new Date(0) },
  ext102: { kind: 'extension', id: 'e102', username: '102', role: 'EXTENSION_USER', sessionId: 's5', permissions: perms([]), since: new Date(0) },
} satisfies Record<string, Principal>;
