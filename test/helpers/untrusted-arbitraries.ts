/**
 * What the log and summary properties generate: secrets as the action registers them,
 * and text built from the pieces that matter to a reader (supplied by each property)
 * mixed with those secrets, anything key-shaped and arbitrary characters.
 */
import { fc } from '@fast-check/vitest';
import { vi } from 'vitest';
import { mask } from '../../src/runner/log.ts';

export const keyShaped = fc.stringMatching(/^VENICE_(INFERENCE|ADMIN|[A-Z]{1,8})_KEY_[A-Za-z0-9_-]{1,40}$/);

/** Keys, tokens, handoff secrets such as `openssl rand -base64 32`, and passphrases. */
export const secret = fc.oneof(
  keyShaped,
  fc.stringMatching(/^[A-Za-z0-9+/=_-]{4,44}$/),
  // A passphrase: the runner masks it whole, so it must not reach the output rejoined from lines.
  fc.stringMatching(/^[a-z]{3,8}( [a-z]{3,8}){2,4}$/),
);

/** A fixed sample of secrets, registered as the steps register them (the ::add-mask:: lines kept quiet). */
export function registeredSecrets(seed: number): string[] {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const secrets = fc.sample(secret, { seed, numRuns: 12 });
  for (const value of secrets) mask(value);
  write.mockRestore();
  return secrets;
}

/** Text made of `pieces` in any order, the registered secrets (whole, or split across lines) and more. */
export const textAround = (pieces: fc.Arbitrary<string>, secrets: string[]) =>
  fc
    .array(
      fc.oneof(
        pieces,
        secrets.length > 0 ? fc.constantFrom(...secrets) : fc.constant(''),
        secrets.length > 0 ? fc.constantFrom(...secrets.map((value) => value.replaceAll(' ', '\n'))) : fc.constant(''),
        keyShaped,
        fc.string({ unit: 'binary', maxLength: 6 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));
