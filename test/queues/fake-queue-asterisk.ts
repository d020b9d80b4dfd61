import { wireMessage, type FakeAmiServer, type FakeConnection } from '../pbx/ami/fake-ami-server.js';
import { actionFile, readListing, readRecorded, readSteps, type Message } from './ami-fixtures.js';

/**
 * app_queue of Asterisk 22 behind the fake AMI server, where the client can
 * tell: QueueStatus lists the queues it holds; QueueAdd, QueueRemove and
 * QueuePause change them, answer with the recorded answers
 * (test/pbx/fixtures/ami-queues/action-*) and send the QueueMember* event
 * Asterisk sends (shaped like the recorded ones). `play()` sends a recorded
 * step byte for byte and keeps the queues in step. Queue names of the
 * recording (`queue-q1`, `queue-q2`) are renamed to the ones given.
 */
type FakeQueue = { params: Message; members: Map<string, Message>; entries: Message[] };

const recordedAnswer = (moment: string) => readRecorded(actionFile(moment)).messages[0]!.Message!;

export class FakeQueueAsterisk {
  readonly queues = new Map<string, FakeQueue>();
  /** Answer QueueStatus with an error (app_queue not loaded). */
  queueStatusFails = false;
  /** Answer actions but send no event (an event that never comes). */
  silent = false;
  private readonly steps = readSteps();

  constructor(
    private readonly ami: FakeAmiServer,
    private readonly names: Record<string, string> = {},
  ) {
    ami.on('QueueStatus', (request, connection) => this.queueStatus(request.ActionID ?? '', connection));
    ami.on('QueueAdd', (request, connection) => this.queueAdd(request, connection));
    ami.on('QueueRemove', (request, connection) => this.queueRemove(request, connection));
    ami.on('QueuePause', (request, connection) => this.queuePause(request, connection));
  }

  private rename(text: string): string {
    let out = text;
    for (const [from, to] of Object.entries(this.names)) out = out.split(from).join(to);
    return out;
  }

  private renamed(message: Message): Message {
    return Object.fromEntries(Object.entries(message).map(([k, v]) => [k, this.rename(v)]));
  }

  /** Holds what a recorded QueueStatus listing holds. */
  load(moment: string): void {
    this.queues.clear();
    for (const message of readListing(moment).map((m) => this.renamed(m))) {
      const { ActionID: _id, ...fields } = message;
      const queue = this.queue(fields.Queue!);
      if (fields.Event === 'QueueParams') queue.params = fields;
      if (fields.Event === 'QueueMember') queue.members.set(fields.Location!, fields);
      if (fields.Event === 'QueueEntry') queue.entries.push(fields);
    }
  }

  private queue(name: string): FakeQueue {
    let queue = this.queues.get(name);
    if (!queue)
      this.queues.set(name, (queue = { params: { Event: 'QueueParams', Queue: name, Max: '0', Strategy: 'ringall', Calls: '0', Completed: '0', Abandoned: '0' }, members: new Map(), entries: [] }));
    return queue;
  }

  /** Sends the events of a recorded step (renamed; those `only` keeps), as recorded, updating the queues as Asterisk would. */
  async play(label: string, only: (event: Message) => boolean = () => true): Promise<void> {
    const step = this.steps.find((s) => s.label === label);
    if (!step) throw new Error(`no recorded step ${label}`);
    for (const [i, event] of step.events.entries()) {
      if (!only(event)) continue;
      this.track(this.renamed(event));
      await this.ami.broadcast(this.rename(step.wire[i]!));
    }
  }

  /** Sends one event (fields as given). */
  async send(event: Message): Promise<void> {
    this.track(event);
    await this.ami.broadcast(wireMessage(event));
  }

  private track(event: Message): void {
    const queue = this.queues.get(event.Queue ?? '');
    if (!queue) return;
    switch (event.Event) {
      case 'QueueMemberAdded':
      case 'QueueMemberStatus':
      case 'QueueMemberPause':
        queue.members.set(event.Interface!, this.memberRow(event));
        break;
      case 'QueueMemberRemoved':
        queue.members.delete(event.Interface!);
        break;
      case 'QueueCallerJoin':
        queue.entries.push({
          Event: 'QueueEntry',
          Queue: event.Queue!,
          Channel: event.Channel!,
          Uniqueid: event.Uniqueid!,
          CallerIDNum: event.CallerIDNum!,
          CallerIDName: event.CallerIDName!,
          Wait: '0',
        });
        break;
      case 'QueueCallerLeave':
        queue.entries = queue.entries.filter((e) => e.Uniqueid !== event.Uniqueid);
        break;
    }
  }

  private memberRow(event: Message): Message {
    const { Privilege: _p, MemberName, Interface, Ringinuse: _r, ...rest } = event;
    return { ...rest, Event: 'QueueMember', Name: MemberName!, Location: Interface! };
  }

  /** A QueueMember* event for the member, in the recorded shape. */
  private memberEvent(name: string, queue: string, member: Message): string {
    return wireMessage({
      Event: name,
      Privilege: 'agent,all',
      Queue: queue,
      MemberName: member.Name!,
      Interface: member.Location!,
      StateInterface: member.Location!,
      Membership: member.Membership!,
      Penalty: '0',
      CallsTaken: member.CallsTaken ?? '0',
      LastCall: member.LastCall ?? '0',
      LastPause: member.LastPause ?? '0',
      LoginTime: member.LoginTime ?? '0',
      InCall: member.InCall ?? '0',
      Status: member.Status ?? '1',
      Paused: member.Paused ?? '0',
      PausedReason: member.PausedReason ?? '',
      Ringinuse: '1',
      Wrapuptime: '0',
    });
  }

  private async answer(connection: FakeConnection, id: string, ok: boolean, message: string, events: string[]): Promise<void> {
    await connection.send(wireMessage({ Response: ok ? 'Success' : 'Error', ActionID: id, Message: message }));
    if (!this.silent) for (const event of events) await this.ami.broadcast(event);
  }

  // apps/app_queue.c manager_queues_status
  private async queueStatus(id: string, connection: FakeConnection): Promise<void> {
    if (this.queueStatusFails) {
      await connection.send(wireMessage({ Response: 'Error', ActionID: id, Message: 'Invalid/unknown command: QueueStatus. Use Action: ListCommands to show available commands.' }));
      return;
    }
    let text = wireMessage({ Response: 'Success', ActionID: id, EventList: 'start', Message: 'Queue status will follow' });
    let items = 0;
    for (const queue of this.queues.values()) {
      const rows = [queue.params, ...queue.members.values(), ...queue.entries.map((e, i) => ({ ...e, Position: String(i + 1) }))];
      for (const row of rows) text += wireMessage({ ...row, ActionID: id });
      items += rows.length;
    }
    text += wireMessage({ Event: 'QueueStatusComplete', ActionID: id, EventList: 'Complete', ListItems: String(items) });
    await connection.send(text);
  }

  private async queueAdd(request: Message, connection: FakeConnection): Promise<void> {
    const id = request.ActionID ?? '';
    const queue = this.queues.get(request.Queue ?? '');
    if (!queue) return this.answer(connection, id, false, recordedAnswer('add-no-queue'), []);
    if (queue.members.has(request.Interface!)) return this.answer(connection, id, false, recordedAnswer('login-again'), []);
    const member: Message = {
      Event: 'QueueMember',
      Queue: request.Queue!,
      Name: request.MemberName || request.Interface!,
      Location: request.Interface!,
      Membership: 'dynamic',
      LoginTime: String(Math.floor(Date.now() / 1000)),
      Status: '1',
      Paused: '0',
      PausedReason: '',
    };
    queue.members.set(request.Interface!, member);
    await this.answer(connection, id, true, recordedAnswer('login-ami'), [this.memberEvent('QueueMemberAdded', request.Queue!, member)]);
  }

  private async queueRemove(request: Message, connection: FakeConnection): Promise<void> {
    const id = request.ActionID ?? '';
    const queue = this.queues.get(request.Queue ?? '');
    if (!queue) return this.answer(connection, id, false, 'Unable to remove interface from queue: No such queue', []);
    const member = queue.members.get(request.Interface!);
    if (!member) return this.answer(connection, id, false, recordedAnswer('logout-again'), []);
    if (member.Membership !== 'dynamic') return this.answer(connection, id, false, recordedAnswer('remove-static'), []);
    queue.members.delete(request.Interface!);
    await this.answer(connection, id, true, recordedAnswer('logout'), [this.memberEvent('QueueMemberRemoved', request.Queue!, member)]);
  }

  private async queuePause(request: Message, connection: FakeConnection): Promise<void> {
    const id = request.ActionID ?? '';
    const paused = request.Paused === 'true';
    const events: string[] = [];
    for (const [name, queue] of this.queues) {
      if (request.Queue && request.Queue !== name) continue;
      const member = queue.members.get(request.Interface!);
      if (!member) continue;
      Object.assign(member, { Paused: paused ? '1' : '0', PausedReason: paused ? (request.Reason ?? '') : '', ...(paused ? { LastPause: String(Math.floor(Date.now() / 1000)) } : {}) });
      events.push(this.memberEvent('QueueMemberPause', name, member));
    }
    if (!events.length) return this.answer(connection, id, false, recordedAnswer('pause-unknown'), []);
    await this.answer(connection, id, true, recordedAnswer(paused ? 'pause-one' : 'unpause-all'), events);
  }
}
