/**
 * Promise: a handed-off key opens only in the run and repository that sealed it, with
 * the same secret, exactly as sealed; anything else is refused with its cause named.
 * scrypt makes each seal and open cost about 50 ms, so these properties seal a few keys
 * and generate where and how to change them.
 */
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { type HandedKey, HandoffError, type HandoffFailure, open, seal } from '../../src/lifecycle/handoff.ts';
import { type RunIdentity, repoTag } from '../../src/lifecycle/naming.ts';
import { BASE64URL } from '../helpers/base64url.ts';
import { generative } from '../helpers/generative.ts';

const RUN: RunIdentity = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const SECRET = 'a-handoff-secret-of-at-least-32-characters';
const NOW = Date.parse('2030-01-01T00:00:00Z');
const KEY: HandedKey = {
  apiKey: 'VENICE_INFERENCE_KEY_property-test-only-0123456789',
  id: 'e1c0d1a2-0000-4000-8000-000000000001',
  expiresAt: '2030-01-02T00:00:00.000Z',
};
/** What opening did: the key, or the cause of the refusal. Anything but a HandoffError fails the property. */
function attempt(handoff: string, secret = SECRET, run = RUN): HandedKey | HandoffFailure {
  try {
    return open(handoff, secret, run, NOW);
  } catch (error) {
    if (!(error instanceof HandoffError)) throw error;
    expect(error.message).not.toContain(KEY.apiKey);
    // A secret the input accepts (32 characters or more); a shorter one, say ' ', is in any sentence.
    if (secret.length >= 32) expect(error.message).not.toContain(secret);
    return error.reason;
  }
}

const key: fc.Arbitrary<HandedKey> = fc.record({
  apiKey: fc.stringMatching(/^VENICE_INFERENCE_KEY_[A-Za-z0-9_-]{16,48}$/),
  id: fc.uuid(),
  expiresAt: fc.option(
    fc.integer({ min: 1, max: 30 * 86_400 }).map((seconds) => new Date(NOW + seconds * 1_000).toISOString()),
    { nil: null },
  ),
});

describe('seal, then open: the same key, and only where it was sealed', () => {
  test.prop(
    [key, fc.string({ minLength: 32, maxLength: 80 }), fc.stringMatching(/^[1-9]\d{0,19}$/), fc.stringMatching(/^[1-9]\d{0,2}$/)],
    generative(6),
  )('opens to exactly what was sealed, in any attempt of the run', (handed, secret, runId, runAttempt) => {
    const run = { ...RUN, runId };
    const sealed = seal(handed, secret, run);
    expect(sealed).not.toContain(handed.apiKey);
    expect(attempt(sealed, secret, { ...run, runAttempt })).toEqual(handed);
  });
});

describe('any change to a sealed handoff is refused, by cause', () => {
  let sealed: string;
  let header: string;
  let payload: Buffer;
  beforeAll(() => {
    sealed = seal(KEY, SECRET, RUN);
    header = sealed.slice(0, sealed.lastIndexOf('.') + 1);
    payload = Buffer.from(sealed.slice(header.length), 'base64url');
  });

  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 })], generative(25))('a changed byte of the sealed payload: tampered', (at, mask) => {
    const changed = Buffer.from(payload);
    const i = at % changed.length;
    changed[i] = (changed[i] as number) ^ mask;
    expect(attempt(`${header}${changed.toString('base64url')}`)).toBe('tampered');
  });

  test.prop([fc.nat(), fc.nat({ max: 40 })], generative(25))(
    'bytes cut from or added to the payload: tampered or malformed',
    (at, extra) => {
      const i = at % payload.length;
      const cut = attempt(`${header}${payload.subarray(0, i).toString('base64url')}`);
      expect(['tampered', 'malformed']).toContain(cut);
      const longer = attempt(`${header}${Buffer.concat([payload, Buffer.alloc(extra + 1, at % 256)]).toString('base64url')}`);
      expect(longer).toBe('tampered');
    },
  );

  // Any character of the whole string: header, dots, payload. Even a character that leaves
  // every decoded byte the same (a spare low bit of the last one) is refused: only the text
  // that was sealed opens.
  test.prop(
    [
      fc.nat(),
      fc.oneof(
        fc.constantFrom(...BASE64URL),
        fc.constantFrom('.', '=', '+', '/', ' ', '\n', '\u00e9'),
        fc.string({ minLength: 1, maxLength: 1 }),
      ),
    ],
    generative(40),
  )('a changed character anywhere: refused by cause', (at, char) => {
    const i = at % sealed.length;
    fc.pre(sealed[i] !== char);
    const outcome = attempt(`${sealed.slice(0, i)}${char}${sealed.slice(i + 1)}`);
    // The repository tag and run id are covered by the checksum: editing them reads as tampering.
    expect(outcome).toMatch(i < header.length || !BASE64URL.includes(char) ? /^(tampered|malformed)$/ : /^tampered$/);
  });

  test.prop([fc.nat(), fc.boolean()], generative(25))('a character removed or doubled: refused as tampered or malformed', (at, remove) => {
    const i = at % sealed.length;
    const changed = remove ? `${sealed.slice(0, i)}${sealed.slice(i + 1)}` : `${sealed.slice(0, i)}${sealed[i]}${sealed.slice(i)}`;
    expect(['tampered', 'malformed']).toContain(attempt(changed));
  });

  test.prop([fc.string({ maxLength: 200 })], generative(200))(
    'arbitrary text is malformed, or tampered when shaped like a handoff',
    (text) => {
      const outcome = attempt(text);
      expect(['malformed', 'tampered']).toContain(outcome);
    },
  );
});

describe('a genuine handoff from elsewhere is refused with where it came from', () => {
  test.prop([fc.stringMatching(/^[a-z0-9-]{1,20}\/[a-z0-9._-]{1,20}$/)], generative(5))('another repository', (repository) => {
    fc.pre(repoTag(repository) !== repoTag(RUN.repository));
    expect(attempt(seal(KEY, SECRET, { ...RUN, repository }))).toBe('other-repository');
  });

  test.prop([fc.stringMatching(/^[1-9]\d{0,19}$/)], generative(5))('another run of the same repository', (runId) => {
    fc.pre(runId !== RUN.runId);
    expect(attempt(seal(KEY, SECRET, { ...RUN, runId }))).toBe('other-run');
  });

  test.prop([fc.string({ minLength: 1, maxLength: 60 })], generative(5))('another secret', (secret) => {
    fc.pre(secret !== SECRET);
    expect(attempt(seal(KEY, SECRET, RUN), secret)).toBe('wrong-secret');
  });

  test.prop([fc.integer({ min: 0, max: 365 * 86_400 })], generative(4))('a key that has expired by the time it is opened', (secondsAgo) => {
    const expired = { ...KEY, expiresAt: new Date(NOW - secondsAgo * 1_000).toISOString() };
    expect(attempt(seal(expired, SECRET, RUN))).toBe('expired');
  });
});
