/** Backoff arithmetic, kept pure so its rules are tested without a clock. */

export const BASE_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 30_000;

/** The part of a fetch `Headers` object the arithmetic reads. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * How long the server asked us to wait, from `Retry-After` (seconds or an HTTP date)
 * or `x-ratelimit-reset-requests` (Unix seconds when the window resets); the later wins.
 */
export function serverRequestedWaitMs(headers: HeaderSource, nowMs: number): number | undefined {
  const waits: number[] = [];
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) waits.push(Number(retryAfter) * 1_000);
    else if (!Number.isNaN(Date.parse(retryAfter))) waits.push(Date.parse(retryAfter) - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset-requests');
  if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) waits.push(Number(reset) * 1_000 - nowMs);
  if (waits.length === 0) return undefined;
  return Math.max(0, ...waits);
}

/** Exponential backoff with full jitter: a random wait in [base/2, base·2^(n-1)], capped. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  const floor = BASE_DELAY_MS / 2;
  return Math.round(floor + random() * Math.max(0, ceiling - floor));
}

/**
 * The wait before the next attempt. When the server names a time, we wait at least
 * until then, plus a random spread so that many waiting jobs do not stampede together
 * at the reset (the spread grows with the wait, within 1..5 s).
 */
export function retryDelayMs(attempt: number, serverWaitMs: number | undefined, random: () => number = Math.random): number {
  if (serverWaitMs === undefined) return backoffMs(attempt, random);
  const spread = Math.min(5_000, Math.max(1_000, serverWaitMs / 4));
  return Math.round(serverWaitMs + random() * spread);
}
