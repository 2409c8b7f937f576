import { defineConfig } from 'vitest/config';

// The chaos property is heavy exploration: `npm run chaos` runs it (CI too, with a fixed seed), `npm test` does not.
const chaos = process.env.CHAOS_RUNS ? [] : ['test/chaos/**'];

export default defineConfig({
  test: {
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Worker threads start faster than processes; end-to-end tests spend much of their time waiting on the
    // processes they start, so three workers keep two cores busy.
    pool: 'threads',
    maxWorkers: 3,
    projects: [
      { extends: true, test: { name: 'in-process', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', ...chaos] } },
      // End-to-end tests keep their state in the processes and servers they start, not in modules, so they
      // share workers instead of starting one per file.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], isolate: false } },
    ],
  },
});
