/** Promise: a duration input reads as people write it (`90s`, `1h30m`, plain seconds) and nothing else. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatDuration, parseDuration } from '../../src/duration.ts';
import { generative } from '../helpers/generative.ts';

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const unit = fc.constantFrom(...(Object.keys(UNITS) as (keyof typeof UNITS)[]));
const part = fc.tuple(fc.nat({ max: 100_000 }), unit);

describe('a duration is read exactly as written', () => {
  test.prop([fc.array(part, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.constantFrom('', ' ', '\t', '\n')], generative(300))(
    'compounds in any order and case add up, whatever surrounds them',
    (parts, upper, padding) => {
      const written = parts.map(([amount, name]) => `${amount}${name}`).join('');
      const total = parts.reduce((sum, [amount, name]) => sum + amount * UNITS[name], 0);
      expect(parseDuration(`${padding}${upper ? written.toUpperCase() : written}${padding}`)).toBe(total);
    },
  );

  test.prop([fc.nat({ max: 10 ** 9 })], generative(200))('plain digits are seconds', (seconds) => {
    expect(parseDuration(String(seconds))).toBe(seconds * 1_000);
  });

  // A summary shows `1h 30m`; a person who copies it into an input gets the same duration.
  test.prop([fc.nat({ max: 400 * 86_400 })], generative(300))(
    'what formatDuration shows, spaces and all, reads back to the same whole seconds',
    (seconds) => {
      const shown = formatDuration(seconds * 1_000);
      expect(parseDuration(shown)).toBe(seconds * 1_000);
      expect(parseDuration(shown.replace(/ /g, ''))).toBe(seconds * 1_000);
    },
  );

  test.prop([fc.nat({ max: 999 })], generative(100))('below a second it shows and reads back milliseconds', (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('a duration input refuses anything else', () => {
  // Spaces may separate whole parts (`1h 30m`), never split one (`1 h`, `3 0m`).
  const grammar = /^\s*(\d+|\d+(ms|s|m|h|d)(\s*\d+(ms|s|m|h|d))*)\s*$/i;

  test.prop([fc.string({ maxLength: 20 })], generative(500))('text outside the grammar is not a duration', (text) => {
    fc.pre(!grammar.test(text));
    expect(parseDuration(text)).toBeUndefined();
  });

  test.prop(
    [
      fc.array(part, { minLength: 1, maxLength: 3 }),
      fc.nat(),
      fc.constantFrom('-', '+', '.', ',', ' ', 'x', 'y', 'w', 'µs', '1.5', 'e3', ':', '_', '\u0661', '\uff11'),
    ],
    generative(300),
  )('a valid duration with a stray character inside it is refused', (parts, at, junk) => {
    const written = parts.map(([amount, name]) => `${amount}${name}`).join('');
    const cut = 1 + (at % written.length);
    const spoiled = `${written.slice(0, cut)}${junk}${written.slice(cut)}`;
    fc.pre(!grammar.test(spoiled));
    expect(parseDuration(spoiled)).toBeUndefined();
  });

  test.prop([fc.string({ maxLength: 30 })], generative(500))(
    'whatever it reads is a whole, non-negative number of milliseconds',
    (text) => {
      const ms = parseDuration(text);
      if (ms === undefined) return;
      expect(ms === Number.POSITIVE_INFINITY || (Number.isFinite(ms) && ms >= 0 && Math.floor(ms) === ms)).toBe(true);
    },
  );
});
