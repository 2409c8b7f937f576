import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { type RunIdentity, repoTag } from './naming.js';

/**
 * A minted key sealed for the later jobs of the same workflow run. The runner drops job
 * outputs that hold a masked value, so the key travels sealed: AES-256-GCM under a key
 * derived with scrypt and HKDF-SHA256 from the `handoff-secret`, bound to the repository and the run
 * (not the attempt: a re-run of failed jobs reuses the minting job's outputs).
 *
 *   vkh1.<repo tag>.<run id>.<base64url(salt 16 | check 8 | iv 12 | ciphertext | tag 16 | digest 8)>
 *
 * The repository tag and run id are in the clear (and authenticated) so that a handoff
 * from elsewhere is named as such. Two short values let a refusal name its cause:
 * `digest`, an unkeyed hash of everything before it, tells a value changed on the way
 * (a copy-paste slip, an edit) from the rest; `check`, derived from the secret, tells
 * a wrong secret. Authenticity itself rests on AES-GCM alone.
 */

const VERSION = 'vkh1';
const SALT = 16;
const CHECK = 8;
const IV = 12;
const TAG = 16;
const DIGEST = 8;
const FORMAT = /^vkh1\.([0-9a-f]{8})\.(\d{1,20})\.([A-Za-z0-9_-]+)$/;

export interface HandedKey {
  apiKey: string;
  id: string;
  expiresAt: string | null;
}

export type HandoffFailure = 'malformed' | 'other-repository' | 'other-run' | 'wrong-secret' | 'tampered' | 'expired';

export class HandoffError extends Error {
  readonly reason: HandoffFailure;
  constructor(reason: HandoffFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** An unkeyed hash of the handoff up to its digest: it catches accidents, not forgers. */
function digestOf(header: string, body: Buffer): Buffer {
  return createHash('sha256').update(header).update('.').update(body).digest().subarray(0, DIGEST);
}

/**
 * The handoff travels in the run's outputs, which the log shows, so the secret is
 * stretched with scrypt (memory-hard: guessing a weak secret offline costs about 50 ms
 * a guess) before HKDF-SHA256 derives the two keys. The cipher key is bound to the
 * repository and the run; the check value depends on the secret alone, so a mismatch
 * means the secret differs.
 */
function derive(secret: string, salt: Buffer, run: RunIdentity): { key: Buffer; check: Buffer } {
  const stretched = scryptSync(secret, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  const key = Buffer.from(hkdfSync('sha256', stretched, salt, `venice-key handoff v1 ${run.repository.toLowerCase()} ${run.runId}`, 32));
  const checkKey = Buffer.from(hkdfSync('sha256', stretched, salt, 'venice-key handoff v1 check', 32));
  return { key, check: createHmac('sha256', checkKey).update('check').digest().subarray(0, CHECK) };
}

export function seal(key: HandedKey, secret: string, run: RunIdentity): string {
  const header = `${VERSION}.${repoTag(run.repository)}.${run.runId}`;
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const { key: aesKey, check } = derive(secret, salt, run);
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  cipher.setAAD(Buffer.from(header));
  const body = Buffer.concat([cipher.update(JSON.stringify({ k: key.apiKey, i: key.id, e: key.expiresAt }), 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([salt, check, iv, body, cipher.getAuthTag()]);
  return `${header}.${Buffer.concat([sealed, digestOf(header, sealed)]).toString('base64url')}`;
}

/** Opens a handoff made in this repository's run, or says precisely why it cannot. */
export function open(handoff: string, secret: string, run: RunIdentity, now = Date.now()): HandedKey {
  const match = FORMAT.exec(handoff.trim());
  const whole = match ? Buffer.from(match[3] as string, 'base64url') : Buffer.alloc(0);
  if (!match || whole.length <= SALT + CHECK + IV + TAG + DIGEST) {
    throw new HandoffError(
      'malformed',
      "Input 'handoff' is not a handoff this action made (expected vkh1.<tag>.<run>.<sealed key>). Pass the minting job's 'handoff' output unchanged.",
    );
  }
  const [, tag, runId] = match as unknown as [string, string, string];
  const header = `${VERSION}.${tag}.${runId}`;
  const blob = whole.subarray(0, whole.length - DIGEST);
  if (!timingSafeEqual(whole.subarray(whole.length - DIGEST), digestOf(header, blob))) {
    throw new HandoffError(
      'tampered',
      "Input 'handoff' has been altered: its checksum does not match. Pass the minting job's output unchanged.",
    );
  }
  if (tag !== repoTag(run.repository)) {
    throw new HandoffError(
      'other-repository',
      `Input 'handoff' was made in another repository, and a handoff opens only in the repository whose run minted it. Mint the key in this repository's workflow.`,
    );
  }
  if (runId !== run.runId) {
    throw new HandoffError(
      'other-run',
      `Input 'handoff' was made in workflow run ${runId}, not in this run (${run.runId}); a handoff opens only in the run that minted it. Mint in this run and pass the output through 'needs'.`,
    );
  }
  const salt = blob.subarray(0, SALT);
  const check = blob.subarray(SALT, SALT + CHECK);
  const iv = blob.subarray(SALT + CHECK, SALT + CHECK + IV);
  const body = blob.subarray(SALT + CHECK + IV, blob.length - TAG);
  const { key, check: expected } = derive(secret, salt, run);
  if (!timingSafeEqual(check, expected)) {
    throw new HandoffError(
      'wrong-secret',
      "Input 'handoff-secret' is not the secret that sealed this handoff. Give the receiving jobs the same secret as the minting job.",
    );
  }
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(header));
    decipher.setAuthTag(blob.subarray(blob.length - TAG));
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new HandoffError(
      'tampered',
      "Input 'handoff' has been altered: it does not authenticate. Pass the minting job's output unchanged.",
    );
  }
  const { k, i, e } = JSON.parse(plain) as { k: unknown; i: unknown; e: unknown };
  if (typeof k !== 'string' || typeof i !== 'string' || (e !== null && typeof e !== 'string')) {
    throw new HandoffError('malformed', "Input 'handoff' holds no key. Pass the minting job's 'handoff' output unchanged.");
  }
  if (e && Date.parse(e) <= now) {
    throw new HandoffError('expired', `The handed-off key ${i} expired at ${e}. Mint a key with a ttl that covers the jobs that use it.`);
  }
  return { apiKey: k, id: i, expiresAt: e };
}
