import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql for our sources and the dependencies (Node loads its CommonJS build for
    // them; without this Vite would give our sources the ESM build and `instanceof` checks would fail).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
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
