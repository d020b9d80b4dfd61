import type { PrismaClient } from '../../db/client.js';
import type { DomainRegistry } from '../../domains/registry.js';
import type { SettingsStore } from '../../settings/store.js';
import type { AsteriskConnection, PbxSnapshot } from '../render/snapshot.js';
import type { PushedObject } from './types.js';

/**
 * The objects of some rows of one domain, rendered from a snapshot of those
 * rows alone (and the settings): what an object-level apply reads instead of
 * the whole PBX.
 */
export async function renderObjectsOf(
  deps: { prisma: PrismaClient; settings: SettingsStore; connection: AsteriskConnection; registry: DomainRegistry },
  domain: string,
  ids: string[],
): Promise<{ objects: PushedObject[]; warnings: string[] }> {
  const contribution = deps.registry.domains.find((d) => d.name === domain)?.objects;
  if (!contribution) throw new Error(`domain ${domain} pushes no objects`);
  const snapshot = await deps.prisma.$transaction(async (tx) => {
    const settings = await deps.settings.getMany(tx, ['pbx', 'sip', 'numberingPlan']);
    const slice = await contribution.readSlice(tx, ids, { settings: deps.settings });
    return { settings, connection: deps.connection, ...slice } as PbxSnapshot;
  });
  const rendered = contribution.render(snapshot);
  return { objects: rendered.objects, warnings: rendered.warnings ?? [] };
}

/** Each configuration class's object types in push order, from the domains that push objects. */
export function objectTypeOrder(registry: DomainRegistry): Map<string, string[]> {
  const order = new Map<string, string[]>();
  for (const d of registry.domains) if (d.objects) order.set(d.objects.configClass, [...(order.get(d.objects.configClass) ?? []), ...d.objects.types]);
  return order;
}

/** The object types whose stored copy is written again after an update (`res_pjsip/aor`): see restore.ts. */
export function restoredObjectTypes(registry: DomainRegistry): Set<string> {
  const types = new Set<string>();
  for (const d of registry.domains) for (const type of d.objects?.restoredTypes ?? []) types.add(`${d.objects!.configClass}/${type}`);
  return types;
}
