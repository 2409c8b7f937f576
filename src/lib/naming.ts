import { createHash, randomBytes } from 'node:crypto';

/**
 * Every key this action mints is described as
 *   `venice-key:<repo tag>:<run id>.<attempt>:<nonce> <label>`
 * so that it is unique (the nonce), traceable to its run, and found again by prune
 * (the marker and the repository's tag). Venice caps descriptions at 64 characters.
 */
export const MARKER = 'venice-key';
export const MAX_DESCRIPTION = 64;

const PATTERN = /^venice-key:([0-9a-f]{8}):(\d+)\.(\d+):([0-9a-z]{8})(?: (.*))?$/s;

export interface RunIdentity {
  repository: string;
  runId: string;
  runAttempt: string;
}

export interface ParsedName {
  repoTag: string;
  runId: string;
  runAttempt: string;
  nonce: string;
  label: string;
}

/** A short, stable, opaque tag of `owner/repo` (case-insensitive, as GitHub treats it). */
export function repoTag(repository: string): string {
  return createHash('sha256').update(repository.toLowerCase()).digest('hex').slice(0, 8);
}

export function newNonce(): string {
  // 8 base-36 characters from 6 random bytes: collisions are not a practical concern.
  return BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString(36)
    .padStart(8, '0')
    .slice(-8);
}

/** The run as the runner describes it; outside a runner, a recognisable placeholder. */
export function runIdentityFromEnv(env: NodeJS.ProcessEnv = process.env): RunIdentity {
  return {
    repository: env.GITHUB_REPOSITORY || 'local/local',
    runId: /^\d+$/.test(env.GITHUB_RUN_ID ?? '') ? (env.GITHUB_RUN_ID as string) : '0',
    runAttempt: /^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? (env.GITHUB_RUN_ATTEMPT as string) : '1',
  };
}

export function keyDescription(run: RunIdentity, nonce: string, label = ''): string {
  const name = `${MARKER}:${repoTag(run.repository)}:${run.runId}.${run.runAttempt}:${nonce}`;
  const room = MAX_DESCRIPTION - name.length - 1;
  const cleanLabel = label.replace(/\s+/g, ' ').trim();
  if (!cleanLabel || room <= 0) return name;
  return `${name} ${truncate(cleanLabel, room).trimEnd()}`;
}

/** Cuts to at most `max` UTF-16 units (how Venice counts) without splitting a character. */
function truncate(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out;
}

export function parseKeyDescription(description: string): ParsedName | undefined {
  const match = PATTERN.exec(description);
  if (!match) return undefined;
  const [, tag, runId, runAttempt, nonce, label] = match as unknown as string[];
  return {
    repoTag: tag as string,
    runId: runId as string,
    runAttempt: runAttempt as string,
    nonce: nonce as string,
    label: label ?? '',
  };
}
