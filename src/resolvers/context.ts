import DataLoader from 'dataloader';
import { storedFromRow } from '../destinations/store.js';
import type { Principal } from '../auth/permissions.js';
import type { Services } from '../services.js';
import { extensionLoaders, PeekableLoader } from './extensions-loaders.js';

/** What every resolver receives. Built per request (HTTP) or per operation (WebSocket). */
export type Context = {
  services: Services;
  principal: Principal | null;
  /** Why the credential the request sent authenticates no one (expired, not valid); null when it sent none or it did. */
  credentialRefusal: string | null;
  /** Aborted when the operation ends; for a subscription, when its stream ends or its client leaves (see endsWithOperation). */
  operation: AbortController;
  ip: string;
  /** Outcomes of mutation fields, by response key, set where an error is turned into a result. */
  outcomes: Map<string, string>;
  loaders: ReturnType<typeof createLoaders>;
  /** Secrets this request read (e.g. `Extension.password` of 101), for the audit log (F-7.9.1). */
  secretReads?: Map<string, number>;
  /** QR images (ExtensionQrCode.pngDataUrl) asked for so far; set by the first one (see takeQrImage). */
  qrImages?: number;
};

/**
 * `source`, ended (its `return()` called) when the operation of `ctx` ends. A subscription written as
 * an async generator cannot be stopped while it waits on its source: its own `return()` waits for the
 * source's next event, and a quiet topic kept the subscription (and the generator) of a client long
 * gone. Ending the source lets the generator finish at once.
 */
export function endsWithOperation<I extends AsyncIterator<unknown>>(ctx: Context, source: I): I {
  const end = () => void source.return?.()?.catch(() => undefined);
  if (ctx.operation.signal.aborted) end();
  else ctx.operation.signal.addEventListener('abort', end, { once: true });
  return source;
}

/** Notes that a request read a secret; the audit plugin writes one entry per request that did. */
export function noteSecretRead(ctx: Context, what: string): void {
  ctx.secretReads ??= new Map();
  ctx.secretReads.set(what, (ctx.secretReads.get(what) ?? 0) + 1);
}

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
    /** The dialable number of an owner, by `KIND:id` (one namespace for every kind). */
    numberOfOwner: new DataLoader(async (keys: readonly string[]) => {
      const ids = [...new Set(keys.map((k) => k.slice(k.indexOf(':') + 1)))];
      const rows = await prisma.dialableNumber.findMany({ where: { ownerId: { in: ids } } });
      const byKey = new Map(rows.map((r) => [`${r.ownerKind}:${r.ownerId}`, r.number]));
      return keys.map((k) => byKey.get(k) ?? null);
    }),
    /** The stored destinations of an owner, by `KIND:id`: slot → destination. */
    destinationsOfOwner: new DataLoader(async (keys: readonly string[]) => {
      const owners = keys.map((k) => ({ ownerKind: k.slice(0, k.indexOf(':')), ownerId: k.slice(k.indexOf(':') + 1) }));
      const rows = await prisma.destination.findMany({ where: { OR: owners } });
      return keys.map((k) => new Map(rows.filter((r) => `${r.ownerKind}:${r.ownerId}` === k).map((r) => [r.slot, storedFromRow(r)])));
    }),
    ...extensionLoaders(prisma),
    departmentById: new DataLoader(async (ids: readonly string[]) => {
      const rows = await prisma.department.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** The numbers in DND (astdb, through AMI): one read for the doNotDisturb fields of a page; null when Asterisk cannot be asked. */
    doNotDisturb: new PeekableLoader(async (keys: readonly 'dnd'[]) => {
      const numbers = await services.doNotDisturb.numbers();
      return keys.map(() => numbers);
    }),
    /** Every call forward (astdb, through AMI): one read for the callForwarding fields of a page; null when Asterisk cannot be asked. */
    callForwarding: new PeekableLoader(async (keys: readonly 'cf'[]) => {
      const all = await services.callForwarding.all();
      return keys.map(() => all);
    }),
    /** The settings a QR payload is made of: one read for the qrCode fields of a page, not kept beyond it. */
    qrSettings: new DataLoader(
      async (keys: readonly 'qr'[]) => {
        const settings = await services.settings.store.getMany(prisma, ['softphone', 'proxyDomain', 'sip']);
        return keys.map(() => settings);
      },
      { cache: false },
    ),
  };
}
