/** README, "Masking first": server text that reaches the log carries no key-shaped string. */
import { describe, expect, it } from 'vitest';
import { keyTypeFromPrefix, redact } from '../../src/venice/keys.ts';

describe('no key in a message: what Venice says is redacted, and a key is known by its prefix', () => {
  it('removes key-shaped strings, bearer tokens and the given secrets', () => {
    expect(redact('bad key VENICE_ADMIN_KEY_abc-DEF_123 here')).toBe('bad key VENICE_*** here');
    expect(redact('Authorization: Bearer sk-123.456')).toBe('Authorization: Bearer ***');
    expect(redact('token opaque-secret-value was refused', ['opaque-secret-value'])).toBe('token *** was refused');
  });

  it('knows a bearer token in any case: a server or a proxy may echo the header as it pleases', () => {
    expect(redact('authorization: bearer abc.def')).toBe('authorization: bearer ***');
    expect(redact('AUTHORIZATION: BEARER abc.def, next')).toBe('AUTHORIZATION: BEARER ***, next');
  });

  // Shorter than four characters, a "secret" would blank out ordinary words all over the log.
  it('removes a given secret of four characters or more, and leaves shorter ones to the runner', () => {
    expect(redact('x abcd y', ['abcd'])).toBe('x *** y');
    expect(redact('x abc y', ['abc'])).toBe('x abc y');
  });

  it('reads the key type from the prefix', () => {
    expect(keyTypeFromPrefix('VENICE_ADMIN_KEY_x')).toBe('ADMIN');
    expect(keyTypeFromPrefix('VENICE_INFERENCE_KEY_x')).toBe('INFERENCE');
    expect(keyTypeFromPrefix('sk-x')).toBeUndefined();
  });
});
