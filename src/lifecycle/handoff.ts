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

export interface HandoffFacts {
  /** Which check found an alteration: the text's encoding, the unkeyed checksum, or the cipher's authentication. */
  foundBy?: 'encoding' | 'checksum' | 'authentication';
  /** Well formed and authentic, but what it holds is not a key. */
  holdsNoKey?: boolean;
  runId?: string;
  thisRunId?: string;
  keyId?: string;
  expiresAt?: string;
}

export class HandoffError extends Error {
  readonly reason: HandoffFailure;
  readonly facts: HandoffFacts;
  constructor(reason: HandoffFailure, facts: HandoffFacts = {}) {
    super(`the handoff does not open: ${reason}`);
    this.reason = reason;
    this.facts = facts;
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
    throw new HandoffError('malformed');
  }
  const [, tag, runId, payload] = match as unknown as [string, string, string, string];
  // base64url has spare bits and ignores a lone last character: only the text seal wrote opens.
  if (whole.toString('base64url') !== payload) {
    throw new HandoffError('tampered', { foundBy: 'encoding' });
  }
  const header = `${VERSION}.${tag}.${runId}`;
  const blob = whole.subarray(0, whole.length - DIGEST);
  if (!timingSafeEqual(whole.subarray(whole.length - DIGEST), digestOf(header, blob))) {
    throw new HandoffError('tampered', { foundBy: 'checksum' });
  }
  if (tag !== repoTag(run.repository)) {
    throw new HandoffError('other-repository');
  }
  if (runId !== run.runId) {
    throw new HandoffError('other-run', { runId, thisRunId: run.runId });
  }
  const salt = blob.subarray(0, SALT);
  const check = blob.subarray(SALT, SALT + CHECK);
  const iv = blob.subarray(SALT + CHECK, SALT + CHECK + IV);
  const body = blob.subarray(SALT + CHECK + IV, blob.length - TAG);
  const { key, check: expected } = derive(secret, salt, run);
  if (!timingSafeEqual(check, expected)) {
    throw new HandoffError('wrong-secret');
  }
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(header));
    decipher.setAuthTag(blob.subarray(blob.length - TAG));
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new HandoffError('tampered', { foundBy: 'authentication' });
  }
  const { k, i, e } = JSON.parse(plain) as { k: unknown; i: unknown; e: unknown };
  if (typeof k !== 'string' || typeof i !== 'string' || (e !== null && typeof e !== 'string')) {
    throw new HandoffError('malformed', { holdsNoKey: true });
  }
  if (e && Date.parse(e) <= now) {
    throw new HandoffError('expired', { keyId: i, expiresAt: e });
  }
  return { apiKey: k, id: i, expiresAt: e };
}
