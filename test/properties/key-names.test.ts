/**
 * Promise: the post step, `revoke` and `prune` delete only keys whose name says this
 * action minted them for this repository (and, run-scoped, this run). A name is built,
 * read back to the same fields, fits Venice's 64 characters, stays on one line, and is
 * never mistaken for someone else's.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  isOurs,
  keyName,
  MAX_DESCRIPTION,
  parseKeyName,
  type RunIdentity,
  repoTag,
  SCOPES,
  sameKeyName,
} from '../../src/lifecycle/naming.ts';
import { generative } from '../helpers/generative.ts';

const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,38}$/);
const repository = fc.tuple(segment, segment).map(([owner, name]) => `${owner}/${name}`);
const runId = fc.stringMatching(/^[1-9]\d{0,19}$/);
const runAttempt = fc.stringMatching(/^[1-9]\d{0,3}$/);
const run: fc.Arbitrary<RunIdentity> = fc.record({ repository, runId, runAttempt });
const scope = fc.constantFrom(...SCOPES);
const nonce = fc.stringMatching(/^[0-9a-z]{8}$/);
/** Labels with the characters that could break a name: line breaks of every kind, controls, astral characters. */
const label = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\n', '\r', '\u2028', '\u2029', '\u0085', '\t', ' ', '\u0000', '\u001b', '😀', ':', '.'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});
const LINE_BREAK = /[\n\r\u2028\u2029\u0085\v\f]/;
/** No lone surrogate: no character cut in half. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe('a key name is built, then read back to the same fields', () => {
  test.prop([run, scope, nonce, label], generative(500))('parseKeyName(keyName(...)) gives what was put in', (who, kind, once, text) => {
    const name = keyName(who, kind, once, text);
    const parsed = parseKeyName(name);
    expect(parsed).toMatchObject({
      repoTag: repoTag(who.repository),
      runId: who.runId,
      runAttempt: who.runAttempt,
      scope: kind,
      nonce: once,
    });
    // The label is the given text on one line, perhaps cut short.
    const clean = text
      .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    expect(clean.startsWith(parsed?.label ?? '!')).toBe(true);
  });

  test.prop([run, scope, nonce, label], generative(500))(
    'at most 64 UTF-16 units, on one line, no character cut in half',
    (who, kind, once, text) => {
      const name = keyName(who, kind, once, text);
      expect(name.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
      expect(name).not.toMatch(LINE_BREAK);
      expect(name).not.toMatch(/\p{Cc}/u);
      expect(wellFormed(name) || !wellFormed(text)).toBe(true);
    },
  );

  test.prop([run, scope, nonce, label, label], generative(300))(
    'the label does not decide which key it is',
    (who, kind, once, first, second) => {
      expect(sameKeyName(keyName(who, kind, once, first), keyName(who, kind, once, second))).toBe(true);
      expect(isOurs({ apiKeyType: 'INFERENCE', description: keyName(who, kind, once, first) }, who, 'run')).toBe(true);
    },
  );

  test.prop([run, scope, nonce], generative(200))('the repository is matched as GitHub matches it, ignoring case', (who, kind, once) => {
    const name = keyName(who, kind, once);
    expect(isOurs({ apiKeyType: 'INFERENCE', description: name }, { ...who, repository: who.repository.toUpperCase() }, 'run')).toBe(true);
  });

  test.prop([run, scope, nonce, runAttempt], generative(200))('any attempt of the same run is the same run', (who, kind, once, attempt) => {
    const name = keyName({ ...who, runAttempt: attempt }, kind, once);
    expect(isOurs({ apiKeyType: 'INFERENCE', description: name }, who, 'run')).toBe(true);
  });
});

describe('a foreign name is never taken for ours', () => {
  const ours = (description: string | undefined, who: RunIdentity, within: 'repository' | 'run' = 'repository') =>
    isOurs({ apiKeyType: 'INFERENCE', description }, who, within);

  test.prop([run, repository, scope, nonce, label], generative(300))(
    'a name made in another repository',
    (who, other, kind, once, text) => {
      fc.pre(repoTag(other) !== repoTag(who.repository));
      const name = keyName({ ...who, repository: other }, kind, once, text);
      expect(ours(name, who)).toBe(false);
      expect(ours(name, who, 'run')).toBe(false);
      expect(sameKeyName(name, keyName(who, kind, once, text))).toBe(false);
    },
  );

  test.prop([run, runId, scope, nonce], generative(300))(
    'a name made in another run: ours for the repository, not for this run',
    (who, other, kind, once) => {
      fc.pre(other !== who.runId);
      const name = keyName({ ...who, runId: other }, kind, once);
      expect(ours(name, who)).toBe(true);
      expect(ours(name, who, 'run')).toBe(false);
      expect(sameKeyName(name, keyName(who, kind, once))).toBe(false);
    },
  );

  test.prop([run, scope, nonce, nonce, scope, runAttempt], generative(300))(
    'another nonce, scope or attempt is another key',
    (who, kind, once, otherNonce, otherScope, otherAttempt) => {
      const name = keyName(who, kind, once);
      const other = keyName({ ...who, runAttempt: otherAttempt }, otherScope, otherNonce);
      expect(sameKeyName(name, other)).toBe(once === otherNonce && kind === otherScope && who.runAttempt === otherAttempt);
    },
  );

  test.prop([run, scope, nonce, label], generative(300))(
    'an ADMIN key, even with exactly our name, is never ours',
    (who, kind, once, text) => {
      const description = keyName(who, kind, once, text);
      expect(isOurs({ apiKeyType: 'ADMIN', description }, who)).toBe(false);
      expect(isOurs({ apiKeyType: 'ADMIN', description }, who, 'run')).toBe(false);
    },
  );

  test.prop(
    [run, scope, nonce, fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('\n', '\r', '\u2028', '\u0085', '\u0000')],
    generative(300),
  )('our name with anything before it, or continued on another line, is not ours', (who, kind, once, junk, lineBreak) => {
    const name = keyName(who, kind, once);
    expect(ours(`${junk}${name}`, who)).toBe(false);
    expect(ours(`${name}${lineBreak}${junk}`, who)).toBe(false);
    expect(ours(`${name} label${lineBreak}more`, who)).toBe(false);
    expect(ours(name.toUpperCase(), who)).toBe(false);
  });

  /** Arbitrary text, and our own names with one character replaced, removed or added. */
  const lookalike = (who: RunIdentity) =>
    fc.oneof(
      fc.string({ maxLength: 70 }),
      fc
        .tuple(scope, nonce, fc.nat(), fc.constantFrom('replace', 'remove', 'add'), fc.string({ minLength: 1, maxLength: 1 }))
        .map(([kind, once, at, how, char]) => {
          const name = keyName(who, kind, once, 'label');
          const i = at % name.length;
          return `${name.slice(0, i)}${how === 'remove' ? '' : char}${name.slice(how === 'add' ? i : i + 1)}`;
        }),
    );
  test.prop([run.chain((who) => fc.tuple(fc.constant(who), lookalike(who)))], generative(500))(
    'arbitrary text is ours only if it reads as a name for this repository',
    ([who, text]) => {
      const parsed = parseKeyName(text);
      expect(ours(text, who)).toBe(parsed !== undefined && parsed.repoTag === repoTag(who.repository));
      if (parsed)
        expect(text.startsWith(`venice-key:${parsed.repoTag}:${parsed.runId}.${parsed.runAttempt}:${parsed.scope}:${parsed.nonce}`)).toBe(
          true,
        );
      if (parsed) expect(text).not.toMatch(LINE_BREAK);
    },
  );

  test.prop([fc.option(fc.string()), fc.option(fc.string())], generative(300))(
    'sameKeyName is symmetric and never true for unnamed keys',
    (a, b) => {
      const first = a ?? undefined;
      const second = b ?? undefined;
      expect(sameKeyName(first, second)).toBe(sameKeyName(second, first));
      if (!parseKeyName(first)) expect(sameKeyName(first, first)).toBe(false);
    },
  );
});
