/**
 * Keys are named after their repository, run and attempt. @actions/github reads the
 * runner's variables once, when it is first loaded: this file sets them before loading it.
 * Older GHES runners and local runs may leave GITHUB_RUN_ATTEMPT unset: that is attempt 1.
 */
import { afterAll, expect, it } from 'vitest';

const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
});
process.env.GITHUB_REPOSITORY = 'octo-org/octo-repo';
process.env.GITHUB_RUN_ID = '1234567890';
delete process.env.GITHUB_RUN_ATTEMPT;
const { runIdentity } = await import('../../src/runner/context.ts');

it('a run without GITHUB_RUN_ATTEMPT is its first attempt, not attempt NaN', () => {
  expect(runIdentity()).toEqual({ repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' });
});
