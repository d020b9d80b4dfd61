import type { PrismaClient } from '../db/client.js';
import { domains as defaultRegistry } from '../domains/index.js';
import type { DomainRegistry } from '../domains/registry.js';
import type { SettingsStore } from '../settings/store.js';
import type { AsteriskConnection, PbxSnapshot } from './render/snapshot.js';

/** Reads everything the configuration is rendered from, in one transaction (D2): the settings, then each domain's slice. */
export async function readSnapshot(prisma: PrismaClient, store: SettingsStore, connection: AsteriskConnection, registry: DomainRegistry = defaultRegistry): Promise<PbxSnapshot> {
  return prisma.$transaction(async (tx) => {
    const settings = await store.getMany(tx, ['pbx', 'sip', 'numberingPlan']);
    const slices = await Promise.all(registry.domains.map(async (d) => (d.readSnapshot ? d.readSnapshot(tx, { settings: store }) : {})));
    return Object.assign({ settings, connection }, ...slices) as PbxSnapshot;
  });
}
