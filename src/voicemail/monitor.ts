import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { header, type AmiMessage } from '../pbx/ami/message.js';
import type { VoicemailAmi } from './asterisk-mailboxes.js';
import type { MailboxChange } from './contract.js';
import { mailboxContext, mailboxPattern } from './folders.js';
import { isUnheard, type MailboxCounts, type VoicemailSpool } from './spool.js';

/** What is known of a mailbox: its counts and the ids of its messages (any folder). */
type MailboxState = MailboxCounts & { ids: Set<string> };

const emptyState = (): MailboxState => ({ newMessages: 0, oldMessages: 0, urgentMessages: 0, ids: new Set() });

/**
 * Follows the mailboxes and publishes each change on the bus (topic
 * `voicemail`): NEW_MESSAGE for every message that arrived (its id and the
 * counts after it), CHANGED when messages were read, moved or deleted. The
 * spool is the truth; what makes a mailbox be read again is Asterisk's
 * MessageWaiting event (sent after every change app_voicemail makes, with
 * the mailbox as <mailbox>@<context>), a change made through this server,
 * and every AMI (re)connect, when every mailbox is read again so that
 * messages left while the server was away are announced then. Reads of one
 * mailbox run one at a time; a failed read is logged and the next trigger
 * tries again.
 */
export class MailboxMonitor {
  private readonly known = new Map<string, MailboxState>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private started = false;
  private stopped = false;
  private onAmiEvent: ((message: AmiMessage) => void) | null = null;
  private onAmiConnected: (() => void) | null = null;
  private busChanges: ReturnType<EventBus['subscribe']> | null = null;

  constructor(
    private readonly deps: {
      spool: VoicemailSpool;
      bus: EventBus;
      log: Logger;
      ami: VoicemailAmi | null;
      context?: string;
      now?: () => Date;
    },
  ) {}

  private get context(): string {
    return this.deps.context ?? mailboxContext;
  }

  /** Reads every mailbox as it is now (announcing nothing) and follows AMI. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.scan(false);
    const ami = this.deps.ami;
    if (!ami) return;
    this.onAmiEvent = (message) => this.onEvent(message);
    this.onAmiConnected = () => void this.scan(true);
    ami.on('event', this.onAmiEvent);
    ami.on('connected', this.onAmiConnected);
    if (ami.connected()) void this.scan(true);
    // Another instance holds Asterisk and announces what changes; this one keeps up quietly, so that
    // when it takes over it announces only what changed after that.
    const changes = this.deps.bus.subscribe('voicemail');
    this.busChanges = changes;
    void (async () => {
      for await (const change of changes) if (!ami.connected()) void this.read(change.mailbox, false);
    })();
  }

  stop(): void {
    this.stopped = true;
    void this.busChanges?.return?.();
    this.busChanges = null;
    if (this.onAmiEvent) this.deps.ami?.off('event', this.onAmiEvent);
    if (this.onAmiConnected) this.deps.ami?.off('connected', this.onAmiConnected);
  }

  /** Reads the mailbox again and announces what changed; resolves when that is done (never rejects). */
  check(mailbox: string): Promise<void> {
    return this.read(mailbox, true);
  }

  private onEvent(message: AmiMessage): void {
    if (header(message, 'Event') !== 'MessageWaiting') return;
    const [mailbox, context] = (header(message, 'Mailbox') ?? '').split('@');
    if (context === this.context && mailbox && mailboxPattern.test(mailbox)) void this.check(mailbox);
  }

  /** Every mailbox known or in the spool. */
  private async scan(announce: boolean): Promise<void> {
    let onDisk: string[];
    try {
      onDisk = await this.deps.spool.mailboxes();
    } catch (error) {
      this.deps.log.error({ err: error }, 'reading the voicemail spool failed');
      return;
    }
    await Promise.all([...new Set([...this.known.keys(), ...onDisk])].map((mailbox) => this.read(mailbox, announce)));
  }

  /** One read of a mailbox at a time; a trigger during a read reads it once more after it. */
  private read(mailbox: string, announce: boolean): Promise<void> {
    if (this.running.has(mailbox)) {
      if (announce) this.again.add(mailbox);
      return this.running.get(mailbox)!;
    }
    const run = (async () => {
      try {
        await this.compare(mailbox, announce);
        while (this.again.delete(mailbox)) await this.compare(mailbox, true);
      } finally {
        this.running.delete(mailbox);
      }
    })();
    this.running.set(mailbox, run);
    return run;
  }

  private async compare(mailbox: string, announce: boolean): Promise<void> {
    if (this.stopped) return;
    let messages, counts;
    try {
      [messages, counts] = await Promise.all([this.deps.spool.messages(mailbox), this.deps.spool.counts(mailbox)]);
    } catch (error) {
      this.deps.log.error({ err: error, mailbox }, 'reading a voicemail mailbox failed');
      return;
    }
    const before = this.known.get(mailbox) ?? emptyState();
    const now: MailboxState = { ...counts, ids: new Set(messages.flatMap((m) => (m.msgId ? [m.msgId] : []))) };
    this.known.set(mailbox, now);
    if (!announce) return;
    // Oldest first, so that the last announcement is the newest message.
    const arrived = messages.filter((m) => m.msgId && isUnheard(m) && !before.ids.has(m.msgId)).reverse();
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const change = (reason: MailboxChange['reason'], messageId: string | null): MailboxChange => ({
      mailbox,
      newMessages: now.newMessages,
      oldMessages: now.oldMessages,
      reason,
      messageId,
      at,
    });
    for (const message of arrived) this.deps.bus.publish('voicemail', change('NEW_MESSAGE', message.msgId));
    if (!arrived.length && !sameState(before, now)) this.deps.bus.publish('voicemail', change('CHANGED', null));
  }
}

function sameState(a: MailboxState, b: MailboxState): boolean {
  if (a.newMessages !== b.newMessages || a.oldMessages !== b.oldMessages || a.urgentMessages !== b.urgentMessages || a.ids.size !== b.ids.size) return false;
  for (const id of a.ids) if (!b.ids.has(id)) return false;
  return true;
}
