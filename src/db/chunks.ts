export function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Runs a bulk statement over slices of `list`, handing the event loop back
 * between them: Prisma compiles each statement synchronously (about 0.5 ms a
 * row for createMany), so one statement of thousands of rows would block for
 * seconds.
 */
export async function inChunks<T>(list: T[], run: (chunk: T[]) => Promise<unknown>, size = 100): Promise<void> {
  for (const chunk of chunks(list, size)) {
    await run(chunk);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
