import { can } from '../auth/permissions.js';
import { AsteriskNotConnectedError, NotAuthenticatedError, NotPermittedError, ValidationError } from '../errors.js';
import type { MailboxChange } from '../voicemail/contract.js';
import { voicemailFolders, type VoicemailFolder } from '../voicemail/folders.js';
import { voicemailDownloadSeconds } from '../voicemail/downloads.js';
import { maxMessageIds, type VoicemailMessage } from '../voicemail/service.js';
import type { MailboxCounts } from '../voicemail/spool.js';
import { builder } from './builder.js';
import { endsWithOperation, type Context } from './context.js';
import { audited, mutationErrors } from './errors.js';

/**
 * Voicemail (issue 10): the messages of a mailbox (named by its extension's
 * number), their audio, reading and deleting, and the mailbox's counts as the
 * phones' message-waiting indication has them. An extension user reaches its
 * own mailbox only; accounts and API keys need voicemail:read / voicemail:write.
 */

const folderDescriptions: Record<VoicemailFolder, string> = {
  NEW: 'Not heard yet (INBOX)',
  OLD: 'Heard (Old)',
  URGENT: 'Left as urgent, not heard yet; counts as new',
  WORK: 'Saved to Work on the phone',
  FAMILY: 'Saved to Family on the phone',
  FRIENDS: 'Saved to Friends on the phone',
  CUST1: 'Saved to custom folder 1',
  CUST2: 'Saved to custom folder 2',
  CUST3: 'Saved to custom folder 3',
  CUST4: 'Saved to custom folder 4',
  CUST5: 'Saved to custom folder 5',
  DELETED: 'Deleted, kept by Asterisk (backup_deleted)',
};
const VoicemailFolderEnum = builder.enumType('VoicemailFolder', {
  values: Object.fromEntries(voicemailFolders.map((f) => [f, { description: folderDescriptions[f] }])) as Record<VoicemailFolder, { description: string }>,
});

const VoicemailChangeReasonEnum = builder.enumType('VoicemailChangeReason', {
  values: {
    CURRENT: { description: 'The state when the subscription started' },
    NEW_MESSAGE: { description: 'A message arrived (messageId names it)' },
    CHANGED: { description: 'Messages were heard, moved or deleted (on a phone or through this API)' },
  } as const,
});

export const VoicemailMessageRef = builder.objectRef<VoicemailMessage>('VoicemailMessage').implement({
  description: 'A voicemail message',
  fields: (t) => ({
    id: t.id({ description: "Asterisk's message id (msg_id): stays the same when the message moves between folders", resolve: (m) => m.msgId }),
    mailbox: t.exposeString('mailbox', { description: "The mailbox: its extension's number" }),
    folder: t.field({ type: VoicemailFolderEnum, resolve: (m) => m.folder }),
    callerNumber: t.exposeString('callerNumber', { nullable: true, description: "The caller's number; null when unknown" }),
    callerName: t.exposeString('callerName', { nullable: true, description: "The caller's name; null when unknown" }),
    callerId: t.exposeString('callerId', { description: 'The caller ID as Asterisk stored it, e.g. `"User 100" <100>`' }),
    durationSeconds: t.exposeInt('durationSeconds', { description: 'Length of the recording, seconds' }),
    receivedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the message was left', resolve: (m) => m.receivedAt }),
    sizeBytes: t.int({ nullable: true, description: 'Bytes of the WAV recording; null when there is none', resolve: (m) => m.audioBytes }),
    downloadUrl: t.string({
      nullable: true,
      description: `A signed URL of the WAV recording (audio/wav), good for ${voicemailDownloadSeconds / 60} minutes, relative to this server's address (GET; no other credential needed). With a Bearer token of someone who may read the mailbox the same path works without its token parameter. Null when there is no WAV recording`,
      resolve: (m, _a, ctx) => (m.audioBytes === null ? null : ctx.services.voicemail.downloads.url({ mailbox: m.mailbox, msgId: m.msgId })),
    }),
  }),
});

type Box = MailboxCounts & { mailbox: string };
const VoicemailBoxRef = builder.objectRef<Box>('VoicemailBox').implement({
  description: "A mailbox's counts, as the phones' message-waiting indication (MWI) shows them",
  fields: (t) => ({
    mailbox: t.exposeString('mailbox', { description: "The extension's number" }),
    newMessages: t.exposeInt('newMessages', { description: 'Messages not heard yet (urgent ones included)' }),
    oldMessages: t.exposeInt('oldMessages', { description: 'Messages heard and kept (Old)' }),
    urgentMessages: t.exposeInt('urgentMessages', { description: 'Urgent messages not heard yet (part of newMessages)' }),
    messageWaiting: t.boolean({ description: "The phone's message-waiting lamp: on while there are new messages", resolve: (b) => b.newMessages > 0 }),
  }),
});

type BoxChange = Omit<MailboxChange, 'reason'> & { reason: MailboxChange['reason'] | 'CURRENT' };
const VoicemailBoxChangeRef = builder.objectRef<BoxChange>('VoicemailBoxChange').implement({
  description: "A mailbox's counts after a change",
  fields: (t) => ({
    mailbox: t.exposeString('mailbox'),
    newMessages: t.exposeInt('newMessages', { description: 'Messages not heard yet (urgent ones included)' }),
    oldMessages: t.exposeInt('oldMessages'),
    reason: t.field({ type: VoicemailChangeReasonEnum, resolve: (c) => c.reason }),
    messageId: t.id({ nullable: true, description: 'The message that arrived (NEW_MESSAGE)', resolve: (c) => c.messageId }),
    message: t.field({
      type: VoicemailMessageRef,
      nullable: true,
      description: 'The message that arrived (NEW_MESSAGE), as it is now; null when it is gone',
      resolve: (c, _a, ctx) => (c.messageId ? ctx.services.voicemail.service.message(c.mailbox, c.messageId) : null),
    }),
    at: t.field({ type: 'DateTime', resolve: (c) => new Date(c.at) }),
  }),
});

/** An extension user reaches only its own mailbox; anyone else needs the right. */
function assertMayUse(ctx: Context, mailbox: string, access: 'read' | 'write'): void {
  const p = ctx.principal;
  if (!p) throw new NotAuthenticatedError();
  if (p.kind === 'extension') {
    if (p.username !== mailbox) throw new NotPermittedError('An extension user may use only its own mailbox', ['mailbox']);
    return;
  }
  if (!can(p, `voicemail:${access}`)) throw new NotPermittedError(`Not permitted: voicemail:${access}`, ['mailbox']);
}

/** The mailbox asked for, or an extension user's own when none is given. */
function mailboxOf(ctx: Context, mailbox: string | null | undefined): string | null {
  if (mailbox) return mailbox;
  return ctx.principal?.kind === 'extension' ? ctx.principal.username : null;
}

const mailboxArgDescription = "The mailbox: its extension's number";
const idsDescription = `Message ids (VoicemailMessage.id), at most ${maxMessageIds}; an unknown one is a NOT_FOUND issue at its place in messageIds`;

builder.queryFields((t) => ({
  voicemailMessages: t.field({
    type: [VoicemailMessageRef],
    description: 'The messages of a mailbox, newest first (all folders, or one). An extension user may read only its own mailbox',
    authScopes: { authenticated: true },
    args: {
      mailbox: t.arg.string({ description: mailboxArgDescription }),
      folder: t.arg({ type: VoicemailFolderEnum, required: false, description: 'Only this folder' }),
    },
    resolve: (_r, args, ctx) => {
      assertMayUse(ctx, args.mailbox, 'read');
      return ctx.services.voicemail.service.messages(args.mailbox, args.folder);
    },
  }),
  voicemailBox: t.field({
    type: VoicemailBoxRef,
    description: "A mailbox's counts (new, old, urgent). An extension user's own mailbox when none is given",
    authScopes: { authenticated: true },
    args: { mailbox: t.arg.string({ required: false, description: `${mailboxArgDescription}; required except for an extension user` }) },
    resolve: async (_r, args, ctx) => {
      const mailbox = mailboxOf(ctx, args.mailbox);
      if (!mailbox) throw ValidationError.single(['mailbox'], 'required (only an extension user has a mailbox of its own)', 'REQUIRED');
      assertMayUse(ctx, mailbox, 'read');
      return { mailbox, ...(await ctx.services.voicemail.service.counts(mailbox)) };
    },
  }),
}));

const voicemailErrors = [...mutationErrors, AsteriskNotConnectedError];

const ReadPayloadRef = builder.objectRef<{ messages: VoicemailMessage[]; box: Box }>('MarkVoicemailReadPayload').implement({
  fields: (t) => ({
    messages: t.field({ type: [VoicemailMessageRef], description: 'The messages named, as they are now', resolve: (p) => p.messages }),
    box: t.field({ type: VoicemailBoxRef, description: 'The counts afterwards', resolve: (p) => p.box }),
  }),
});
const DeletePayloadRef = builder.objectRef<{ deletedIds: string[]; box: Box }>('DeleteVoicemailPayload').implement({
  fields: (t) => ({
    deletedIds: t.idList({ resolve: (p) => p.deletedIds }),
    count: t.int({ resolve: (p) => p.deletedIds.length }),
    box: t.field({ type: VoicemailBoxRef, description: 'The counts afterwards', resolve: (p) => p.box }),
  }),
});

type MessagesArgs = { mailbox: string; messageIds: (string | number)[] };

builder.mutationFields((t) => ({
  markVoicemailRead: t.field({
    type: ReadPayloadRef,
    description:
      "Marks messages heard: new and urgent ones move to OLD (through Asterisk, which updates the phones' message-waiting lamp); others stay. Needs Asterisk connected (AsteriskNotConnectedError). Each message is moved on its own: an error names the one that failed, those before it stay moved",
    authScopes: { authenticated: true },
    errors: { types: voicemailErrors },
    args: { mailbox: t.arg.string({ description: mailboxArgDescription }), messageIds: t.arg.idList({ description: idsDescription }) },
    resolve: audited(async (a: MessagesArgs, c) => {
      assertMayUse(c, a.mailbox, 'write');
      const messages = await c.services.voicemail.service.markRead(a.mailbox, a.messageIds.map(String));
      return { messages, box: { mailbox: a.mailbox, ...(await c.services.voicemail.service.counts(a.mailbox)) } };
    }),
  }),
  deleteVoicemail: t.field({
    type: DeletePayloadRef,
    description:
      "Deletes messages (through Asterisk, which renumbers the folder and updates the phones' message-waiting lamp). Needs Asterisk connected (AsteriskNotConnectedError). A message deleted meanwhile counts as deleted",
    authScopes: { authenticated: true },
    errors: { types: voicemailErrors },
    args: { mailbox: t.arg.string({ description: mailboxArgDescription }), messageIds: t.arg.idList({ description: idsDescription }) },
    resolve: audited(async (a: MessagesArgs, c) => {
      assertMayUse(c, a.mailbox, 'write');
      const deletedIds = await c.services.voicemail.service.delete(a.mailbox, a.messageIds.map(String));
      return { deletedIds, box: { mailbox: a.mailbox, ...(await c.services.voicemail.service.counts(a.mailbox)) } };
    }),
  }),
}));

/** The mailboxes a subscription watches: the one named (or an extension user's own), else every mailbox of an extension with voicemail on. */
async function watchedMailboxes(ctx: Context, mailbox: string | null | undefined): Promise<{ mailboxes: string[]; all: boolean }> {
  const named = mailboxOf(ctx, mailbox);
  if (named) {
    assertMayUse(ctx, named, 'read');
    await ctx.services.voicemail.service.extensionOf(named);
    return { mailboxes: [named], all: false };
  }
  if (!ctx.principal) throw new NotAuthenticatedError();
  if (!can(ctx.principal, 'voicemail:read')) throw new NotPermittedError('Not permitted: voicemail:read', ['mailbox']);
  const rows = await ctx.services.db.prisma.extension.findMany({ where: { voicemailEnabled: true }, select: { number: true }, orderBy: { number: 'asc' } });
  return { mailboxes: rows.map((r) => r.number), all: true };
}

builder.subscriptionField('voicemailChanged', (t) =>
  t.field({
    type: VoicemailBoxChangeRef,
    description:
      'The current counts of each watched mailbox first (reason CURRENT), then every change: NEW_MESSAGE when a message arrives, CHANGED when messages are heard, moved or deleted. An extension user watches its own mailbox; without mailbox, an account watches every mailbox',
    authScopes: { authenticated: true },
    args: { mailbox: t.arg.string({ required: false, description: `${mailboxArgDescription}; default: an extension user's own, else every mailbox` }) },
    subscribe: async function* (_r, args, ctx) {
      const { mailboxes, all } = await watchedMailboxes(ctx, args.mailbox);
      const watched = new Set(mailboxes);
      // Subscribed before the counts are read, so no change falls in between.
      const changes = endsWithOperation(ctx, ctx.services.bus.subscribe('voicemail'));
      try {
        const at = new Date().toISOString();
        for (const mailbox of mailboxes) {
          const counts = await ctx.services.voicemail.spool.counts(mailbox);
          yield { mailbox, newMessages: counts.newMessages, oldMessages: counts.oldMessages, reason: 'CURRENT', messageId: null, at } satisfies BoxChange;
        }
        while (true) {
          const next = await changes.next();
          if (next.done) return;
          if (all || watched.has(next.value.mailbox)) yield next.value;
        }
      } finally {
        await changes.return?.();
      }
    },
    resolve: (change) => change,
  }),
);
