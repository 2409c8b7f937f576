/**
 * README: "scrypt, so that guessing a weak secret offline is slow". The handoff travels in
 * the run's outputs, so its cost is what stands between a weak secret and a guesser: this
 * derives the check value independently at the documented cost (N = 2^14, r = 8, p = 1)
 * and fails if the action's derivation is any cheaper, or otherwise different.
 */
import { createHmac, hkdfSync, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal } from '../../src/lifecycle/handoff.ts';

const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const SECRET = 'a handoff secret of at least thirty-two characters';
const SALT = 16;
const CHECK = 8;

describe('the handoff secret is stretched with scrypt at the documented cost', () => {
  it('its check value is what scrypt N=2^14, r=8, p=1 then HKDF-SHA256 give', () => {
    const sealed = seal({ apiKey: 'VENICE_INFERENCE_KEY_x', id: 'id', expiresAt: null }, SECRET, RUN);
    const blob = Buffer.from(sealed.slice(sealed.lastIndexOf('.') + 1), 'base64url');
    const salt = blob.subarray(0, SALT);
    const stretched = scryptSync(SECRET, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const checkKey = Buffer.from(hkdfSync('sha256', stretched, salt, 'venice-key handoff v1 check', 32));
    const expected = createHmac('sha256', checkKey).update('check').digest().subarray(0, CHECK);
    expect(blob.subarray(SALT, SALT + CHECK).toString('hex')).toBe(expected.toString('hex'));
  });
});
