import type { Tx } from '../db/client.js';
import type { RenderDestination } from '../domains/types.js';
import { domains } from '../domains/registry.js';
import { loadDestinations } from './store.js';

/**
 * The destinations of owners of one kind as the renderer needs them: the
 * target's current number (looked up in the one namespace of numbers) or
 * its text, and the parameters. Owner id → slot → destination.
 */
export async function renderDestinations(tx: Tx, ownerKind: string): Promise<Map<string, Map<string, RenderDestination>>> {
  const stored = await loadDestinations(tx, ownerKind);
  const targetIds = [...stored.values()]
    .flatMap((slots) => [...slots.values()])
    .filter((d) => domains.destination(d.type)?.target.kind === 'object')
    .map((d) => d.target!);
  const numbers = new Map((await tx.dialableNumber.findMany({ where: { ownerId: { in: [...new Set(targetIds)] } } })).map((r) => [`${r.ownerKind}:${r.ownerId}`, r.number]));
  const result = new Map<string, Map<string, RenderDestination>>();
  for (const [ownerId, slots] of stored) {
    const rendered = new Map<string, RenderDestination>();
    for (const [slot, d] of slots) {
      const target = domains.destination(d.type)?.target;
      const number = target?.kind === 'object' ? (numbers.get(`${target.objectKind}:${d.target}`) ?? null) : d.target;
      rendered.set(slot, { type: d.type, number, targetId: target?.kind === 'object' ? d.target : null, parameters: d.parameters });
    }
    result.set(ownerId, rendered);
  }
  return result;
}

/** The one dialplan step of a destination; a kind that is not registered stops the render. */
export function destinationTarget(destination: RenderDestination): string {
  const spec = domains.destination(destination.type);
  if (!spec) throw new Error(`destination ${destination.type} has no dialplan target`);
  return spec.dialplanTarget(destination);
}
