/**
 * README: "scrypt, so that guessing a weak secret offline is slow". The handoff travels in
 * the run's outputs, so its cost is what stands between a weak secret and a guesser: this
 * derives the check value and the cipher key independently at the documented cost
 * (N = 2^14, r = 8, p = 1) from a fresh salt, and fails if the action's derivation is any
 * cheaper, or otherwise different.
 */
import { createDecipheriv, createHmac, hkdfSync, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal } from '../../src/lifecycle/handoff.ts';

const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const SECRET = 'a handoff secret of at least thirty-two characters';
const SALT = 16;
const CHECK = 8;
const IV = 12;
const TAG = 16;
const DIGEST = 8;

const blobOf = (sealed: string) => Buffer.from(sealed.slice(sealed.lastIndexOf('.') + 1), 'base64url');
const stretch = (salt: Buffer) => scryptSync(SECRET, salt, 32, { N: 2 ** 14, r: 8, p: 1 });

describe('the handoff secret is stretched with scrypt at the documented cost', () => {
  it('its check value is what scrypt N=2^14, r=8, p=1 then HKDF-SHA256 give', () => {
    const sealed = seal({ apiKey: 'VENICE_INFERENCE_KEY_x', id: 'id', expiresAt: null }, SECRET, RUN);
    const blob = blobOf(sealed);
    const salt = blob.subarray(0, SALT);
    const stretched = stretch(salt);
    const checkKey = Buffer.from(hkdfSync('sha256', stretched, salt, 'venice-key handoff v1 check', 32));
    const expected = createHmac('sha256', checkKey).update('check').digest().subarray(0, CHECK);
    expect(blob.subarray(SALT, SALT + CHECK).toString('hex')).toBe(expected.toString('hex'));
  });

  // The key itself is behind scrypt too: a guess tested against the cipher's tag costs as much as one against the check.
  it('its cipher key is what scrypt then HKDF-SHA256 give, bound to the repository (in any case) and the run', () => {
    const sealed = seal({ apiKey: 'VENICE_INFERENCE_KEY_x', id: 'id', expiresAt: null }, SECRET, {
      ...RUN,
      repository: 'Octo-Org/Octo-Repo',
    });
    const blob = blobOf(sealed).subarray(0, -DIGEST);
    const salt = blob.subarray(0, SALT);
    const info = `venice-key handoff v1 ${RUN.repository} ${RUN.runId}`;
    const key = Buffer.from(hkdfSync('sha256', stretch(salt), salt, info, 32));
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(SALT + CHECK, SALT + CHECK + IV));
    decipher.setAAD(Buffer.from(sealed.slice(0, sealed.lastIndexOf('.'))));
    decipher.setAuthTag(blob.subarray(blob.length - TAG));
    const plain = Buffer.concat([decipher.update(blob.subarray(SALT + CHECK + IV, blob.length - TAG)), decipher.final()]);
    expect(JSON.parse(plain.toString('utf8'))).toEqual({ k: 'VENICE_INFERENCE_KEY_x', i: 'id', e: null });
  });

  it('each seal draws a fresh salt, so no table of guesses serves two handoffs', () => {
    const salts = new Set(
      Array.from({ length: 3 }, () =>
        blobOf(seal({ apiKey: 'VENICE_INFERENCE_KEY_x', id: 'id', expiresAt: null }, SECRET, RUN))
          .subarray(0, SALT)
          .toString('hex'),
      ),
    );
    expect(salts.size).toBe(3);
  });
});
