/**
 * A moment written as ISO 8601 with a date, a time and an explicit zone, so that it is
 * unambiguous; anything else (a bare date, "soon", a day that does not exist, a number)
 * is not a moment. Used for what the user writes and for what Venice answers alike.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export type InstantProblem = 'format' | 'no-such-day';

export function parseInstant(text: unknown): Date | InstantProblem {
  if (typeof text !== 'string') return 'format';
  const parts = ISO_INSTANT.exec(text);
  const when = new Date(text);
  if (!parts || Number.isNaN(when.getTime())) return 'format';
  // Date() rolls 2030-02-30 over into March; a day that does not exist is a mistake.
  const [year, month, day] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return 'no-such-day';
  return when;
}
