import DataLoader from 'dataloader';
import type { Principal } from '../auth/permissions.js';
import type { Services } from '../services.js';

/** What every resolver receives. Built per request (HTTP) or per operation (WebSocket). */
export type Context = {
  services: Services;
  principal: Principal | null;
  ip: string;
  /** Outcomes of mutation fields, by response key, set where an error is turned into a result. */
  outcomes: Map<string, string>;
  loaders: ReturnType<typeof createLoaders>;
};

/** Batched lookups for fields that are not Prisma relations (destination targets). */
export function createLoaders(services: Services) {
  const prisma = services.db.prisma;
  return {
    extensionById: new DataLoader(async (ids: readonly string[]) => {
      const rows = await prisma.extension.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    extensionByNumber: new DataLoader(async (numbers: readonly string[]) => {
      const rows = await prisma.extension.findMany({ where: { number: { in: [...numbers] } } });
      const byNumber = new Map(rows.map((r) => [r.number, r]));
      return numbers.map((n) => byNumber.get(n) ?? null);
    }),
    departmentById: new DataLoader(async (ids: readonly string[]) => {
      const rows = await prisma.department.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
