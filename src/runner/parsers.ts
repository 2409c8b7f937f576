import { formatDuration, parseDuration } from '../duration.js';
import { parseInstant } from '../instant.js';

/**
 * How an input's text becomes a value. Each parser knows no mode and no input name: it
 * throws an InputError whose message says what is wrong with the value and ends with
 * the fix; the engine puts the input's name in front.
 */

export class InputError extends Error {}

export type Parser<T> = (raw: string) => T;

export const text: Parser<string> = (raw) => raw;

/** A key or token travels in an HTTP header: printable ASCII, no spaces. Never echoed back. */
export const headerSafe: Parser<string> = (raw) => {
  if (!/^[\x21-\x7E]+$/.test(raw)) {
    throw new InputError(
      'holds characters an HTTP header cannot carry (a space, a line break, or a non-ASCII character such as a ' +
        'typographic quote). Copy the key into the secret again, exactly as Venice shows it.',
    );
  }
  return raw;
};

export const duration =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const ms = parseDuration(raw);
    if (ms === undefined) {
      throw new InputError(`'${raw}' is not a duration. Use e.g. 90s, 30m, 2h, 1d, 1h30m, or plain seconds.`);
    }
    if (ms < min || ms > max) {
      throw new InputError(`'${raw}' is out of range: it must be at least ${formatDuration(min)} and at most ${formatDuration(max)}.`);
    }
    return ms;
  };

export const amount =
  (max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > max) {
      throw new InputError(`'${raw}' must be a number from 0 to ${max}, e.g. 5 or 2.50.`);
    }
    return Number(raw);
  };

export const wholeNumber =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new InputError(`'${raw}' must be a whole number from ${min} to ${max}.`);
    }
    return Number(raw);
  };

/** One of a fixed set of words, in any case; `upper` is how the value is stored. */
export const oneOf =
  <T extends string>(allowed: readonly T[], { upper = true } = {}): Parser<T> =>
  (raw) => {
    const value = upper ? raw.toUpperCase() : raw.toLowerCase();
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InputError(`'${raw}' is not allowed. Use one of: ${allowed.join(', ')}.`);
    }
    return value as T;
  };

/** Items separated by commas or newlines, trimmed, empty ones dropped. */
export const list: Parser<string[]> = (raw) =>
  raw
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);

/** A moment with a zone (see instant.ts), to the second. */
export const instant: Parser<Date> = (raw) => {
  const when = parseInstant(raw);
  if (when === 'format') throw new InputError(`'${raw}' is not an ISO 8601 time with a zone. Use e.g. 2030-01-31T18:00:00Z.`);
  if (when === 'no-such-day') throw new InputError(`'${raw}' names a day that does not exist. Use e.g. 2030-01-31T18:00:00Z.`);
  return new Date(Math.floor(when.getTime() / 1000) * 1000);
};

const RESERVED_ENV = /^(GITHUB_|RUNNER_|ACTIONS_)/i;
const RESERVED_ENV_NAMES = ['NODE_OPTIONS', 'PATH', 'HOME'];

export const envName: Parser<string> = (raw) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) {
    throw new InputError(`'${raw}' is not an environment variable name. Use letters, digits and '_', e.g. VENICE_API_KEY.`);
  }
  if (RESERVED_ENV.test(raw) || RESERVED_ENV_NAMES.includes(raw.toUpperCase())) {
    throw new InputError(`'${raw}' is reserved by the runner or the system. Choose your own name, e.g. VENICE_API_KEY.`);
  }
  return raw;
};

export const minLength =
  (min: number, fix: string): Parser<string> =>
  (raw) => {
    if (raw.length < min) throw new InputError(`is ${raw.length} characters long; it must be at least ${min}. ${fix}`);
    return raw;
  };
