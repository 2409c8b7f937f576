import { createHash, randomBytes } from 'node:crypto';
import type { RunIdentity } from '../runner/context.js';

export type { RunIdentity };

/**
 * Every key this action mints is named
 *   `venice-key:<repo tag>:<run id>.<attempt>:<scope>:<nonce> <label>`
 * so that it is unique (the nonce), traceable to its run, and found again by the post
 * step, `revoke` and `prune`, which delete only keys whose name says they are theirs.
 * The scope says who ends the key: `job` (this job's post step), `keep` (`revoke: false`:
 * it outlives its job and is left to `older-than`), `run` (handed to the run's later jobs).
 * Venice caps descriptions at 64 characters.
 */
export const MARKER = 'venice-key';
export const MAX_DESCRIPTION = 64;
export const SCOPES = ['job', 'keep', 'run'] as const;
export type Scope = (typeof SCOPES)[number];

// No `s` flag and no control characters: a name never spans lines.
const PATTERN = new RegExp(
  `^${MARKER}:([0-9a-f]{8}):(\\d{1,20})\\.(\\d{1,4}):(${SCOPES.join('|')}):([0-9a-z]{8})(?: ([^\\p{Cc}\\u2028\\u2029]*))?$`,
  'u',
);

export interface KeyName {
  repoTag: string;
  runId: string;
  runAttempt: string;
  scope: Scope;
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

export function keyName(run: RunIdentity, scope: Scope, nonce: string, label = ''): string {
  const name = `${MARKER}:${repoTag(run.repository)}:${run.runId}.${run.runAttempt}:${scope}:${nonce}`;
  const room = MAX_DESCRIPTION - name.length - 1;
  const cleanLabel = label
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
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

export function parseKeyName(description: string | undefined): KeyName | undefined {
  const match = PATTERN.exec(description ?? '');
  if (!match) return undefined;
  const [, tag, runId, runAttempt, scope, nonce, label] = match as unknown as string[];
  return {
    repoTag: tag as string,
    runId: runId as string,
    runAttempt: runAttempt as string,
    scope: scope as Scope,
    nonce: nonce as string,
    label: label ?? '',
  };
}

/**
 * Whether two descriptions name the same key: the same marker, repository, run, attempt,
 * scope and nonce. The label is left out, so a key is still found if Venice were to
 * trim or normalise the free text after the nonce.
 */
export function sameKeyName(a: string | undefined, b: string | undefined): boolean {
  const first = parseKeyName(a);
  const second = parseKeyName(b);
  if (!first || !second) return false;
  return (['repoTag', 'runId', 'runAttempt', 'scope', 'nonce'] as const).every((field) => first[field] === second[field]);
}

/** Whether a listed key is one this action minted for this repository (and, given, this run). */
export function isOurs(
  key: { apiKeyType: string; description?: string },
  run: RunIdentity,
  within: 'repository' | 'run' = 'repository',
): boolean {
  if (key.apiKeyType !== 'INFERENCE') return false;
  const name = parseKeyName(key.description);
  if (!name || name.repoTag !== repoTag(run.repository)) return false;
  return within === 'repository' || name.runId === run.runId;
}
