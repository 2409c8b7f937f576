import { context } from '@actions/github';

/** Which workflow run a step belongs to: what keys are named after and handoffs are bound to. */
export interface RunIdentity {
  repository: string;
  runId: string;
  runAttempt: string;
}

/** The run this step belongs to, as @actions/github reads it from the runner's variables. */
export function runIdentity(): RunIdentity {
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  if (!/^[^/\s]+\/[^/\s]+$/.test(repository) || !(context.runId > 0)) {
    throw new Error(
      'GITHUB_REPOSITORY and GITHUB_RUN_ID are not set: this mode names keys after their repository and run, so ' +
        'it runs only in a GitHub Actions job (or with both variables set, as @github/local-action does from its ' +
        '.env file).',
    );
  }
  const { owner, repo } = context.repo;
  return {
    repository: `${owner}/${repo}`,
    runId: String(context.runId),
    runAttempt: String(context.runAttempt > 0 ? context.runAttempt : 1),
  };
}

/** Why secrets may be missing from this run, if the event says so. */
export function whySecretsMayBeMissing(): string {
  const pullRequest = context.payload.pull_request as { head?: { repo?: { fork?: boolean } } } | undefined;
  if (context.actor === 'dependabot[bot]') {
    return 'This run was started by Dependabot, which gets only Dependabot secrets: add it under Settings → Secrets → Dependabot.';
  }
  if (pullRequest?.head?.repo?.fork) {
    return 'This run comes from a pull request from a fork, and GitHub gives such runs no secrets.';
  }
  return 'If the secret exists, check its name; runs from forks and from Dependabot are not given secrets.';
}

/** A link to a run of this repository, on this GitHub (github.com or GHES). */
export function runUrl(repository: string, runId: string): string {
  return `${context.serverUrl}/${repository}/actions/runs/${runId}`;
}
