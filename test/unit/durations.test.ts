/** Durations as the inputs take them (ttl, timeout) and as the log shows them. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/duration.ts';

describe('durations', () => {
  it('parses units, compounds and plain seconds; rejects the rest', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1d2h')).toBe(93_600_000);
    expect(parseDuration(' 15M ')).toBe(900_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('42')).toBe(42_000);
    for (const bad of ['', '1.5h', '-5m', 'h', '1 h', '1w']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('formats for people', () => {
    expect(formatDuration(5_400_000)).toBe('1h 30m');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(999)).toBe('999ms');
  });
});
