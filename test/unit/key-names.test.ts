/**
 * README, "It deletes only what it made": a key is known as this action's, this
 * repository's and this run's by its name alone. Generated cases: test/properties/key-names.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isOurs, keyName, MAX_DESCRIPTION, newNonce, parseKeyName, repoTag, sameKeyName } from '../../src/lifecycle/naming.ts';

describe('key names, on which "It deletes only what it made" rests', () => {
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
