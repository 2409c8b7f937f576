/**
 * Promise: text from Venice or from other keys is data in the job summary: it cannot
 * close the table, become a link, an image, code or emphasis, start a new block, or show
 * a secret. summaryText's output holds no markup character; decoded, it is the redacted
 * text on one line.
 */
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, vi } from 'vitest';
import { mask } from '../../src/runner/log.ts';
import { summaryText } from '../../src/runner/summary.ts';
import { KEY_SHAPED } from '../../src/venice/keys.ts';
import { generative } from '../helpers/generative.ts';

const keyShaped = fc.stringMatching(/^VENICE_(INFERENCE|ADMIN)_KEY_[A-Za-z0-9_-]{1,40}$/);
const secret = fc.oneof(keyShaped, fc.stringMatching(/^[A-Za-z0-9+/=_-]{4,44}$/));
const decode = (html: string) => html.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

const markupText = (secrets: string[]) =>
  fc
    .array(
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
        secrets.length > 0 ? fc.constantFrom(...secrets) : fc.constant(''),
        keyShaped,
        fc.string({ unit: 'binary', maxLength: 6 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

describe('summary text is data', () => {
  let secrets: string[] = [];
  beforeAll(() => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    secrets = fc.sample(secret, { seed: 11, numRuns: 12 });
    for (const value of secrets) mask(value);
    write.mockRestore();
  });

  test.prop([fc.constant(null).chain(() => markupText(secrets))], generative(1000))('no raw markup character and no line break', (text) => {
    const html = summaryText(text);
    expect(html).not.toMatch(/[<>|[\]`\r\n\u2028\u2029\u0085]/);
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
    expect(html).not.toMatch(/[<>|[\]`\r\n\u2028\u2029\u0085]/);
    expect(decode(html)).not.toMatch(KEY_SHAPED);
  });
});
