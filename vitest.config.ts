import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // End-to-end tests start processes and servers; two workers match the machine's two cores.
    maxWorkers: 2,
  },
});
