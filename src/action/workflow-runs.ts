import { debug, messageOf } from '../runner/log.js';
import { quoteServerText } from '../venice/errors.js';

/**
 * Whether workflow runs have finished, from the GitHub API through @actions/github's
 * Octokit (GITHUB_API_URL, so GHES works). Loaded only by `prune`, the one mode that asks.
 */

export type RunState = 'completed' | 'active' | 'missing';
/** When runs cannot be read: why, and whether the token's permissions are the likely cause. */
export type RunStates =
  /** `endedAt`: when each completed run ended (its `updated_at`), ISO 8601. */
  { ok: true; states: Map<string, RunState>; endedAt: Map<string, string> } | { ok: false; reason: string; permissions: boolean };

export async function workflowRunStates(
  token: string,
  repository: string,
  runIds: Iterable<string>,
  timeoutMs: number,
): Promise<RunStates> {
  if (!token) return { ok: false, reason: "no 'github-token' was given", permissions: true };
  // `getOctokit` from the package's root would pull Octokit into every chunk that reads the
  // run's context; its own `lib/utils` export builds the same client in this mode's chunk only.
  const { GitHub, getOctokitOptions } = await import('@actions/github/lib/utils');
  // Octokit's own logger writes to stderr, unfiltered (e.g. a Deprecation header's text):
  // its client and its requests log through ours instead.
  const quiet = (message: string) => debug(`GitHub API: ${message}`);
  const log = { debug: quiet, info: quiet, warn: quiet, error: quiet };
  const octokit = new GitHub(getOctokitOptions(token, { log }));
  const [owner = '', repo = ''] = repository.split('/');
  const states = new Map<string, RunState>();
  const endedAt = new Map<string, string>();
  for (const runId of new Set(runIds)) {
    try {
      const { data } = await octokit.rest.actions.getWorkflowRun({
        owner,
        repo,
        run_id: Number(runId),
        request: { signal: AbortSignal.timeout(timeoutMs), log },
      });
      states.set(runId, data.status === 'completed' ? 'completed' : 'active');
      if (data.status === 'completed' && data.updated_at) endedAt.set(runId, data.updated_at);
    } catch (error) {
      // Octokit reports a request that got no answer with a made-up status and no response.
      const status = (error as { response?: { status?: number } }).response?.status;
      // A run that no longer exists (deleted, or past retention) says nothing about its keys.
      if (status === 404) {
        states.set(runId, 'missing');
        continue;
      }
      const why = status ? `it answered ${status}` : `the request failed: ${quoteServerText(messageOf(error), 120)}`;
      return {
        ok: false,
        reason: `the GitHub API could not say whether run ${runId} has finished (${why})`,
        permissions: status === 401 || status === 403,
      };
    }
  }
  // GitHub also answers 404 to a token that may not read this repository's runs.
  if (states.size > 0 && [...states.values()].every((state) => state === 'missing')) {
    return {
      ok: false,
      reason: `the GitHub API found none of the ${states.size} run(s) asked about (it answers 404 when the token may not read them)`,
      permissions: true,
    };
  }
  return { ok: true, states, endedAt };
}
