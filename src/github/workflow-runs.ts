import { classifyFailure, quoteUntrusted, type TransportFailure } from '../http/failure.js';
import { cappedFetch } from '../http/transport.js';
import { debug } from '../runner/log.js';

/**
 * Whether workflow runs have finished, from the GitHub API through @actions/github's
 * Octokit (GITHUB_API_URL, so GHES works). Loaded only by `prune`, the one mode that asks.
 * Its requests go through the action's one transport (http/transport.ts), under the same
 * rules as Venice's: a capped answer, loopback never through a proxy, a bounded wait.
 */

export type RunState = 'completed' | 'active' | 'missing';
/** When runs cannot be read: why, whether the token's permissions are the likely cause, and any transport failure. */
export type RunStates =
  /** `endedAt`: when each completed run ended (its `updated_at`), ISO 8601. */
  | { ok: true; states: Map<string, RunState>; endedAt: Map<string, string> }
  | { ok: false; reason: string; permissions: boolean; failure?: TransportFailure };

interface OctokitFailure {
  response?: { status?: number; data?: unknown };
  cause?: unknown;
}

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
  // The API root is read at each call (the package reads it once, when first loaded).
  const baseUrl = process.env.GITHUB_API_URL || 'https://api.github.com';
  const octokit = new GitHub(getOctokitOptions(token, { log, baseUrl, request: { fetch: cappedFetch } }));
  const [owner = '', repo = ''] = repository.split('/');
  const states = new Map<string, RunState>();
  const endedAt = new Map<string, string>();
  for (const runId of new Set(runIds)) {
    const label = `GET /repos/${owner}/${repo}/actions/runs/${runId}`;
    const couldNotSay = (why: string) => `the GitHub API could not say whether run ${runId} has finished (${why})`;
    try {
      const { data } = await octokit.rest.actions.getWorkflowRun({
        owner,
        repo,
        run_id: Number(runId),
        request: { signal: AbortSignal.timeout(timeoutMs), log },
      });
      // An answer without a run's status is not GitHub's (a redirect, a portal page).
      if (typeof (data as { status?: unknown } | undefined)?.status !== 'string') {
        return { ok: false, reason: couldNotSay(`${label} answered without a run's status`), permissions: false };
      }
      states.set(runId, data.status === 'completed' ? 'completed' : 'active');
      if (data.status === 'completed' && data.updated_at) endedAt.set(runId, data.updated_at);
    } catch (error) {
      const { response, cause } = error as OctokitFailure;
      const status = response?.status;
      // A run that no longer exists (deleted, or past retention) says nothing about its keys.
      if (status === 404) {
        states.set(runId, 'missing');
        continue;
      }
      if (status) {
        const message = (response?.data as { message?: unknown } | undefined)?.message;
        const said = typeof message === 'string' ? `: ${quoteUntrusted(message, 120)}` : '';
        return { ok: false, reason: couldNotSay(`it answered ${status}${said}`), permissions: status === 401 || status === 403 };
      }
      // Octokit reports a request that got no answer with a made-up status, what our fetch threw as its cause.
      const failure = classifyFailure(cause ?? error, timeoutMs);
      return { ok: false, reason: couldNotSay(`${label} ${failure.text.replace(/\.$/, '')}`), permissions: false, failure };
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
