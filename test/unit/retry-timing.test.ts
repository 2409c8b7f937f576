/** How long the client waits before trying again: pure functions of the answer's headers and the attempt. */
import { describe, expect, it } from 'vitest';
import { backoffMs, retryDelayMs, serverRequestedWaitMs } from '../../src/venice/retry.ts';

describe('retry timing: as long as Venice asks, spread, and bounded', () => {
  const NOW = 1_900_000_000_000;
  const headers = (values: Record<string, string>) => new Headers(values);

  it('reads Retry-After (seconds or date) and the rate-limit reset (Unix seconds); the later wins', () => {
    expect(serverRequestedWaitMs(headers({ 'retry-after': '3' }), NOW)).toBe(3_000);
    expect(serverRequestedWaitMs(headers({ 'retry-after': new Date(NOW + 5_000).toUTCString() }), NOW)).toBe(5_000);
    expect(serverRequestedWaitMs(headers({ 'x-ratelimit-reset-requests': String(NOW / 1000 + 12) }), NOW)).toBe(12_000);
    expect(serverRequestedWaitMs(headers({ 'retry-after': '2', 'x-ratelimit-reset-requests': String(NOW / 1000 + 7) }), NOW)).toBe(7_000);
    expect(serverRequestedWaitMs(headers({ 'x-ratelimit-reset-requests': String(NOW / 1000 - 7) }), NOW)).toBe(0);
    expect(serverRequestedWaitMs(headers({}), NOW)).toBeUndefined();
    expect(serverRequestedWaitMs(headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped at 30 s', () => {
    expect(backoffMs(1, () => 0)).toBe(500);
    expect(backoffMs(1, () => 1)).toBe(1_000);
    expect(backoffMs(3, () => 1)).toBe(4_000);
    expect(backoffMs(20, () => 1)).toBe(30_000);
  });

  it('waits at least as long as the server asked, spreading clients over 1..5 s after it', () => {
    expect(retryDelayMs(1, 10_000, () => 0)).toBe(10_000);
    expect(retryDelayMs(1, 10_000, () => 1)).toBe(12_500);
    expect(retryDelayMs(1, 0, () => 1)).toBe(1_000);
    expect(retryDelayMs(1, 60_000, () => 1)).toBe(65_000);
  });
});
