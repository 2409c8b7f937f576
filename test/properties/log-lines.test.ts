/**
 * Promise: whatever text the action prints (server messages, other keys' names, inputs),
 * the runner obeys none of it as a workflow command, and it shows no secret and nothing
 * key-shaped. Checked against the runner's rules (emulator/fake-runner.ts renderLog, and
 * .NET's idea of whitespace, which the runner trims before `::`).
 */
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { renderLog } from '../../emulator/fake-runner.ts';
import { loggable } from '../../src/runner/log.ts';
import { KEY_SHAPED } from '../../src/venice/keys.ts';
import { generative } from '../helpers/generative.ts';
import { registeredSecrets, textAround } from '../helpers/untrusted-arbitraries.ts';

/** Every character .NET's Char.IsWhiteSpace accepts (what the runner trims before looking for `::`). */
const DOTNET_SPACE =
  '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const LINE_BREAKS = /[\r\n\u2028\u2029\u0085]/;

/** Text built from the pieces that matter to the runner, in any order, with secrets and arbitrary characters. */
const hostileText = (secrets: string[]) =>
  textAround(
    fc.oneof(
      fc.constantFrom(
        '::',
        '::error::',
        '::add-mask::',
        '::set-output name=x::',
        '##[',
        '##[error]',
        '::stop-commands::t',
        '%0A',
        '%0D',
        '\\',
      ),
      fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085', '\v', '\f', ' ', '\t', '\u00a0', '\u3000', '\ufeff', '\u001b[31m'),
      fc.constantFrom('Bearer ', 'VENICE_', '_KEY_', 'VENICE_INFERENCE_KEY_', '#', '[', ':'),
    ),
    secrets,
  );

describe('a printed line: never a command, never a secret', () => {
  let secrets: string[] = [];
  beforeAll(() => {
    secrets = registeredSecrets(7);
  });

  test.prop([fc.constant(null).chain(() => hostileText(secrets))], generative(1000))('one line, no command in either form', (text) => {
    const shown = loggable(text);
    expect(shown).not.toMatch(LINE_BREAKS);
    expect(shown).not.toContain('##[');
    const trimmed = shown.replace(new RegExp(`^[${DOTNET_SPACE}]+`), '');
    expect(trimmed.startsWith('::')).toBe(false);
    // And as the runner renders the line core.info would print:
    const log = renderLog(`${shown}\n`);
    expect(log.commands).toEqual([]);
    expect(log.lines).toEqual(shown ? [shown] : []);
  });

  test.prop([fc.constant(null).chain(() => hostileText(secrets))], generative(1000))(
    'no registered secret and nothing key-shaped',
    (text) => {
      const shown = loggable(text);
      for (const value of secrets) expect(shown).not.toContain(value);
      expect(shown).not.toMatch(KEY_SHAPED);
    },
  );

  test.prop(
    [
      fc.string({ unit: fc.constantFrom(...DOTNET_SPACE), minLength: 1, maxLength: 4 }),
      fc.constantFrom('::add-mask::x', '::error::x', '::'),
    ],
    generative(200),
  )('any whitespace the runner trims, before `::`, still makes no command', (space, command) => {
    const shown = loggable(`${space}${command}`);
    expect(shown.replace(new RegExp(`^[${DOTNET_SPACE}]+`), '').startsWith('::')).toBe(false);
    expect(renderLog(`${shown}\n`).commands).toEqual([]);
  });

  test.prop([fc.string({ unit: 'binary', maxLength: 60 })], generative(1000))('arbitrary text too', (text) => {
    const shown = loggable(text);
    expect(shown).not.toMatch(LINE_BREAKS);
    expect(renderLog(`${shown}\n`).commands).toEqual([]);
    expect(shown).not.toMatch(KEY_SHAPED);
  });
});
