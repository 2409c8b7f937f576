import type { VeniceClient } from '../venice/client.js';
import { VeniceApiError } from '../venice/errors.js';

/** Venice refused the admin key for managing keys: `not-admin` if it accepts it otherwise, `rejected` if not at all. */
export class AdminKeyRefused extends Error {
  readonly reason: 'not-admin' | 'rejected';
  constructor(reason: 'not-admin' | 'rejected') {
    super(reason === 'not-admin' ? 'the admin key is not an ADMIN key (401)' : 'Venice rejected the admin key (401)');
    this.reason = reason;
  }
}

/**
 * A 401 on a key-management call means the admin key is wrong, or not an ADMIN key.
 * Which one is decided by asking Venice whether it accepts the key at all (any valid
 * key may read its own rate limits), never by the wording of the answer.
 */
export async function explainAdminKeyError(error: unknown, client: VeniceClient): Promise<unknown> {
  if (!(error instanceof VeniceApiError) || error.status !== 401) return error;
  const accepted = await client.rateLimits().then(
    () => true,
    () => false,
  );
  return new AdminKeyRefused(accepted ? 'not-admin' : 'rejected');
}
