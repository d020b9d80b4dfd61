import type { PrismaClient } from '../db/client.js';
import type { PbxNames } from './cdr-mapping.js';

/** How long the names are reused: an import burst reads them once, a new extension is known within seconds. */
const REUSE_MS = 2000;

/** The extension numbers and trunk names, read at most every couple of seconds. */
export function pbxNames(prisma: PrismaClient): () => Promise<PbxNames> {
  let cached: { at: number; names: Promise<PbxNames> } | null = null;
  return () => {
    const now = Date.now();
    if (cached && now - cached.at < REUSE_MS) return cached.names;
    const names = Promise.all([prisma.extension.findMany({ select: { number: true } }), prisma.trunk.findMany({ select: { name: true } })]).then(([extensions, trunks]) => ({
      extensions: new Set(extensions.map((e) => e.number)),
      trunks: new Set(trunks.map((t) => t.name)),
    }));
    cached = { at: now, names };
    names.catch(() => (cached = null));
    return names;
  };
}
