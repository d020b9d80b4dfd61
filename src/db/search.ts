import type { Provider } from './client.js';

/**
 * A case-insensitive "contains" filter for fuzzy search on name or number.
 * SQLite's LIKE is case-insensitive for ASCII already; PostgreSQL needs the
 * insensitive mode, which Prisma refuses on SQLite.
 */
export function nameOrNumberContains(search: string, provider: Provider) {
  const contains = provider === 'postgres' ? { contains: search, mode: 'insensitive' as const } : { contains: search };
  return { OR: [{ name: contains }, { number: contains }] };
}
