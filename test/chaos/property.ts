/**
 * The chaos property, run by mint-post.test.ts and handoff.test.ts (two files, so the two
 * flows run on separate workers). Promise: whatever the network, Venice and the runner
 * do (5xx, 429, resets, lost answers, late commits, hangs, a cancel), no key shows in a
 * log, nothing but this run's keys is deleted, main succeeds only with a key that exists,
 * a failure says why, every step ends by itself, and no key of the run is left unless an
 * annotation names it.
 *
 * A few seeded cases run with `npm test`; `npm run chaos -- --runs 500` runs many.
 * A failure prints the seed, the path and the shrunk schedule: replay it with
 * `npm run chaos -- --seed <seed> --path <path>`.
 */
import fc from 'fast-check';
import { DEFAULT_SEED } from '../helpers/generative.ts';
import { type ChaosCase, chaosCase, play } from './harness.ts';

export const runs = Number(process.env.CHAOS_RUNS ?? 3);
const seed = Number(process.env.CHAOS_SEED ?? process.env.FC_SEED ?? DEFAULT_SEED);
const path = process.env.CHAOS_PATH;
/** The worst case takes about a minute (five faults at their longest on a busy machine); shrinking gets the rest. */
export const budgetMs = Number(process.env.CHAOS_BUDGET_MS ?? runs * 60_000 + 120_000);

export async function check(flow: 'job' | 'handoff'): Promise<void> {
  await fc.assert(
    fc.asyncProperty(chaosCase, async (chaos: ChaosCase) => {
      await play(flow, chaos);
    }),
    {
      seed,
      numRuns: runs,
      // Replaying a printed failure: that one case, not shrunk again.
      ...(path ? { path, endOnFailure: true } : {}),
      // A failing case is shrunk within the budget; the report then shows the smallest schedule found so far.
      interruptAfterTimeLimit: budgetMs,
      markInterruptAsFailure: false,
    },
  );
}
