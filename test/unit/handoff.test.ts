/** Sealing a key for the later jobs of a run, and every way opening it must fail. */
import { describe, expect, it } from 'vitest';
import { HandoffError, open, seal } from '../../src/lifecycle/handoff.ts';
import { repoTag } from '../../src/lifecycle/naming.ts';
import { describeFailure } from '../../src/modes/failures.ts';

const run = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const SECRET = 'a-handoff-secret-of-at-least-32-characters';
const KEY = { apiKey: 'VENICE_INFERENCE_KEY_fake-for-tests-only', id: 'key-1', expiresAt: '2030-01-01T00:00:00.000Z' };
const NOW = Date.parse('2029-12-31T00:00:00Z');

function failure(work: () => unknown): HandoffError {
  try {
    work();
  } catch (error) {
    if (error instanceof HandoffError) return error;
    throw error;
  }
  throw new Error('did not fail');
}

describe('handoff', () => {
  it('opens in any attempt of the same run with the same secret', () => {
    const sealed = seal(KEY, SECRET, run);
    expect(sealed).toMatch(/^vkh1\.[0-9a-f]{8}\.1234567890\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(KEY.apiKey);
    expect(sealed).not.toContain(Buffer.from(KEY.apiKey).toString('base64url').slice(0, 12));
    expect(open(sealed, SECRET, { ...run, runAttempt: '3' }, NOW)).toEqual(KEY);
    expect(seal(KEY, SECRET, run)).not.toBe(sealed); // fresh salt and IV every time
  });

  it('names the cause of each refusal, and never prints the key', () => {
    const sealed = seal(KEY, SECRET, run);
    const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    const cases: [string, () => unknown, string, RegExp][] = [
      ['tampered', () => open(flip(sealed, sealed.length - 30), SECRET, run, NOW), 'tampered', /has been altered/],
      ['wrong secret', () => open(sealed, `${SECRET}!`, run, NOW), 'wrong-secret', /not the secret that sealed/],
      [
        'another run',
        () => open(sealed, SECRET, { ...run, runId: '1234567891' }, NOW),
        'other-run',
        /run 1234567890, not in this run \(1234567891\)/,
      ],
      [
        'another repository',
        () => open(sealed, SECRET, { ...run, repository: 'octo-org/other' }, NOW),
        'other-repository',
        /another repository/,
      ],
      ['expired', () => open(sealed, SECRET, run, Date.parse(KEY.expiresAt) + 1), 'expired', /expired at 2030-01-01T00:00:00.000Z/],
      ['malformed', () => open('hello', SECRET, run, NOW), 'malformed', /is not a handoff this action made/],
      ['truncated', () => open(sealed.slice(0, sealed.lastIndexOf('.') + 10), SECRET, run, NOW), 'malformed', /is not a handoff/],
      [
        'run id edited in the clear',
        () => open(sealed.replace('.1234567890.', '.1234567891.'), SECRET, { ...run, runId: '1234567891' }, NOW),
        'tampered',
        /altered/,
      ],
    ];
    for (const [name, work, reason, message] of cases) {
      const error = failure(work);
      expect(error.reason, name).toBe(reason);
      expect(describeFailure(error), name).toMatch(message);
      expect(describeFailure(error), name).not.toContain(KEY.apiKey);
    }
  });

  it('names any one-character change, wherever it falls, as an alteration, never as a wrong secret', () => {
    const sealed = seal(KEY, SECRET, run);
    const start = sealed.lastIndexOf('.') + 1;
    const payload = Buffer.from(sealed.slice(start), 'base64url');
    let changed = 0;
    for (let at = start; at < sealed.length; at++) {
      const edited = `${sealed.slice(0, at)}${sealed[at] === 'x' ? 'y' : 'x'}${sealed.slice(at + 1)}`;
      // A last character's unused bits can change without changing a byte: that is no change at all.
      if (Buffer.from(edited.slice(start), 'base64url').equals(payload)) continue;
      changed++;
      expect(failure(() => open(edited, SECRET, run, NOW)).reason, `position ${at}`).toBe('tampered');
    }
    expect(changed).toBeGreaterThan(200);
  });

  it('is bound to the repository itself, not only to its 8-character tag', () => {
    // Two repositories whose tags collide: the tag check passes, the cipher key does not.
    const [first, second] = ['octo-org/r56219', 'octo-org/r79104'];
    expect(repoTag(first)).toBe(repoTag(second));
    const sealed = seal(KEY, SECRET, { ...run, repository: first });
    expect(failure(() => open(sealed, SECRET, { ...run, repository: second }, NOW)).reason).not.toBe('other-repository');
  });

  it('refuses a handoff with anything after it, even text that is not base64url', () => {
    const sealed = seal(KEY, SECRET, run);
    for (const tail of [',x', ' junk', '.AAAA', '=']) {
      expect(failure(() => open(`${sealed}${tail}`, SECRET, run, NOW)).reason, JSON.stringify(tail)).toMatch(/^(malformed|tampered)$/);
    }
  });

  it('refuses a key at the very moment it expires', () => {
    const sealed = seal(KEY, SECRET, run);
    expect(failure(() => open(sealed, SECRET, run, Date.parse(KEY.expiresAt))).reason).toBe('expired');
  });
});
