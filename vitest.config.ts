import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own server on its own temporary database.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
