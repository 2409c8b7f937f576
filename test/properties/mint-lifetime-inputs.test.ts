/**
 * Promise: a key's lifetime is what the inputs say or the step refuses them: `ttl`
 * within 1m..30d, `expires-at` an ISO 8601 moment with a zone, on a day that exists,
 * 1m..30d ahead. Read through parseInputs, as the main step reads them.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect } from 'vitest';
import { parseDuration } from '../../src/duration.ts';
import { type MintConfig, parseInputs } from '../../src/modes/index.ts';
import { generative } from '../helpers/generative.ts';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

function clearInputs() {
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
}
afterEach(clearInputs);

function mint(inputs: Record<string, string>) {
  clearInputs();
  process.env['INPUT_ADMIN-KEY'] = 'VENICE_ADMIN_KEY_property-test';
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
  return parseInputs(NOW);
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `moment` written as wall-clock time at `offsetMinutes` from UTC, with that offset. */
function writtenAt(moment: number, offsetMinutes: number, withMs: boolean): string {
  const local = new Date(moment + offsetMinutes * MINUTE);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${withMs ? `.${pad(local.getUTCMilliseconds(), 3)}` : ''}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const zone = offsetMinutes === 0 ? 'Z' : `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${date}T${time}${zone}`;
}

describe('ttl: a duration from 1m to 30d, or the step refuses it', () => {
  const unit = fc.constantFrom('s', 'm', 'h', 'd');
  test.prop([fc.nat({ max: 50_000 }), unit], generative(200))(
    'accepted exactly when within bounds, and then the key expires that far ahead',
    (amount, name) => {
      const ttl = `${amount}${name}`;
      const ms = parseDuration(ttl) as number;
      const result = mint({ ttl });
      const within = ms >= MINUTE && ms <= 30 * DAY;
      expect(result.ok).toBe(within);
      if (result.ok) expect((result.config as MintConfig).expiresAt.getTime()).toBe(NOW.getTime() + ms);
      else expect(result.problems.map((p) => p.input)).toEqual(['ttl']);
    },
  );
});

describe('expires-at: one unambiguous moment, 1m to 30d ahead, or the step refuses it', () => {
  const ahead = fc.integer({ min: MINUTE + 1_000, max: 30 * DAY - 1_000 });
  const offset = fc.integer({ min: -12 * 60, max: 14 * 60 });

  test.prop([ahead, offset, fc.boolean()], generative(300))(
    'any zone gives the same moment, cut to the second',
    (ms, offsetMinutes, withMs) => {
      const moment = NOW.getTime() + ms;
      const result = mint({ 'expires-at': writtenAt(moment, offsetMinutes, withMs) });
      expect(result.ok).toBe(true);
      if (result.ok) expect((result.config as MintConfig).expiresAt.getTime()).toBe(Math.floor(moment / 1_000) * 1_000);
    },
  );

  test.prop([ahead, offset], generative(200))('a moment without a zone is refused (it would depend on the runner)', (ms, offsetMinutes) => {
    const written = writtenAt(NOW.getTime() + ms, offsetMinutes, false).replace(/(Z|[+-]\d{2}:\d{2})$/, '');
    const result = mint({ 'expires-at': written });
    expect(result.ok).toBe(false);
  });

  test.prop(
    [fc.integer({ min: 2030, max: 2031 }), fc.constantFrom([2, 30], [2, 31], [4, 31], [6, 31], [9, 31], [11, 31], [2, 29])],
    generative(50),
  )('a day that does not exist is refused, not rolled over', (year, [month, day]) => {
    fc.pre(!(month === 2 && day === 29 && year % 4 === 0));
    const result = mint({ 'expires-at': `${year}-${pad(month)}-${pad(day)}T12:00:00Z` });
    expect(result.ok).toBe(false);
  });

  const wholeSeconds = fc.integer({ min: -400 * 86_400, max: 400 * 86_400 }).map((seconds) => seconds * 1_000);
  test.prop([wholeSeconds, offset], generative(300))('a moment outside 1m..30d ahead is refused', (ms, offsetMinutes) => {
    fc.pre(ms < MINUTE || ms > 30 * DAY);
    const result = mint({ 'expires-at': writtenAt(NOW.getTime() + ms, offsetMinutes, false) });
    expect(result.ok).toBe(false);
  });

  test.prop([fc.string({ maxLength: 30 })], generative(300))('text that is not such a moment is refused', (text) => {
    fc.pre(!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text.trim()) && text.trim() !== '');
    const result = mint({ 'expires-at': text });
    expect(result.ok).toBe(false);
  });
});
