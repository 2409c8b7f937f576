/** Assertions about what the action prints: keys are masked first and then never printed. */
import type { StepResult } from '../../emulator/fake-runner.ts';

/**
 * The runner masks a value from the moment it sees `::add-mask::value`. A key must be
 * announced that way before anything else prints it, and then never printed at all
 * (the log must not depend on masking to hide it).
 */
export function assertNoKeyLeaked(result: Pick<StepResult, 'stdout' | 'stderr'>, secrets: string[]): void {
  const stdoutWithoutMasks = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const secret of secrets) {
    if (stdoutWithoutMasks.includes(secret) || result.stderr.includes(secret)) {
      throw new Error(`a key was printed in the log:\n${result.stdout}\n${result.stderr}`);
    }
  }
  if (/VENICE_[A-Z]+_KEY_[A-Za-z0-9_-]{8,}/.test(stdoutWithoutMasks + result.stderr)) {
    throw new Error(`something key-shaped was printed in the log:\n${result.stdout}\n${result.stderr}`);
  }
}

/** The key's `::add-mask::` line comes before every other line that mentions it. */
export function assertMaskedFirst(stdout: string, secret: string): void {
  const lines = stdout.split('\n');
  const maskAt = lines.indexOf(`::add-mask::${secret}`);
  if (maskAt < 0) throw new Error('the key was never masked');
  const firstUse = lines.findIndex((line) => line.includes(secret));
  if (firstUse !== maskAt) throw new Error(`the key appears on line ${firstUse} before its mask on line ${maskAt}`);
}

/** The `::add-mask::` of `secret` comes before every line of the step's output but other masks. */
export function assertMaskedBeforeAnythingElse(stdout: string, secret: string): void {
  const lines = stdout.split('\n');
  const maskAt = lines.indexOf(`::add-mask::${secret}`);
  if (maskAt < 0) throw new Error('the secret was never masked');
  const before = lines.slice(0, maskAt).find((line) => !line.startsWith('::add-mask::'));
  if (before !== undefined) throw new Error(`a line other than a mask comes before the secret's mask: ${before}`);
  assertMaskedFirst(stdout, secret);
}
