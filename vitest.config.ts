import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos property is heavy exploration: `npm run chaos` runs it (CI too, with a fixed seed), `npm test` does not.
    exclude: process.env.CHAOS_RUNS ? [] : ['test/chaos/**'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Worker threads start faster than processes; end-to-end tests spend much of their time waiting on the
    // processes they start, so three workers keep two cores busy.
    pool: 'threads',
    maxWorkers: 3,
  },
});
