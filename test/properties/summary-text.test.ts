/**
 * Promise: text from Venice or from other keys is data in the job summary: it cannot
 * close the table, become a link, an image, code or emphasis, start a new block, or show
 * a secret. summaryText's output holds no markup character; decoded, it is the redacted
 * text on one line.
 */
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { summaryText } from '../../src/runner/summary.ts';
import { KEY_SHAPED } from '../../src/venice/keys.ts';
import { generative } from '../helpers/generative.ts';
import { registeredSecrets, textAround } from '../helpers/untrusted-arbitraries.ts';

const decode = (html: string) => html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

const markupText = (secrets: string[]) =>
  textAround(
    fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        '</td>',
        '<script>',
        '|',
        '[x](https://ev.il)',
        '![i](x)',
        '`',
        '```',
        '*',
        '_',
        '~',
        '&',
        '&amp;',
        '&#60;',
      ),
      fc.constantFrom('\n', '\r\n', '\n\n', '\u2028', '\u2029', '\u0085', '\\', '"', "'", '#', '!'),
    ),
    secrets,
  );

describe('summary text is data', () => {
  let secrets: string[] = [];
  beforeAll(() => {
    secrets = registeredSecrets(11);
  });

  test.prop([fc.constant(null).chain(() => markupText(secrets))], generative(1000))('no raw markup character and no line break', (text) => {
    const html = summaryText(text);
    // Every character HTML or Markdown gives a meaning to is a character reference.
    expect(html.replace(/&#\d+;/g, '')).not.toMatch(/[<>"'`[\]()*_~!#|\\\r\n\u2028\u2029\u0085]/);
    // Every & starts a character reference this function wrote.
    expect(html.replace(/&#\d+;/g, '')).not.toContain('&');
  });

  test.prop([fc.constant(null).chain(() => markupText(secrets))], generative(1000))(
    'decoded, it is the text on one line without secrets',
    (text) => {
      const shown = decode(summaryText(text));
      expect(shown).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
      for (const value of secrets) expect(shown).not.toContain(value);
      expect(shown).not.toMatch(KEY_SHAPED);
    },
  );

  test.prop([fc.string({ unit: 'binary', maxLength: 60 })], generative(1000))('arbitrary text too', (text) => {
    const html = summaryText(text);
    // Every character HTML or Markdown gives a meaning to is a character reference.
    expect(html.replace(/&#\d+;/g, '')).not.toMatch(/[<>"'`[\]()*_~!#|\\\r\n\u2028\u2029\u0085]/);
    expect(decode(html)).not.toMatch(KEY_SHAPED);
  });
});
