/**
 * Scenarios shared by the tests (which assert on them) and the benchmark (which reports them).
 */
import { runJob } from './fake-runner.ts';
import { VeniceEmulator } from './venice-emulator.ts';

export interface BurstReport {
  jobs: number;
  succeeded: number;
  posts: number;
  keysLeft: number;
  wallMs: number;
  /** The least wall time the creation limit allows: the windows needed beyond the first. */
  floorMs: number;
  windowMs: number;
  limit: number;
}

/** `jobs` matrix jobs mint at once (then run their post steps) against a shrunken creation window. */
export async function runBurst(jobs = 30, windowMs = 3_000, limit = 20): Promise<BurstReport> {
  const emulator = await new VeniceEmulator({ creationLimit: limit, creationWindowMs: windowMs }).start();
  try {
    const started = Date.now();
    const windowStart = Math.floor(started / windowMs) * windowMs;
    const results = await Promise.all(
      Array.from({ length: jobs }, (_, index) =>
        runJob({
          inputs: { 'base-url': emulator.url, 'admin-key': emulator.adminKey, ttl: '10m', description: `matrix ${index}` },
          env: { GITHUB_RUN_ID: '555', GITHUB_JOB: `job-${index}` },
        }),
      ),
    );
    const wallMs = Date.now() - started;
    const windowsNeeded = Math.ceil(jobs / limit);
    return {
      jobs,
      succeeded: results.filter(({ main, post }) => main.code === 0 && post.code === 0 && main.outputs['api-key']).length,
      posts: emulator.requests('POST', '/api_keys').length,
      keysLeft: emulator.mintedKeys().length,
      wallMs,
      floorMs: Math.max(0, windowStart + (windowsNeeded - 1) * windowMs - started),
      windowMs,
      limit,
    };
  } finally {
    await emulator.stop();
  }
}
