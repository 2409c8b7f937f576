import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/duration.ts';
import { isOurs, keyName, MAX_DESCRIPTION, newNonce, parseKeyName, repoTag, sameKeyName } from '../../src/lifecycle/naming.ts';
import { keyTypeFromPrefix, redact } from '../../src/venice/keys.ts';
import { backoffMs, retryDelayMs, serverRequestedWaitMs } from '../../src/venice/retry.ts';

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

describe('naming', () => {
  const run = { repository: 'Octo-Org/Octo-Repo', runId: '9876543210', runAttempt: '2' };

  it('names a key with marker, repository tag, run, attempt, scope and nonce, and parses it back', () => {
    const name = keyName(run, 'job', 'abcd1234', 'evals');
    expect(name).toBe(`venice-key:${repoTag('octo-org/octo-repo')}:9876543210.2:job:abcd1234 evals`);
    expect(parseKeyName(name)).toEqual({
      repoTag: repoTag(run.repository),
      runId: '9876543210',
      runAttempt: '2',
      scope: 'job',
      nonce: 'abcd1234',
      label: 'evals',
    });
    expect(parseKeyName(keyName(run, 'keep', 'abcd1234'))).toMatchObject({ scope: 'keep', label: '' });
    expect(parseKeyName(keyName(run, 'run', 'abcd1234'))?.scope).toBe('run');
  });

  it('cuts the label to fit 64 characters without splitting a character, and flattens control characters', () => {
    const name = keyName(run, 'job', 'abcd1234', '🔑'.repeat(40));
    expect(name.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
    expect(name.endsWith('🔑')).toBe(true);
    expect(keyName(run, 'job', 'abcd1234', 'x'.repeat(100))).toHaveLength(MAX_DESCRIPTION);
    expect(keyName(run, 'job', 'abcd1234', 'a\nb\r\u2028c\td')).toMatch(/:abcd1234 a b c d$/);
  });

  it('the repository tag ignores case and differs between repositories', () => {
    expect(repoTag('A/B')).toBe(repoTag('a/b'));
    expect(repoTag('a/b')).not.toBe(repoTag('a/c'));
    expect(repoTag('a/b')).toMatch(/^[0-9a-f]{8}$/);
  });

  it('nonces are 8 base-36 characters and differ', () => {
    const nonces = new Set(Array.from({ length: 200 }, newNonce));
    expect(nonces.size).toBe(200);
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-z]{8}$/);
  });

  it('does not mistake other descriptions for ours, nor a name that spans lines', () => {
    const ours = keyName(run, 'job', 'abcd1234', 'evals');
    for (const other of [
      'my key',
      'venice-key:zzzzzzzz:1.1:job:abcdefgh',
      'venice-key:12345678:1:job:abcdefgh',
      'venice-key:12345678:1.1:abcdefgh',
      'venice-key:12345678:1.1:all:abcdefgh',
      `${ours}\n::error::forged`,
      `${ours}\r##[warning]forged`,
      `${ours}\u2028x`,
      `x ${ours}`,
    ]) {
      expect(parseKeyName(other), other).toBeUndefined();
    }
  });

  it('knows a key by its marker, run and nonce, whatever became of its label', () => {
    const name = keyName(run, 'job', 'abcd1234', 'evals  ');
    expect(sameKeyName(name, `${name.trimEnd()}`)).toBe(true);
    expect(sameKeyName(name, keyName(run, 'job', 'abcd1234', 'another label'))).toBe(true);
    expect(sameKeyName(name, keyName(run, 'job', 'abcd1235', 'evals'))).toBe(false);
    expect(sameKeyName(name, keyName(run, 'keep', 'abcd1234', 'evals'))).toBe(false);
    expect(sameKeyName(name, keyName({ ...run, runAttempt: '3' }, 'job', 'abcd1234', 'evals'))).toBe(false);
    expect(sameKeyName('hand-made', 'hand-made')).toBe(false);
  });

  it("tells this action's INFERENCE keys for this repository (and run) from everything else", () => {
    const key = (description: string, apiKeyType = 'INFERENCE') => ({ apiKeyType, description });
    const sameRun = keyName(run, 'job', 'abcd1234');
    const otherRun = keyName({ ...run, runId: '1' }, 'job', 'abcd1234');
    expect(isOurs(key(sameRun), run, 'run')).toBe(true);
    expect(isOurs(key(keyName({ ...run, runAttempt: '7' }, 'keep', 'abcd1234')), run, 'run')).toBe(true);
    expect(isOurs(key(otherRun), run, 'run')).toBe(false);
    expect(isOurs(key(otherRun), run)).toBe(true);
    expect(isOurs(key(keyName({ ...run, repository: 'o/other' }, 'job', 'abcd1234')), run)).toBe(false);
    expect(isOurs(key(sameRun, 'ADMIN'), run)).toBe(false);
    expect(isOurs(key('hand-made'), run)).toBe(false);
  });
});

describe('redaction', () => {
  it('removes key-shaped strings, bearer tokens and the given secrets', () => {
    expect(redact('bad key VENICE_ADMIN_KEY_abc-DEF_123 here')).toBe('bad key VENICE_*** here');
    expect(redact('Authorization: Bearer sk-123.456')).toBe('Authorization: Bearer ***');
    expect(redact('token opaque-secret-value was refused', ['opaque-secret-value'])).toBe('token *** was refused');
  });

  it('reads the key type from the prefix', () => {
    expect(keyTypeFromPrefix('VENICE_ADMIN_KEY_x')).toBe('ADMIN');
    expect(keyTypeFromPrefix('VENICE_INFERENCE_KEY_x')).toBe('INFERENCE');
    expect(keyTypeFromPrefix('sk-x')).toBeUndefined();
  });
});

describe('retry timing', () => {
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
