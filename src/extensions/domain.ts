import { z } from 'zod';
import type { Tx } from '../db/client.js';
import { findExtensionId } from '../destinations/refs.js';
import type { DomainModule } from '../domains/types.js';
import { digits } from '../pbx/render/dialplan-text.js';
import { extensionContexts, extensionDialplan, extensionExpectations, extensionLookups } from './dialplan.js';
import { iaxFriends } from './iax-config.js';
import { extensionAcls, extensionPjsipObjects } from './pjsip-objects.js';
import { voicemailFile } from './voicemail-config.js';
import { readExtensionSlice, readExtensionsById } from './snapshot.js';

async function describeExtensions(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.extension.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } });
  return new Map(rows.map((r) => [r.id, `extension ${r.number} (${r.name})`]));
}

async function disabledReason(tx: Tx, id: string): Promise<string | null> {
  const row = await tx.extension.findUnique({ where: { id }, select: { enabled: true } });
  return row && !row.enabled ? 'it is disabled' : null;
}

async function voicemailOffReason(tx: Tx, id: string): Promise<string | null> {
  const row = await tx.extension.findUnique({ where: { id }, select: { voicemailEnabled: true } });
  return row && !row.voicemailEnabled ? 'its voicemail is off' : null;
}

/** IP extensions (F-4.1.2). */
export const extensionsDomain: DomainModule = {
  name: 'extensions',
  rights: [{ name: 'allowExtensions', description: 'May call extensions (F-4.3.3 分机)' }],
  numberKinds: [{ kind: 'EXTENSION', noun: 'extension', range: 'userExtensionRange', describe: describeExtensions }],
  destinations: [
    {
      type: 'EXTENSION',
      description: 'Ring an extension (then its voicemail when it has one)',
      target: { kind: 'object', objectKind: 'EXTENSION', graphqlType: 'Extension', noun: 'extension', find: findExtensionId, unusable: disabledReason },
      parameters: z.object({
        ringTimeSeconds: z.number().int().min(5, 'at least 5').max(600, 'at most 600').optional().describe('EXTENSION: how long it rings, seconds; the global ring time when not given'),
      }),
      dialplanTarget: (d) =>
        typeof d.parameters?.ringTimeSeconds === 'number'
          ? `Gosub(${extensionContexts.ringFor},s,1(${digits(d.number!, 'extension')},${digits(String(d.parameters.ringTimeSeconds), 'ring time')}))`
          : `Goto(${extensionContexts.extensions},${digits(d.number!, 'extension')},1)`,
    },
    {
      type: 'VOICEMAIL',
      description: "An extension's mailbox, with the unavailable (default) or the busy greeting",
      target: { kind: 'object', objectKind: 'EXTENSION', graphqlType: 'Extension', noun: 'extension (voicemail)', find: findExtensionId, unusable: voicemailOffReason },
      parameters: z.object({ greeting: z.enum(['UNAVAILABLE', 'BUSY']).default('UNAVAILABLE').describe('VOICEMAIL: the greeting the caller hears') }),
      dialplanTarget: (d) => `Goto(${extensionContexts.voicemail},${digits(d.number!, 'mailbox')},${d.parameters?.greeting === 'BUSY' ? 'busy' : '1'})`,
    },
  ],
  readSnapshot: (tx) => readExtensionSlice(tx),
  config: [
    { file: 'acl.conf', order: 10, render: extensionAcls },
    { file: 'voicemail.conf', order: 0, render: voicemailFile },
    { file: 'iax.conf', order: 10, render: iaxFriends },
  ],
  objects: {
    configClass: 'res_pjsip',
    types: ['auth', 'aor', 'endpoint'],
    // Asterisk lists every endpoint for each new aor; an aor's copy lists its registered contacts as `contact`.
    cachedTypes: ['endpoint'],
    restoredTypes: ['aor'],
    file: 'pjsip.conf',
    order: 10,
    render: extensionPjsipObjects,
    readSlice: (tx, ids) => readExtensionsById(tx, ids),
  },
  dialplan: { includes: [{ context: extensionContexts.extensions, right: 'allowExtensions' }], contexts: extensionDialplan, lookups: extensionLookups },
  expectations: extensionExpectations,
};
