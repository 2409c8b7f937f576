/**
 * Text from elsewhere, shaped to be obeyed by the runner or rendered by the job summary,
 * and the checks that it stayed data. Shared by the client-level matrix and the
 * end-to-end cases (README, Security: "Text from elsewhere is data").
 */
import { expect } from 'vitest';
import { renderLog } from '../../emulator/fake-runner.ts';

/** Server strings shaped to be obeyed by the runner or rendered by the summary. */
export const HOSTILE = [
  'Service busy\n::stop-commands::x',
  'busy\r::add-mask::zzz',
  'ok ##[error]forged',
  '::warning::forged',
  '\u2028::error::x',
  '[Re-auth](https://ev.il)',
  '<img src=x onerror=alert(1)>',
  'a\n\n| x | y |',
  'x\r\n::set-output name=api-key::stolen',
  '  ::group::forged',
  'tail\n##[endgroup]',
  '\u0085::notice::forged\u2029::debug::forged',
  'a%0A::error::percent',
  'echo Bearer VENICE_INFERENCE_KEY_AAAAAAAAAAAAAAAA\n::error::x',
];

/** Every trick at once, for the one end-to-end case per route (under quoting's 300-character bound). */
export const COMBINED =
  'busy\n::stop-commands::x\r::add-mask::zzz\r\n::error::forged\u2028::warning::w\u0085::notice::n ' +
  'ok ##[error]forged %0A::error::percent <img src=x onerror=alert(1)> [Re-auth](https://ev.il)' +
  '\n\n| x | y | key VENICE_INFERENCE_KEY_AAAAAAAAAAAAAAAA';

/** The commands this action issues itself; anything else in a rendered log was injected. */
export const OWN_COMMANDS = new Set(['add-mask', 'error', 'warning', 'notice', 'debug']);

/**
 * Server text as the action must show it, modelled here independently of the code:
 * a JSON string (escapes visible, U+2028/9 too), `##[` defused, U+0085 (no line break to
 * the runner, but one to some readers) escaped, and anything key-shaped or following
 * `Bearer` redacted.
 */
export function quoted(text: string): string {
  return (
    JSON.stringify(text)
      .replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(/##\[/g, '##\\[')
      .replace(/VENICE_[A-Z]+_KEY_[A-Za-z0-9_-]*/g, 'VENICE_***')
      // A bearer token is cut up to the next space or quote: in quoted text, the rest of the string.
      .replace(/(Bearer\s+)[^\s"',;]+/gi, '$1***')
  );
}

/** A test title that shows every control character. */
export const shown = (text: string) =>
  JSON.stringify(text).replace(/[\u0080-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
export const NAMED = HOSTILE.map((hostile) => [shown(hostile), hostile] as const);

/**
 * What every step must print, whatever it was fed: nothing key-shaped, only the action's
 * own commands obeyed, no line the runner would read as a command, every annotation one
 * line. `stdout` is what the step wrote; `secrets` are keys that must never appear (they
 * may only be announced by `::add-mask::`). Returns the log as the runner shows it.
 */
export function checkLog(stdout: string, secrets: string[]): ReturnType<typeof renderLog> {
  const unmasked = stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const secret of secrets) expect(unmasked.includes(secret), `a key was printed: ${secret}`).toBe(false);
  expect(unmasked, 'something key-shaped was printed').not.toMatch(/VENICE_[A-Z]+_KEY_[A-Za-z0-9_-]{8,}/);
  const log = renderLog(stdout, { debug: true, masks: secrets });
  expect(
    log.commands.filter((command) => !OWN_COMMANDS.has(command)),
    'a command the action does not issue',
  ).toEqual([]);
  for (const line of log.lines) {
    // renderLog shows a debug line with the runner's own `##[debug]` prefix.
    const text = line.replace(/^##\[debug\]/, '');
    expect(text.trimStart().startsWith('::'), `a line the runner would obey: ${JSON.stringify(line)}`).toBe(false);
    expect(text, `an un-defused ##[ command: ${JSON.stringify(line)}`).not.toContain('##[');
  }
  for (const annotation of log.annotations) {
    expect(annotation.message).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
    expect(annotation.message.trimStart().startsWith('::')).toBe(false);
  }
  // A hostile string tried to mask `zzz` (which would hide nothing, but is a command obeyed).
  expect(log.masks.has('zzz')).toBe(false);
  return log;
}

/** The job summary is HTML inside Markdown: no raw tag, link or image, no blank line, no table pipe, nothing key-shaped. */
export function checkSummary(summary: string): void {
  expect(summary).not.toContain('<img');
  expect(summary).not.toContain('](');
  expect(summary).not.toMatch(/\n[^\S\n]*\n/);
  expect(summary).not.toMatch(/^\n/);
  expect(summary).not.toContain('|');
  expect(summary).not.toMatch(/[\r\u2028\u2029\u0085]/);
  // The summary writes `_` as a character reference.
  expect(summary.replaceAll('&#95;', '_')).not.toMatch(/VENICE_[A-Z]+_KEY_[A-Za-z0-9_-]{8,}/);
}
