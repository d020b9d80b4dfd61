import type { CallEvent, CallEventKind } from '../calls/contract.js';
import type { ExtensionState, ExtensionStatus } from '../pbx/live/status.js';
import type { MailboxChange } from '../voicemail/contract.js';
import type { WebhookEventType } from './contract.js';

/**
 * Which live events become webhook events, and under which idempotency key
 * (pure). `callRecord.created` is not here: the record's importer writes it
 * in the transaction that stores the record.
 */

export type LiveWebhookEvent = { type: WebhookEventType; data: unknown; idempotencyKey: string; timestamp: string };

const callTypes: Partial<Record<CallEventKind, WebhookEventType>> = {
  RINGING: 'call.ringing',
  ANSWERED: 'call.answered',
  TRANSFERRED: 'call.transferred',
  ENDED: 'call.ended',
};

/** call.ringing / answered / transferred / ended with the call as it is after the change; STARTED, HELD, UNHELD and UPDATED send nothing. */
export function callWebhookEvent(event: CallEvent): LiveWebhookEvent | null {
  const type = callTypes[event.kind];
  if (!type) return null;
  return { type, data: event.call, idempotencyKey: `call:${event.call.id}:${event.kind}:${event.call.version}`, timestamp: event.at };
}

/** voicemail.received for a message that arrived (once per message when its id is known), voicemail.changed otherwise. */
export function voicemailWebhookEvent(change: MailboxChange): LiveWebhookEvent {
  if (change.reason === 'NEW_MESSAGE') {
    const cause = change.messageId ?? `${change.at}:${change.newMessages}:${change.oldMessages}`;
    return { type: 'voicemail.received', data: change, idempotencyKey: `voicemail:${change.mailbox}:received:${cause}`, timestamp: change.at };
  }
  return { type: 'voicemail.changed', data: change, idempotencyKey: `voicemail:${change.mailbox}:changed:${change.at}:${change.newMessages}:${change.oldMessages}`, timestamp: change.at };
}

export type ExtensionStatusData = ExtensionStatus & { previousState: ExtensionState | null };

/**
 * extension.status when an extension's state changes (ONLINE, RINGING, BUSY,
 * OFFLINE, UNAVAILABLE). The bus also reports contact changes (a qualify's
 * round-trip time) without a change of state: those send nothing. The first
 * status seen of an extension is sent, so a receiver learns every
 * extension's state when this server (re)starts.
 */
export class ExtensionStateChanges {
  private readonly last = new Map<string, ExtensionState>();
  private sequence = 0;

  constructor(private readonly instance: string) {}

  next(status: ExtensionStatus, at: Date = new Date()): LiveWebhookEvent | null {
    const previous = this.last.get(status.number) ?? null;
    if (previous === status.state) return null;
    this.last.set(status.number, status.state);
    const data: ExtensionStatusData = { number: status.number, state: status.state, previousState: previous, contacts: status.contacts };
    this.sequence += 1;
    return { type: 'extension.status', data, idempotencyKey: `extension:${status.number}:${this.instance}:${this.sequence}`, timestamp: at.toISOString() };
  }
}
