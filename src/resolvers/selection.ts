/**
 * The query Pothos plans for a Prisma field, made valid when the client
 * selected no column (only __typename): Prisma refuses an empty select.
 */
export function selection<T extends object>(query: T): T {
  const select = (query as { select?: object }).select;
  if (select && Object.keys(select).length === 0) return { ...query, select: { id: true } };
  return query;
}
