import type { Tx } from '../db/client.js';
import { NumberConflictError, type NumberOwner } from '../errors.js';
import { inChunks } from '../db/chunks.js';
import { domains } from '../domains/registry.js';
import type { NumberKind } from './ranges.js';

/**
 * The one namespace of dialable numbers (D5). Every owner claims its number
 * inside the transaction that creates or renumbers it; the primary key on
 * DialableNumber makes a double claim impossible even under concurrency.
 */
export async function claimNumber(tx: Tx, number: string, kind: NumberKind, ownerId: string, path: string[]): Promise<void> {
  const existing = await tx.dialableNumber.findUnique({ where: { number } });
  if (existing && !(existing.ownerKind === kind && existing.ownerId === ownerId)) {
    throw new NumberConflictError(number, await describeOwner(tx, existing.ownerKind, existing.ownerId), path);
  }
  if (existing) return;
  await tx.dialableNumber.deleteMany({ where: { ownerKind: kind, ownerId } });
  await tx.dialableNumber.create({ data: { number, ownerKind: kind, ownerId } });
}

/** Claims many numbers at once (batch create, import); the caller has checked clashes among them. */
export async function claimNumbers(tx: Tx, claims: { number: string; kind: NumberKind; ownerId: string; path: string[] }[]): Promise<void> {
  if (!claims.length) return;
  await inChunks(
    claims,
    async (chunk) => {
      const taken = await tx.dialableNumber.findFirst({ where: { number: { in: chunk.map((c) => c.number) } } });
      if (taken) {
        const claim = chunk.find((c) => c.number === taken.number)!;
        throw new NumberConflictError(taken.number, await describeOwner(tx, taken.ownerKind, taken.ownerId), claim.path);
      }
    },
    1000,
  );
  await inChunks(claims, (chunk) => tx.dialableNumber.createMany({ data: chunk.map((c) => ({ number: c.number, ownerKind: c.kind, ownerId: c.ownerId })) }), 250);
}

export async function releaseNumbers(tx: Tx, kind: NumberKind, ownerIds: string[]): Promise<void> {
  await tx.dialableNumber.deleteMany({ where: { ownerKind: kind, ownerId: { in: ownerIds } } });
}

/** Which of these numbers are taken, with their owners. */
export async function findOwners(tx: Tx, numbers: string[]): Promise<Map<string, NumberOwner>> {
  const rows: { number: string; ownerKind: string; ownerId: string }[] = [];
  await inChunks(numbers, async (chunk) => rows.push(...(await tx.dialableNumber.findMany({ where: { number: { in: chunk } } }))), 1000);
  const owners = new Map<string, NumberOwner>();
  for (const row of rows) owners.set(row.number, await describeOwner(tx, row.ownerKind, row.ownerId));
  return owners;
}

/** The owner of a number as clash errors name it, e.g. `extension 101 (Alice)`: the owning domain describes it. */
export async function describeOwner(tx: Tx, kind: string, id: string): Promise<NumberOwner> {
  const spec = domains.numberKind(kind);
  const label = (await spec?.describe(tx, [id]))?.get(id) ?? `${spec?.noun ?? kind.toLowerCase()} ${id}`;
  return { kind, id, label };
}
