import type { Permission } from '../auth/permissions.js';
import { eventTypePermission, webhookEventTypes, type WebhookEventType } from '../webhooks/contract.js';
import { messageStatuses, type MessageStatus } from '../webhooks/attempt.js';
import { parseEventTypes } from '../webhooks/endpoint-fields.js';
import { RESPONSE_BODY_LIMIT } from '../webhooks/sender.js';
import type { EndpointInput } from '../webhooks/service.js';
import { TEST_EVENT_TYPE } from '../webhooks/wire.js';
import { builder } from './builder.js';
import { audited, mutationErrors } from './errors.js';
import { DeletedRef, deletedPayload } from './extensions.js';
import { decodeId } from './ids.js';
import { selection } from './selection.js';

/** Webhooks (F-6.1.2 and beyond): endpoints, their delivery log and replay. Extension users have none of it. */
// Who may write endpoints may read them (the answer of createWebhookEndpoint is the endpoint).
const read = { anyPerm: ['webhooks:read', 'webhooks:write'] } as const;
const write = { perm: 'webhooks:write' } as const;

const eventTypeDescriptions: Record<WebhookEventType, string> = {
  'call.ringing': 'A call rings an extension (or a trunk); data: the call (caller, callee, DID, trunk, legs) as after the change',
  'call.answered': 'A call was answered; data: the call',
  'call.transferred': 'A call was transferred (it stays one call); data: the call',
  'call.ended': 'A call ended, with the hang-up cause; data: the call',
  'extension.status': "An extension's status changed (ONLINE, RINGING, BUSY, OFFLINE, UNAVAILABLE); data: number, state, previousState, contacts",
  'voicemail.received': 'A voicemail message arrived; data: mailbox, newMessages, oldMessages, messageId',
  'voicemail.changed': "A mailbox's messages were read, moved or deleted; data: mailbox, newMessages, oldMessages",
  'callRecord.created': 'A call record was written (F-5.2); data: the record',
};

type EventTypeInfo = { type: string; description: string };
const WebhookEventTypeInfoRef = builder.objectRef<EventTypeInfo>('WebhookEventTypeInfo').implement({
  description: 'An event type an endpoint may subscribe to: the `type` of the payload it receives',
  fields: (t) => ({ type: t.exposeString('type'), description: t.exposeString('description') }),
});

const WebhookMessageStatusEnum = builder.enumType('WebhookMessageStatus', {
  values: {
    PENDING: { description: 'Not delivered yet: sent at nextAttemptAt' },
    DELIVERED: { description: 'The receiver answered 2xx' },
    FAILED: { description: 'Given up after the last attempt of the retry schedule (or a failed test ping); replayWebhookMessage(s) sends it again' },
  } satisfies Record<MessageStatus, unknown>,
});
if (messageStatuses.length !== 3) throw new Error('WebhookMessageStatus: the enum and the table disagree');

export const WebhookAttemptRef = builder.prismaNode('WebhookAttempt', {
  id: { field: 'id' },
  description: 'One attempt to deliver a message: the delivery log',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    attemptedAt: t.expose('attemptedAt', { type: 'DateTime' }),
    succeeded: t.boolean({ description: 'The receiver answered 2xx', resolve: (a) => a.httpStatus !== null && a.httpStatus >= 200 && a.httpStatus < 300 }),
    httpStatus: t.exposeInt('httpStatus', { nullable: true, description: "The receiver's HTTP status; null when there was no answer" }),
    error: t.exposeString('error', { nullable: true, description: 'What went wrong without an answer (refused address, DNS, connection, TLS, timeout), or while reading it' }),
    durationMs: t.exposeInt('durationMs'),
    responseBody: t.exposeString('responseBody', { description: `The first ${RESPONSE_BODY_LIMIT} bytes of the answer` }),
    message: t.relation('message'),
  }),
});

export const WebhookMessageRef = builder.prismaNode('WebhookMessage', {
  id: { field: 'id' },
  description: 'One event for one endpoint, retried with backoff until delivered or given up',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    webhookId: t.string({ description: 'The webhook-id header: the same on every attempt and replay; receivers deduplicate by it', select: { eventId: true }, resolve: (m) => m.eventId }),
    eventType: t.string({ select: { event: { select: { type: true } } }, resolve: (m) => m.event.type }),
    payload: t.string({
      nullable: true,
      description:
        "The JSON body sent: {type, timestamp, data}; null with an error for a caller without the permission its event type's data needs (a call record: callRecords:read, a call: calls:read, voicemail: voicemail:read, extension status: extensions:read)",
      select: { event: { select: { payload: true, type: true } } },
      // The test ping (no event type of the list) carries nothing but the endpoint's own data.
      authScopes: (m) => {
        const permission: Permission | undefined = eventTypePermission[m.event.type as WebhookEventType];
        return permission ? { perm: permission } : read;
      },
      resolve: (m) => m.event.payload,
    }),
    status: t.field({ type: WebhookMessageStatusEnum, resolve: (m) => m.status as MessageStatus }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made (a bulk replay starts counting again)' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'When it is sent next (PENDING only)', resolve: (m) => (m.status === 'PENDING' ? m.nextAttemptAt : null) }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    endpoint: t.relation('endpoint'),
    deliveryAttempts: t.relatedConnection('attemptLog', {
      cursor: 'id',
      description: 'Every attempt, newest first',
      totalCount: true,
      query: () => ({ orderBy: [{ attemptedAt: 'desc' }, { id: 'desc' }] }),
    }),
  }),
});

export const WebhookEndpointRef = builder.prismaNode('WebhookEndpoint', {
  id: { field: 'id' },
  description: 'A receiver of webhooks (F-6.1.2): the events it wants, POSTed as JSON and signed the Standard Webhooks way with its secret',
  objectAuthScopes: { type: read },
  fields: (t) => ({
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    eventTypes: t.stringList({ description: 'The event types it receives (see webhookEventTypes); a test ping always reaches it', resolve: (e) => parseEventTypes(e.eventTypes) }),
    enabled: t.exposeBoolean('enabled', { description: 'A disabled endpoint gets no new events; its pending messages wait until it is enabled again' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    pendingMessages: t.relationCount('messages', { where: { status: 'PENDING' }, description: 'Messages not delivered yet' }),
    failedMessages: t.relationCount('messages', { where: { status: 'FAILED' }, description: 'Messages given up' }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      description: 'The delivery log: its messages, newest first',
      totalCount: true,
      args: { status: t.arg({ type: WebhookMessageStatusEnum, required: false, description: 'Only messages in this state' }) },
      query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaConnection({
    type: WebhookEndpointRef,
    cursor: 'id',
    description: 'The webhook endpoints, oldest first',
    authScopes: read,
    totalCount: (_c, _a, ctx) => ctx.services.db.prisma.webhookEndpoint.count(),
    resolve: (query, _r, _a, ctx) => ctx.services.db.prisma.webhookEndpoint.findMany({ ...selection(query), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
  webhookEndpoint: t.prismaField({
    type: WebhookEndpointRef,
    nullable: true,
    description: 'One webhook endpoint by ID, with its delivery log',
    authScopes: read,
    args: { id: t.arg.globalID() },
    resolve: (query, _r, args, ctx) => ctx.services.db.prisma.webhookEndpoint.findUnique({ ...selection(query), where: { id: decodeId(args.id, 'WebhookEndpoint') } }),
  }),
  webhookEventTypes: t.field({
    type: [WebhookEventTypeInfoRef],
    description: `The event types an endpoint may subscribe to (${TEST_EVENT_TYPE}, sent by sendWebhookTestPing, needs no subscription)`,
    authScopes: read,
    resolve: () => webhookEventTypes.map((type) => ({ type, description: eventTypeDescriptions[type] })),
  }),
}));

type Secret = { endpoint: { id: string }; secret: string };
const WebhookEndpointSecretRef = builder.objectRef<Secret>('WebhookEndpointWithSecret').implement({
  description: 'An endpoint with its signing secret, answered only here (at creation and rotation): keep it, it cannot be read again',
  fields: (t) => ({
    endpoint: t.prismaField({
      type: WebhookEndpointRef,
      resolve: (query, s, _a, ctx) => ctx.services.db.prisma.webhookEndpoint.findUniqueOrThrow({ ...selection(query), where: { id: s.endpoint.id } }),
    }),
    secret: t.exposeString('secret', { description: 'whsec_ followed by the base64 key: give it as is to a Standard Webhooks library to verify webhook-signature' }),
  }),
});

const ReplayedRef = builder.objectRef<{ count: number }>('ReplayWebhookMessagesPayload').implement({
  fields: (t) => ({ count: t.exposeInt('count', { description: 'Messages back to PENDING, sent again from now on with a fresh retry schedule' }) }),
});

type Fields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];
const EndpointFields = (create: boolean) => (t: Fields) => ({
  url: t.string({
    required: create,
    description:
      'http or https. Its host must resolve to public addresses only (loopback, private, link-local and reserved ones are refused unless the server runs with WEBHOOK_ALLOW_PRIVATE=true); checked again before every request',
  }),
  eventTypes: t.stringList({ required: create, description: `At least one of ${webhookEventTypes.join(', ')}${create ? '' : '; replaces the list'}` }),
  description: t.string({ required: false }),
  enabled: t.boolean({ required: false, description: create ? 'true when not given' : undefined }),
});
const CreateInput = builder.inputType('CreateWebhookEndpointInput', { fields: EndpointFields(true) });
const UpdateInput = builder.inputType('UpdateWebhookEndpointInput', { description: 'Only the fields given change', fields: EndpointFields(false) });

const defined = (input: Record<string, unknown>): EndpointInput => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null));
type Id = { typename: string; id: string };

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: WebhookEndpointSecretRef,
    description: 'Registers a receiver; answers its signing secret once',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { input: t.arg({ type: CreateInput }) },
    resolve: audited((a: { input: Record<string, unknown> }, c) => c.services.webhooks.service.create(c.principal!, defined(a.input))),
  }),
  updateWebhookEndpoint: t.prismaField({
    type: WebhookEndpointRef,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID(), input: t.arg({ type: UpdateInput }) },
    resolve: async (query, root, args, ctx, info) => {
      const row = await audited((a: typeof args, c) => c.services.webhooks.service.update(c.principal!, decodeId(a.id, 'WebhookEndpoint'), defined(a.input)))(root, args, ctx, info);
      return ctx.services.db.prisma.webhookEndpoint.findUniqueOrThrow({ ...selection(query), where: { id: row.id } });
    },
  }),
  deleteWebhookEndpoint: t.field({
    type: DeletedRef,
    description: 'Deletes the endpoint with its messages and delivery log',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited(async (a: { id: Id }, c) => deletedPayload([await c.services.webhooks.service.delete(decodeId(a.id, 'WebhookEndpoint'))], 'WebhookEndpoint')),
  }),
  rotateWebhookSecret: t.field({
    type: WebhookEndpointSecretRef,
    description: 'A new signing secret, answered once; every attempt from now on (retries of older messages too) is signed with it',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: audited((a: { id: Id }, c) => c.services.webhooks.service.rotateSecret(decodeId(a.id, 'WebhookEndpoint'))),
  }),
  sendWebhookTestPing: t.prismaField({
    type: WebhookAttemptRef,
    description: `Sends a ${TEST_EVENT_TYPE} event to the endpoint now and answers the attempt (a failed ping is not retried)`,
    authScopes: write,
    errors: { types: mutationErrors },
    args: { endpointId: t.arg.globalID() },
    resolve: async (query, root, args, ctx, info) => {
      const made = await audited((a: typeof args, c) => c.services.webhooks.service.ping(decodeId(a.endpointId, 'WebhookEndpoint')))(root, args, ctx, info);
      return ctx.services.db.prisma.webhookAttempt.findUniqueOrThrow({ ...selection(query), where: { id: made.attemptId } });
    },
  }),
  replayWebhookMessage: t.prismaField({
    type: WebhookAttemptRef,
    description: 'Sends one message again now, with the same webhook-id, and answers the attempt; delivered makes it DELIVERED, a failure leaves its state',
    authScopes: write,
    errors: { types: mutationErrors },
    args: { id: t.arg.globalID() },
    resolve: async (query, root, args, ctx, info) => {
      const made = await audited((a: typeof args, c) => c.services.webhooks.service.replay(decodeId(a.id, 'WebhookMessage')))(root, args, ctx, info);
      return ctx.services.db.prisma.webhookAttempt.findUniqueOrThrow({ ...selection(query), where: { id: made.attemptId } });
    },
  }),
  replayWebhookMessages: t.field({
    type: ReplayedRef,
    description: "Sends the endpoint's FAILED messages created since then again (same webhook-ids), with a fresh retry schedule",
    authScopes: write,
    errors: { types: mutationErrors },
    args: { endpointId: t.arg.globalID(), since: t.arg({ type: 'DateTime' }) },
    resolve: audited(async (a: { endpointId: Id; since: Date }, c) => ({ count: await c.services.webhooks.service.replayFailed(decodeId(a.endpointId, 'WebhookEndpoint'), a.since) })),
  }),
}));
